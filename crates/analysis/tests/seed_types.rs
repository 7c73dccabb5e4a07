//! Seeds typed as dbt loads them: from the CSV, except the columns
//! `column_types` names. That config is a mapping dbt merges key by key
//! from `dbt_project.yml`'s levels down to the seed's own properties, as
//! packages' integration tests set it (one level for `_fivetran_synced`,
//! another for each seed's own columns).

use loupe_analysis::host::AnalysisHost;

mod common;

#[test]
fn column_types_of_every_level_apply_to_a_seed() {
    let root = common::write_project(
        "seed-types",
        &[
            (
                "dbt_project.yml",
                r#"name: github_integration_tests
profile: integration_tests
seeds:
  github_integration_tests:
    +column_types:
      _fivetran_synced: timestamp
    github_issue_data:
      +column_types:
        id: "{%- if target.type == 'bigquery' -%} INT64 {%- else -%} bigint {%- endif -%}"
        closed_at: timestamp
"#,
            ),
            (
                "seeds/github_issue_data.csv",
                "id,_fivetran_synced,closed_at,number,state,locked\n\
         1,8/10/2020 16:36:35,8/10/2020 16:36:35,7,open,false\n",
            ),
            (
                "seeds/github_label_data.csv",
                "id,_fivetran_synced,name\n3,8/10/2020 16:36:35,bug\n",
            ),
            (
                "seeds/_seeds.yml",
                "version: 2\nseeds:\n  - name: github_label_data\n    config:\n      column_types:\n        id: smallint\n",
            ),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    let schemas = host.relation_schemas();
    let shown = |relation: &str| -> Vec<String> {
        schemas[relation]
            .to_pairs()
            .into_iter()
            .map(|(name, ty)| format!("{name} {ty}"))
            .collect()
    };
    assert_eq!(
        shown("main.github_issue_data"),
        [
            "id BIGINT",
            "_fivetran_synced TIMESTAMP",
            "closed_at TIMESTAMP",
            "number INTEGER",
            "state VARCHAR",
            "locked BOOLEAN"
        ]
    );
    assert_eq!(
        shown("main.github_label_data"),
        ["id SMALLINT", "_fivetran_synced TIMESTAMP", "name VARCHAR"]
    );
    let _ = std::fs::remove_dir_all(&root);
}
