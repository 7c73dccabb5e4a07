//! Helpers shared by the integration tests.

use loupe_analysis::host::AnalysisHost;

/// A project written to a fresh folder of the system's temporary one, its
/// files given as (path in the project, text).
#[allow(dead_code)]
pub fn write_project(name: &str, files: &[(&str, &str)]) -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("loupe-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    root
}

/// A `profiles.yml` of one DuckDB output for the profile `name`.
#[allow(dead_code)]
pub fn duckdb_profile(name: &str) -> String {
    format!("{name}:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: {name}.duckdb\n")
}

/// The final SELECT of the model at `path` (in the project at `root`)
/// compiled to run on its own, what it reads inlined.
#[allow(dead_code)]
pub fn compile_final_gem(
    host: &AnalysisHost,
    root: &std::path::Path,
    path: &str,
) -> Result<loupe_analysis::model::CompiledGem, String> {
    let file = host.file(&root.join(path)).unwrap();
    loupe_analysis::model::compile_gem(
        host.db(),
        host.project(),
        file,
        None,
        loupe_analysis::model::Upstream::Inline,
    )
}

/// The project's diagnostics as `file:line CODE message` lines.
#[allow(dead_code)]
pub fn diagnostic_lines(host: &AnalysisHost) -> Vec<String> {
    host.check()
        .into_iter()
        .map(|d| format!("{}:{} {} {}", d.file, d.start.line, d.code, d.message))
        .collect()
}

/// The column names of a relation (`schema.name`).
#[allow(dead_code)]
pub fn column_names(host: &AnalysisHost, relation: &str) -> Vec<String> {
    host.relation_schemas()[relation]
        .columns
        .iter()
        .map(|c| c.name.clone())
        .collect()
}

/// `{"schema.table": [[name, TYPE]]}` compared with an expected-schema file.
#[allow(dead_code)]
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
