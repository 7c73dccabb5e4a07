//! The project's own fixture projects: every deliberately broken model
//! raises exactly its diagnostic on its range, and valid SQL raises nothing
//! while every relation gets the schema DuckDB itself reported.

use std::collections::BTreeSet;
use std::path::PathBuf;

use loupe_analysis::host::AnalysisHost;

mod common;
use common::schema_failures;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

type Key = (String, String, String, (u32, u32), (u32, u32));

#[test]
fn broken_models_raise_exactly_the_expected_diagnostics() {
    let root = fixture("broken_project");
    let host = AnalysisHost::load(&root).expect("fixture loads");
    let got: BTreeSet<Key> = host
        .check()
        .into_iter()
        .map(|d| {
            (
                d.file,
                d.code.to_string(),
                d.severity.as_str().to_string(),
                (d.start.line, d.start.col),
                (d.end.line, d.end.col),
            )
        })
        .collect();
    let expected: Vec<serde_json::Value> = serde_json::from_str(
        &std::fs::read_to_string(root.join("expected_diagnostics.json")).unwrap(),
    )
    .unwrap();
    let expected: BTreeSet<Key> = expected
        .iter()
        .map(|d| {
            let pos = |k: &str| {
                (
                    d[k][0].as_u64().unwrap() as u32,
                    d[k][1].as_u64().unwrap() as u32,
                )
            };
            (
                d["file"].as_str().unwrap().to_string(),
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
                pos("start"),
                pos("end"),
            )
        })
        .collect();
    assert!(
        expected.len() >= 25,
        "the fixture covers at least 25 broken models"
    );
    let missing: Vec<_> = expected.difference(&got).collect();
    let extra: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing: {missing:#?}\nunexpected: {extra:#?}"
    );
}

#[test]
fn every_code_of_the_first_set_is_covered() {
    let text = std::fs::read_to_string(fixture("broken_project").join("expected_diagnostics.json"))
        .unwrap();
    for code in [
        "L001", "L002", "L003", "L004", "L005", "L006", "L007", "L008", "L009", "L010", "L011",
        "L012",
    ] {
        assert!(text.contains(code), "{code} has a broken model");
    }
}

#[test]
fn did_you_mean_suggests_the_close_column() {
    let host = AnalysisHost::load(&fixture("broken_project")).unwrap();
    let d = host
        .check()
        .into_iter()
        .find(|d| d.file.ends_with("l003_unqualified.sql"))
        .expect("the unqualified unknown column is reported");
    assert!(d.message.contains("did you mean `amount`"), "{}", d.message);
}

#[test]
fn valid_sql_raises_nothing_and_matches_duckdb_schemas() {
    let root = fixture("valid_project");
    let host = AnalysisHost::load(&root).unwrap();
    let diagnostics = host.check();
    assert!(
        diagnostics.is_empty(),
        "false diagnostics on valid SQL: {diagnostics:#?}"
    );

    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("expected_schema.json")).unwrap())
            .unwrap();
    let failures = schema_failures(&host, &expected);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn snapshots_and_python_models_can_be_referenced() {
    let root = std::env::temp_dir().join(format!("loupe-opaque-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (path, text) in [
        ("dbt_project.yml", "name: opaque\nprofile: opaque\n"),
        ("snapshots/orders_snapshot.sql", "{% snapshot orders_history %}\n{{ config(unique_key='id', strategy='check', check_cols='all') }}\nselect 1 as id\n{% endsnapshot %}\n"),
        ("models/scored.py", "def model(dbt, session):\n    return dbt.ref('base').df()\n"),
        ("models/base.sql", "{{ config(schema='staging', alias='base_rows') }}\nselect 1 as id, 'a' as label\n"),
        ("models/report.sql", "select h.id, s.score\nfrom {{ ref('orders_history') }} as h\njoin {{ ref('scored') }} as s on s.id = h.id\n"),
    ] {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(host.check(), Vec::new());
    let schemas = host.relation_schemas();
    assert!(
        schemas.contains_key("main.report") && !schemas.contains_key("main.scored"),
        "{:?}",
        schemas.keys()
    );
}
