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

/// A project with no profiles.yml (dbt Cloud's): the adapter `--adapter`
/// or loupe.toml names, else the one of the last dbt run's manifest, else
/// DuckDB, said to be assumed.
#[test]
fn without_a_profile_the_adapter_comes_from_the_invocation_or_the_last_manifest() {
    use loupe_analysis::project::AdapterSource;
    let model = (
        "models/targets.sql",
        "select '{{ target.type }}' as adapter, '{\"a\": 1}'::jsonb ? 'a' as has_a\n",
    );
    let root = common::write_project(
        "no-profile",
        &[("dbt_project.yml", "name: shop\nprofile: shop\n"), model],
    );
    let loaded = |invocation: Invocation| {
        let host = AnalysisHost::load_with(&root, invocation).unwrap();
        let file = host.file(&root.join("models/targets.sql")).unwrap();
        let sql = rendered_model(host.db(), host.project(), file).sql.clone();
        (sql, host.check().len(), host.target().adapter_from)
    };
    let no_profile = Invocation {
        profiles_dir: Some(root.join("nowhere")),
        ..Default::default()
    };
    let (sql, problems, from) = loaded(no_profile.clone());
    assert!(sql.starts_with("select 'duckdb' as adapter"), "{sql}");
    assert_eq!((problems, from), (1, AdapterSource::Assumed));

    let (sql, problems, from) = loaded(Invocation {
        adapter: Some("postgres".into()),
        ..no_profile.clone()
    });
    assert!(sql.starts_with("select 'postgres' as adapter"), "{sql}");
    assert_eq!((problems, from), (0, AdapterSource::Invocation));

    // The head of a manifest as dbt 1.10 writes it.
    std::fs::create_dir_all(root.join("target")).unwrap();
    std::fs::write(
        root.join("target/manifest.json"),
        r#"{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json", "dbt_version": "1.10.23", "generated_at": "2026-11-30T10:00:00Z", "invocation_id": "5c1d", "env": {}, "project_name": "shop", "project_id": "0f6e", "user_id": null, "send_anonymous_usage_stats": false, "adapter_type": "postgres", "quoting": {}}, "nodes": {}}"#,
    )
    .unwrap();
    let (sql, problems, from) = loaded(no_profile);
    assert!(sql.starts_with("select 'postgres' as adapter"), "{sql}");
    assert_eq!((problems, from), (0, AdapterSource::LastManifest));
    let _ = std::fs::remove_dir_all(&root);
}
