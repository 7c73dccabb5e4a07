//! A real editor drives the server: headless Neovim (0.7 or newer) opens a
//! broken model, gets its diagnostic, a hover, a completion, and applies the
//! quick fix. Skips, saying so, when `nvim` is not installed.

use std::path::PathBuf;
use std::process::Command;

use loupe_lsp::memory_client::copy_dir;

#[test]
fn headless_neovim_gets_diagnostics_hover_completion_and_a_fix() {
    if Command::new("nvim").arg("--version").output().is_err() {
        // Straight to the process's stderr: the test harness would swallow eprintln!.
        use std::io::Write;
        let _ = std::io::stderr()
            .write_all(b"SKIPPED: nvim is not installed (.ci/run installs Debian's neovim)\n");
        return;
    }
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let fixture = std::env::temp_dir().join(format!("loupe-nvim-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&fixture);
    copy_dir(&here.join("../../tests/fixtures/broken_project"), &fixture);
    let out = fixture.join("result.json");
    let status = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-c"])
        .arg(format!(
            "luafile {}",
            here.join("tests/neovim/e2e.lua").display()
        ))
        .env("LOUPE_BIN", env!("CARGO_BIN_EXE_loupe"))
        .env("LOUPE_PLUGIN", here.join("../../editors/neovim"))
        .env("LOUPE_FIXTURE", &fixture)
        .env("LOUPE_OUT", &out)
        .status()
        .expect("nvim runs");
    assert!(status.success());
    let result: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).expect("the script wrote its results"))
            .unwrap();
    assert!(result.get("error").is_none(), "{result}");
    assert_eq!(result["diagnostic_code"], "L003", "{result}");
    assert_eq!(result["diagnostic_line"], 3);
    assert!(
        result["hover"]
            .as_str()
            .unwrap()
            .contains("`order_id`: **INTEGER**"),
        "{result}"
    );
    let completion: Vec<&str> = result["completion"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        completion.contains(&"amount") && completion.contains(&"payment_method"),
        "{completion:?}"
    );
    assert_eq!(result["action"], "Change `amont` to `amount`");
    // `:LoupeRun` on the fixed model, when the binary under test has fabrics.
    if !cfg!(feature = "fabric") {
        return;
    }
    let rows: Vec<&str> = result["rows"]
        .as_array()
        .map(|r| r.iter().map(|v| v.as_str().unwrap()).collect())
        .unwrap_or_default();
    assert!(
        rows.first()
            .is_some_and(|l| l.starts_with("payment_id | order_id | amount")),
        "{result}"
    );
    assert_eq!(
        rows.len(),
        3 + 3 + 1,
        "header, types, rule, 3 rows, summary: {result}"
    );
    assert!(
        rows.last().unwrap().starts_with("3 rows (more exist)"),
        "{result}"
    );
    assert_eq!(result["fixed_line"], "    amount");
}
