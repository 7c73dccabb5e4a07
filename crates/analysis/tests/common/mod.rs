//! Helpers shared by the integration tests.

use loupe_analysis::host::AnalysisHost;

/// `{"schema.table": [[name, TYPE]]}` compared with an expected-schema file.
pub fn schema_failures(host: &AnalysisHost, expected: &serde_json::Value) -> Vec<String> {
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
