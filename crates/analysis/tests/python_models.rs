//! Python models: Loupe does not read Python, but the columns their
//! properties declare are what models reading them see.

mod common;

use loupe_analysis::host::AnalysisHost;

#[test]
fn a_python_models_declared_columns_are_read_downstream() {
    let root = common::write_project(
        "python-model",
        &[
            ("dbt_project.yml", "name: shop\nprofile: shop\n"),
            ("profiles.yml", &common::duckdb_profile("shop")),
            ("models/base.sql", "select 1 as id, 'a' as name\n"),
            (
                "models/scored.py",
                "def model(dbt, session):\n    return dbt.ref('base').df()\n",
            ),
            (
                "models/contracted.py",
                "def model(dbt, session):\n    return dbt.ref('base').df()\n",
            ),
            ("models/unknown.py", "def model(dbt, session):\n    return dbt.ref('base').df()\n"),
            (
                "models/_models.yml",
                "version: 2\nmodels:\n  - name: scored\n    columns:\n      - name: id\n        data_type: integer\n      - name: name\n  - name: contracted\n    config:\n      contract: {enforced: true}\n    columns:\n      - name: id\n        data_type: integer\n",
            ),
            (
                "models/report.sql",
                "select s.id + 1 as next_id, s.name, s.score, c.id as cid, c.nope, u.anything\nfrom {{ ref('scored') }} s\njoin {{ ref('contracted') }} c using (id)\njoin {{ ref('unknown') }} u using (id)\n",
            ),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    let lines = common::diagnostic_lines(&host);
    // Declared but not under contract: other columns may exist (`s.score`).
    // Under contract: the declared ones are all (`c.nope`).
    assert_eq!(lines.len(), 1, "{lines:#?}");
    assert!(
        lines[0].starts_with("models/report.sql:1 L003 unknown column `c.nope`"),
        "{lines:#?}"
    );
    let schemas = host.relation_schemas();
    let shown = |relation: &str| -> Vec<String> {
        schemas[relation]
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.ty))
            .collect()
    };
    assert_eq!(shown("main.scored"), ["id INTEGER", "name UNKNOWN"]);
    assert_eq!(
        shown("main.report")[..2],
        ["next_id INTEGER", "name UNKNOWN"]
    );
    assert!(
        !schemas.contains_key("main.unknown"),
        "nothing declared: not listed"
    );
    let _ = std::fs::remove_dir_all(root);
}
