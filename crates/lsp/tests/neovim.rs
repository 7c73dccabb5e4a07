//! Real editors drive the server: headless Neovim, through the plugin in
//! editors/neovim, opens a broken model, gets its diagnostic, a hover, a
//! completion and applies the quick fix, then uses the plugin's commands
//! (lineage into the quickfix list, the compiled SQL, the graph, choosing a
//! fabric, running a gem and cancelling a run).
//!
//! Two Neovims: the one on PATH (Debian's 0.7, the oldest the plugin
//! supports: `require('loupe').setup()`), and a current one (0.11+:
//! `vim.lsp.enable('loupe')`) from `$LOUPE_NVIM_011`, else the virtualenv
//! scripts/install-neovim.sh makes. Each absent Neovim skips, saying so; under
//! CI (`CI` set) an absent Neovim fails, since .ci/run installs both.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

mod support;

use loupe_lsp::memory_client::copy_dir;
use serde_json::Value;

/// Straight to the process's stderr: the test harness would swallow eprintln!.
fn say(message: &str) {
    let _ = std::io::stderr().write_all(format!("{message}\n").as_bytes());
}

/// `nvim --version`'s first line, when `nvim` runs.
fn version(nvim: &Path) -> Option<String> {
    let output = Command::new(nvim).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    output
        .status
        .success()
        .then(|| text.lines().next().unwrap_or_default().to_string())
}

fn skip(what: &str, how: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("{what} is not installed, and CI must test it ({how})");
    }
    say(&format!("SKIPPED: {what} is not installed ({how})"));
}

/// (major, minor) of "NVIM v0.11.4" or "NVIM v0.12.0-dev-…".
fn major_minor(version: &str) -> (u32, u32) {
    let numbers: Vec<u32> = version
        .trim_start_matches("NVIM v")
        .split(|c: char| !c.is_ascii_digit())
        .take(2)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    (numbers[0], numbers.get(1).copied().unwrap_or(0))
}

