//! Which output of `profiles.yml` a project is analysed for: the one
//! `--target` names, else the profile's own `target:`, as dbt picks it. A
//! profile that keeps a DuckDB output for local runs beside its warehouse
//! is still read for the warehouse (its dialect, its `target.*`).

use loupe_analysis::host::AnalysisHost;
use loupe_analysis::model::rendered_model;
use loupe_analysis::project::Invocation;

mod common;

#[test]
fn the_profiles_default_target_is_the_one_dbt_uses() {
    // Postgres's `?` (a jsonb key test) is no DuckDB syntax.
    let root = common::write_project(
        "profile-targets",
        &[
            ("dbt_project.yml", "name: shop\nprofile: shop\n"),
            ("profiles.yml", "shop:
  target: warehouse
  outputs:
    local:
      type: duckdb
      path: local.duckdb
    warehouse:
      type: postgres
      host: localhost
      user: loupe
      dbname: analytics
      schema: marts
"),
            ("models/targets.sql", "select '{{ target.name }}' as target_name, '{{ target.type }}' as adapter, '{\"a\": 1}'::jsonb ? 'a' as has_a\n"),
        ],
    );
    let rendered = |invocation: Invocation| {
        let host = AnalysisHost::load_with(&root, invocation).unwrap();
        let file = host.file(&root.join("models/targets.sql")).unwrap();
        let sql = rendered_model(host.db(), host.project(), file).sql.clone();
        (sql, host.check().len())
    };
    let (sql, problems) = rendered(Invocation::default());
    assert!(
        sql.starts_with("select 'warehouse' as target_name, 'postgres' as adapter"),
        "{sql}"
    );
    assert_eq!(problems, 0);
    let (sql, problems) = rendered(Invocation {
        target: Some("local".into()),
        ..Default::default()
    });
    assert!(
        sql.starts_with("select 'local' as target_name, 'duckdb' as adapter"),
        "{sql}"
    );
    assert_eq!(problems, 1, "DuckDB does not read `?`");
    let _ = std::fs::remove_dir_all(&root);
}
