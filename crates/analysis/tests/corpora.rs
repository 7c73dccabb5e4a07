//! Scores against the real projects and engine ground truth in `../shared/corpora`.
//! These tests need that folder; without it they say so on stderr and skip.

use std::path::PathBuf;

use loupe_analysis::diagnostics::Severity;
use loupe_analysis::host::AnalysisHost;
use loupe_analysis::loose::{analyze_sql, TableCatalog};
use loupe_analysis::syntax::Dialect;

fn corpus(name: &str) -> Option<PathBuf> {
    let base = std::env::var_os("LOUPE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    let path = base.join("corpora").join(name);
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: corpus {} not found (set LOUPE_SHARED to the shared folder)",
            path.display()
        );
        None
    }
}

/// `{"schema.table": [[name, TYPE]]}` compared with an expected-schema file.
fn schema_failures(host: &AnalysisHost, expected: &serde_json::Value) -> Vec<String> {
    let schemas = host.relation_schemas();
    let mut failures = Vec::new();
    for (relation, truth) in expected.as_object().unwrap() {
        let want: Vec<(String, String)> = truth["columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c[0].as_str().unwrap().to_lowercase(),
                    c[1].as_str().unwrap().to_uppercase(),
                )
            })
            .collect();
        let got = schemas.get(relation).map(|s| {
            s.to_pairs()
                .into_iter()
                .map(|(n, t)| (n.to_lowercase(), t))
                .collect::<Vec<_>>()
        });
        if got.as_ref() != Some(&want) {
            failures.push(format!("{relation}: expected {want:?}, got {got:?}"));
        }
    }
    failures
}

fn errors(host: &AnalysisHost) -> Vec<String> {
    host.check()
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            format!(
                "{}:{}:{} {} {}",
                d.file, d.start.line, d.start.col, d.code, d.message
            )
        })
        .collect()
}

#[test]
fn jaffle_shop_schemas_match_dbt_build_exactly() {
    let Some(root) = corpus("jaffle_shop_duckdb") else {
        return;
    };
    let host = AnalysisHost::load(&root).unwrap();
    let expected = serde_json::from_str(
        &std::fs::read_to_string(root.join("_ground_truth/expected_schema.json")).unwrap(),
    )
    .unwrap();
    let failures = schema_failures(&host, &expected);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(errors(&host), Vec::<String>::new());
}

#[test]
fn tpch_result_columns_match_duckdb() {
    let Some(root) = corpus("tpch") else { return };
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("tpch_truth.json")).unwrap())
            .unwrap();
    let catalog =
        TableCatalog::from_json(&serde_json::json!({"tables": truth["tables"]}).to_string())
            .unwrap();
    let mut failures = Vec::new();
    let queries = truth["queries"].as_array().unwrap();
    assert_eq!(queries.len(), 22);
    for q in queries {
        let analysis = analyze_sql(q["sql"].as_str().unwrap(), Dialect::DuckDb, &catalog);
        let got: Vec<(String, String)> =
            analysis.output().map(|o| o.to_pairs()).unwrap_or_default();
        let want: Vec<(String, String)> = q["expected_columns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c[0].as_str().unwrap().to_string(),
                    c[1].as_str().unwrap().to_string(),
                )
            })
            .collect();
        if got != want || !analysis.diagnostics.is_empty() {
            failures.push(format!(
                "{}: expected {want:?}, got {got:?} {:?}",
                q["id"], analysis.diagnostics
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn dbt_project_evaluator_integration_tests_check_clean_and_match_schemas() {
    let Some(root) = corpus("dbt-project-evaluator") else {
        return;
    };
    let host = AnalysisHost::load(&root.join("integration_tests")).unwrap();
    assert_eq!(errors(&host), Vec::<String>::new());
    let expected = serde_json::from_str(
        &std::fs::read_to_string(root.join("_ground_truth_integration_tests/expected_schema.json"))
            .unwrap(),
    )
    .unwrap();
    let failures = schema_failures(&host, &expected);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn tuva_checks_without_errors() {
    let Some(root) = corpus("tuva") else { return };
    for project in [root.clone(), root.join("integration_tests")] {
        let host = AnalysisHost::load(&project).unwrap();
        assert!(host.models().len() > 1000, "{} models", host.models().len());
        assert_eq!(errors(&host), Vec::<String>::new(), "{}", project.display());
    }
}