/// Runs the Lua script in `nvim` on a fresh copy of the broken fixture and
/// returns what it wrote.
fn drive(nvim: &Path, label: &str, setup: bool) -> Value {
    let here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let scratch = std::env::temp_dir().join(format!("loupe-nvim-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let fixture = scratch.join("project");
    copy_dir(&here.join("../../tests/fixtures/broken_project"), &fixture);
    // A model that keeps the engine busy for minutes (10^11 rows to count):
    // the run to cancel.
    std::fs::write(
        fixture.join("models/slow.sql"),
        "select count(*) as n\nfrom range(1000000) as a(x), range(100000) as b(y)\n",
    )
    .unwrap();
    // A Git repository on a feature branch: the impact step measures the
    // working tree against main.
    support::on_a_feature_branch(&fixture);
    // YAML outside any project: Loupe must leave it alone.
    let outside = scratch.join("elsewhere/outside.yml");
    std::fs::create_dir_all(outside.parent().unwrap()).unwrap();
    std::fs::write(&outside, "key: value\n").unwrap();
    let out = scratch.join("result.json");
    let started = Instant::now();
    let status = Command::new(nvim)
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n", "-c"])
        .arg(format!(
            "luafile {}",
            here.join("tests/neovim/e2e.lua").display()
        ))
        .env("LOUPE_BIN", env!("CARGO_BIN_EXE_loupe"))
        .env("LOUPE_PLUGIN", here.join("../../editors/neovim"))
        .env("LOUPE_FIXTURE", &fixture)
        .env("LOUPE_OUTSIDE", &outside)
        .env("LOUPE_OUT", &out)
        // `require('loupe').setup()` rather than vim.lsp.enable on 0.11+.
        .env("LOUPE_SETUP", if setup { "1" } else { "0" })
        .env(
            "LOUPE_FABRIC",
            if cfg!(feature = "fabric") { "1" } else { "0" },
        )
        .status()
        .expect("nvim runs");
    let result: Value = std::fs::read_to_string(&out)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    // A server stuck in a run it failed to cancel outlives Neovim: stop it.
    for pid in result["server_pids"].as_array().into_iter().flatten() {
        let pid = pid.as_u64().unwrap_or_default();
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        if pid > 0 && String::from_utf8_lossy(&cmdline).contains(env!("CARGO_BIN_EXE_loupe")) {
            std::thread::sleep(std::time::Duration::from_secs(2));
            if std::fs::metadata(format!("/proc/{pid}")).is_ok() {
                say(&format!(
                    "neovim {label}: the server (pid {pid}) outlived Neovim; killing it"
                ));
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }
        }
    }
    assert!(status.success(), "{label}: nvim exited with {status}");
    assert!(result.is_object(), "{label}: the script wrote no results");
    say(&format!(
        "neovim {label} ({}): {:.1} s; steps in ms: {}",
        result["version"],
        started.elapsed().as_secs_f64(),
        result["timings"]
    ));
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn check(result: &Value, modern: bool) {
    let errors = &result["errors"];
    assert!(
        errors.as_object().is_none_or(|e| e.is_empty())
            && errors.as_array().is_none_or(|e| e.is_empty()),
        "steps failed: {errors:#}\n{result:#}"
    );
    assert_eq!(
        result["mode"],
        if modern { "vim.lsp.enable" } else { "setup" }
    );
    let commands = strings(&result["commands"]);
    for command in [
        "LoupeCancel",
        "LoupeCompiled",
        "LoupeFabric",
        "LoupeGraph",
        "LoupeImpact",
        "LoupeLineage",
        "LoupeRefreshCatalog",
        "LoupeRun",
    ] {
        assert!(
            commands.iter().any(|c| c == command),
            "{command}: {commands:?}"
        );
    }

    // The standard features.
    assert_eq!(result["diagnostic_code"], "L003", "{result}");
    assert_eq!(result["diagnostic_line"], 3);
    let hover = result["hover"].as_str().unwrap_or_default();
    assert!(hover.contains("`order_id`: **INTEGER**"), "{hover}");
    let completion = strings(&result["completion"]);
    assert!(
        completion.iter().any(|c| c == "amount")
            && completion.iter().any(|c| c == "payment_method"),
        "{completion:?}"
    );
    assert_eq!(result["action"], "Change `amont` to `amount`");
    assert_eq!(result["fixed_line"], "    amount");
    assert_eq!(result["diagnostics_after_fix"], 0);

    // The change against the Git base: a diagnostic with the broken use as
    // related information, the same in :LoupeImpact's list, and the lenses.
    let impact = result["impact_diagnostic"].as_str().unwrap_or_default();
    assert!(impact.contains("removes `status`"), "{result:#}");
    let related = result["impact_related"].as_u64().unwrap_or_default();
    assert!(related >= 1, "{result:#}");
    let items = strings(&result["impact_items"]);
    assert!(
        items.iter().any(|i| i.contains("breaks l008_not_grouped")),
        "{items:?}"
    );
    let lenses = strings(&result["impact_lenses"]);
    assert!(
        lenses.iter().any(|l| l.ends_with("downstream models")),
        "{lenses:?}"
    );
    let breaks = format!("breaks {related} uses downstream");
    assert!(
        lenses.iter().any(|l| *l == breaks),
        "{breaks} in {lenses:?}"
    );

    // YAML of the project gets the server; YAML elsewhere does not.
    assert_eq!(result["yaml_attached"], true);
    assert_eq!(result["outside_filetype"], "yaml");
    assert_eq!(result["outside_attached"], false);

    // :LoupeLineage up: the column, then where it comes from, with files and lines.
    assert_eq!(
        result["lineage_up_title"],
        "Loupe lineage: upstream of stg_orders.customer_id"
    );
    let up = result["lineage_up"].as_array().unwrap();
    let texts: Vec<&str> = up.iter().map(|i| i["text"].as_str().unwrap()).collect();
    assert!(
        texts[0].starts_with("stg_orders.customer_id (where it comes from)"),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("← stg_orders.renamed.customer_id")),
        "{texts:?}"
    );
    assert!(
        texts.iter().any(|t| t.contains("raw_orders.user_id")),
        "{texts:?}"
    );
    let renamed = up
        .iter()
        .find(|i| {
            i["text"]
                .as_str()
                .unwrap()
                .contains("stg_orders.renamed.customer_id")
        })
        .unwrap();
    assert!(
        renamed["file"]
            .as_str()
            .unwrap()
            .ends_with("models/staging/stg_orders.sql"),
        "{renamed}"
    );
    assert_eq!(renamed["lnum"], 5, "the line of `renamed as (`: {renamed}");
    // The seed the column starts from: its CSV.
    let seed = up
        .iter()
        .find(|i| i["text"].as_str().unwrap().contains("← raw_orders.user_id"))
        .unwrap();
    assert!(
        seed["file"]
            .as_str()
            .unwrap()
            .ends_with("seeds/raw_orders.csv"),
        "{seed}"
    );
    assert_eq!(result["quickfix_open"], true);

    // :LoupeLineage down COLUMN: what reads it.
    assert_eq!(
        result["lineage_down_title"],
        "Loupe lineage: downstream of stg_orders.customer_id"
    );
    let down = strings(&result["lineage_down"]);
    assert!(
        down.iter().any(|t| t.contains("→ l003_cte_chain")),
        "{down:?}"
    );

    // :LoupeCompiled: the SQL after Jinja, in a scratch buffer.
    let compiled = strings(&result["compiled"]).join("\n");
    assert!(!compiled.contains("{{"), "{compiled}");
    assert!(compiled.contains("raw_orders"), "{compiled}");
    assert!(compiled.contains("user_id as customer_id"), "{compiled}");
    assert_eq!(result["compiled_filetype"], "sql");
    assert!(
        result["compiled_name"]
            .as_str()
            .unwrap()
            .ends_with("loupe://compiled/stg_orders.sql"),
        "{}",
        result["compiled_name"]
    );
    assert_eq!(result["compiled_attached"], false);
    // <CR> in it goes to the template line the rendered line comes from.
    let jump = &result["compiled_jump"];
    assert!(
        jump["buffer"]
            .as_str()
            .unwrap()
            .ends_with("models/staging/stg_orders.sql"),
        "{jump}"
    );
    assert_eq!(jump["line"], 8, "{jump}");
    assert_eq!(jump["text"], "        user_id as customer_id,");

    // :LoupeGraph: the gems, their kinds and schemas, and what joins them.
    let graph = strings(&result["graph"]);
    let drawn = graph.join("\n");
    assert!(
        graph[0].starts_with("stg_orders  (models/staging/stg_orders.sql)"),
        "{drawn}"
    );
    assert_eq!(graph[1], "reads: raw_orders", "{drawn}");
    assert!(drawn.contains("┌─ source · Source "), "{drawn}");
    assert!(drawn.contains("┌─ renamed · Reformat "), "{drawn}");
    assert!(drawn.contains("│ from source "), "{drawn}");
    assert!(drawn.contains("│ from raw_orders "), "{drawn}");
    assert!(
        graph
            .iter()
            .any(|l| l.starts_with("│ customer_id") && l.contains("INTEGER")),
        "{drawn}"
    );
    assert!(
        graph
            .iter()
            .any(|l| l.starts_with("│ order_date") && l.contains("DATE")),
        "{drawn}"
    );
    assert!(drawn.contains("    ▼"), "{drawn}");
    // What reads the model, wrapped at 78 columns.
    let feeds = graph
        .iter()
        .position(|l| l.starts_with("feeds: "))
        .expect(&drawn);
    assert!(
        graph[feeds..].iter().all(|l| l.chars().count() <= 78),
        "{drawn}"
    );
    assert!(graph[feeds].contains("l003_cte_chain"), "{drawn}");

    if !cfg!(feature = "fabric") {
        return;
    }
    // :LoupeFabric: a picker of loupe.toml's fabrics (here the default DuckDB).
    let offered = strings(&result["fabric_offered"]);
    assert!(
        offered
            .first()
            .is_some_and(|f| f.starts_with("* duckdb (duckdb): ready")),
        "{offered:?}"
    );
    assert_eq!(result["fabric_selected"], "duckdb");
    assert!(
        result["fabric_unknown"]
            .as_str()
            .unwrap()
            .contains("nowhere"),
        "{}",
        result["fabric_unknown"]
    );

    // :LoupeRefreshCatalog without a fabric: the sources are asked for (and
    // are not in the empty DuckDB).
    let catalog = result["catalog"].as_str().unwrap_or_default();
    assert!(
        catalog.starts_with("Loupe: 0 tables described by duckdb\n  app.events: ")
            && catalog.contains("\n  app.sessions: "),
        "{catalog}"
    );

    // :LoupeRun 2 in the gem `renamed`: a title, names and types, rule, 2 rows, summary.
    let rows = strings(&result["rows"]);
    assert!(result["run_error"].is_null(), "{result}");
    assert_eq!(rows.len(), 1 + 3 + 2 + 1, "{rows:#?}");
    assert_eq!(rows[0], "gem renamed of stg_orders");
    assert_eq!(
        rows[1].split(" | ").map(str::trim).collect::<Vec<_>>(),
        ["order_id", "customer_id", "order_date", "status"]
    );
    assert_eq!(
        rows[2].split(" | ").map(str::trim).collect::<Vec<_>>(),
        ["INTEGER", "INTEGER", "DATE", "VARCHAR"]
    );
    assert!(rows[3].chars().all(|c| c == '-' || c == '+'), "{}", rows[3]);
    assert!(rows[4].starts_with("1 "), "{rows:#?}");
    assert!(rows[6].starts_with("2 rows (more exist) in "), "{rows:#?}");
    assert!(result["rows_name"]
        .as_str()
        .unwrap()
        .ends_with("loupe://rows"));
    // The run's $/progress reached the plugin, begin to end.
    let progress = strings(&result["progress"]);
    assert!(
        progress
            .iter()
            .any(|p| p == "Running renamed: running on duckdb"),
        "{progress:?}"
    );
    assert_eq!(
        progress.last().map(String::as_str),
        Some("Running renamed: done"),
        "{progress:?}"
    );

    // <C-c> stops a run that would take minutes; the server answers the next one.
    assert_eq!(result["cancel_mapped"], true, "{result}");
    assert_eq!(result["cancel_error"], "cancelled");
    assert_eq!(result["cancel_running"], false);
    assert_eq!(result["cancel_rows"], false);
    assert_eq!(result["cancel_mapped_after"], false);
    let after = strings(&result["after_cancel_rows"]);
    assert_eq!(after.len(), 1 + 3 + 1 + 1, "{after:#?}");
    assert!(
        result["after_cancel_ms"].as_u64().unwrap() < 20_000,
        "the run after a cancelled one took {} ms",
        result["after_cancel_ms"]
    );
}

#[test]
fn neovim_on_path_with_setup() {
    let nvim = PathBuf::from("nvim");
    let Some(found) = version(&nvim) else {
        return skip("nvim", ".ci/run installs Debian's neovim");
    };
    let modern = major_minor(&found) >= (0, 11);
    let result = drive(&nvim, "path", false);
    check(&result, modern);
}

/// The path of the Neovim 0.11+ the tests use, and its version, if it runs.
fn current_neovim() -> (PathBuf, Option<String>) {
    let nvim = std::env::var_os("LOUPE_NVIM_011")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".cache/loupe-venv/bin/nvim")
        });
    let found = version(&nvim);
    if let Some(found) = &found {
        assert!(
            major_minor(found) >= (0, 11),
            "{} is {found}, not 0.11 or newer",
            nvim.display()
        );
    }
    (nvim, found)
}

#[test]
fn current_neovim_with_vim_lsp_enable() {
    let (nvim, found) = current_neovim();
    if found.is_none() {
        return skip(
            &format!("Neovim 0.11+ ({})", nvim.display()),
            "scripts/install-neovim.sh installs it, or set LOUPE_NVIM_011",
        );
    }
    let result = drive(&nvim, "current", false);
    check(&result, true);
}

/// setup() keeps working on 0.11+, where it registers the server with
/// vim.lsp.config and vim.lsp.enable.
#[test]
fn current_neovim_with_setup() {
    let (nvim, found) = current_neovim();
    if found.is_none() {
        return skip(
            &format!("Neovim 0.11+ ({})", nvim.display()),
            "scripts/install-neovim.sh installs it, or set LOUPE_NVIM_011",
        );
    }
    let result = drive(&nvim, "current-setup", true);
    check(&result, false);
}

#[test]
fn versions_read_from_nvim_version() {
    assert_eq!(major_minor("NVIM v0.7.2"), (0, 7));
    assert_eq!(major_minor("NVIM v0.12.0-dev-fbb1caf"), (0, 12));
    assert!(major_minor("NVIM v0.10.4") < (0, 11));
}
