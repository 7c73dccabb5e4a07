//! Files a real repository can hold that once aborted the process: a macro
//! that calls itself, endless loops, generated SQL of 200,000 branches, long
//! AND and cast chains, deep nesting, a YAML alias bomb. `loupe check` ends with a
//! clear diagnostic on each, and the file beside them still gets its answers.

use std::path::Path;
use std::process::Command;

fn write(root: &Path, path: &str, text: &str) {
    let p = root.join(path);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn hostile_project() -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("loupe-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    write(
        &root,
        "dbt_project.yml",
        "name: hostile\nprofile: hostile\n",
    );
    write(
        &root,
        "macros/recursion.sql",
        "{% macro r(n) %}{{ r(n+1) }}{% endmacro %}\n\
         {% macro ping(n) %}{{ pong(n) }}{% endmacro %}\n\
         {% macro pong(n) %}{{ ping(n) }}{% endmacro %}\n",
    );
    write(
        &root,
        "models/self_recursive.sql",
        "select {{ r(0) }} as x\n",
    );
    write(&root, "models/mutual.sql", "select {{ ping(0) }} as x\n");
    write(
        &root,
        "models/endless_loop.sql",
        "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}select 1 as x\n",
    );
    write(
        &root,
        "models/huge_union.sql",
        &format!("select 1 as a{}\n", " union all select 1".repeat(200_000)),
    );
    write(
        &root,
        "models/long_and.sql",
        &format!(
            "select 1 as a from (select 1 as x) t where {}\n",
            vec!["x = 1"; 100_000].join(" and ")
        ),
    );
    write(
        &root,
        "models/nested_case.sql",
        &format!(
            "select {}1{} as deep\n",
            "case when 1 = 1 then ".repeat(5_000),
            " end".repeat(5_000)
        ),
    );
    write(
        &root,
        "models/nested_subqueries.sql",
        &format!(
            "select * from {}(select 1 as a) t{}\n",
            "(select a from ".repeat(3_000),
            ") t".repeat(3_000)
        ),
    );
    write(
        &root,
        "models/cast_chain.sql",
        &format!("select 1{} as a\n", "::bigint".repeat(100_000)),
    );
    // Deep, but within bounds: analyzed as usual.
    write(
        &root,
        "models/deep_but_fine.sql",
        &format!(
            "select * from {}(select 1 as a) t{}\n",
            "(select case when a = 1 then coalesce(a, 0) end as a from ".repeat(30),
            ") t".repeat(30)
        ),
    );
    write(
        &root,
        "models/neighbour.sql",
        "select 1 as ok, 'x' as label\n",
    );
    let mut bomb = vec![
        "version: 2".to_string(),
        "x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]".to_string(),
    ];
    for i in 1..10 {
        bomb.push(format!(
            "x{i}: &a{i} [{}]",
            vec![format!("*a{}", i - 1); 9].join(", ")
        ));
    }
    bomb.push("models:\n  - name: neighbour\n    description: *a9".to_string());
    write(&root, "models/bomb.yml", &(bomb.join("\n") + "\n"));
    root
}

#[test]
fn hostile_files_get_a_diagnostic_each_and_never_abort() {
    let root = hostile_project();
    let out = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["check", "--format", "json"])
        .arg(&root)
        .output()
        .unwrap();
    // Exit 1 (errors found), not a signal: the process ended by itself.
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let diagnostics: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let of = |file: &str| -> Vec<(String, String)> {
        diagnostics
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["file"] == file)
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_string(),
                    d["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let expect = |file: &str, code: &str, words: &str| {
        let found = of(file);
        assert!(
            found.len() == 1 && found[0].0 == code && found[0].1.contains(words),
            "{file}: {found:?}"
        );
    };
    expect(
        "models/self_recursive.sql",
        "L002",
        "macro `r` recurses more than 100 deep",
    );
    expect("models/mutual.sql", "L002", "recurses more than 100 deep");
    expect(
        "models/endless_loop.sql",
        "L002",
        "steps (an endless loop?)",
    );
    expect(
        "models/huge_union.sql",
        "L014",
        "chains 200000 set operations, more than 10000",
    );
    // Long AND chains are analyzed: rebalanced, not refused.
    assert_eq!(of("models/long_and.sql"), vec![]);
    expect(
        "models/nested_case.sql",
        "L014",
        "nests parentheses and CASE 5000 deep",
    );
    expect(
        "models/nested_subqueries.sql",
        "L014",
        "nests parentheses and CASE 3001 deep",
    );
    expect("models/bomb.yml", "L013", "invalid YAML");
    expect("models/cast_chain.sql", "L014", "nest more than 300 deep");
    assert_eq!(of("models/deep_but_fine.sql"), vec![]);
    assert_eq!(of("models/neighbour.sql"), vec![]);

    let schema = Command::new(env!("CARGO_BIN_EXE_loupe"))
        .args(["schema", "--json"])
        .arg(&root)
        .output()
        .unwrap();
    let schemas: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    assert_eq!(
        schemas["main.neighbour"],
        serde_json::json!([["ok", "INTEGER"], ["label", "VARCHAR"]])
    );
    assert_eq!(
        schemas["main.deep_but_fine"],
        serde_json::json!([["a", "INTEGER"]])
    );
    let _ = std::fs::remove_dir_all(&root);
}
