//! Models and seeds that a config disables, as projects gate them: a twin
//! model per target (`enabled=target.type == '...'`), raw seeds loaded only
//! when a var says so, retired models kept in the tree. dbt leaves them out
//! of the DAG: twins are no duplicates, a `ref()` reaches the enabled one,
//! and an enabled model that reads only disabled ones stops dbt at parse.

use std::path::{Path, PathBuf};

use loupe_analysis::host::AnalysisHost;
use loupe_analysis::project::Invocation;

mod common;

const PROFILES: &str = "shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: dev.duckdb
    sf:
      type: snowflake
      account: acme
      user: loupe
      database: ANALYTICS
      schema: PUBLIC
      warehouse: WH
";

fn project(test: &str) -> PathBuf {
    common::write_project(
        &format!("disabled-{test}"),
        &[
            ("dbt_project.yml", "name: shop\nprofile: shop\nseeds:\n  shop:\n    raw:\n      +enabled: \"{{ var('load_raw', false) }}\"\n"),
            ("profiles.yml", PROFILES),
            ("seeds/raw/raw_orders.csv", "order_id,ordered_at\n1,2024-01-01\n"),
            ("models/staging/stg_orders.sql", "select order_id, ordered_at\nfrom {{ ref('raw_orders') }}\n"),
            ("models/adapters/duckdb/order_keys.sql", "{{ config(enabled=target.type == 'duckdb') }}\nselect 1 as order_key\n"),
            ("models/adapters/snowflake/order_keys.sql", "{{ config(enabled=target.type == 'snowflake') }}\nselect cast(1 as varchar) as order_key\n"),
            ("models/marts/order_summary.sql", "select order_key from {{ ref('order_keys') }}\n"),
            ("models/legacy/retired.sql", "{{ config(enabled=false) }}\nselect 1 as x\n"),
            ("models/legacy/old_report.sql", "{{ config(enabled=false) }}\nselect x from {{ ref('retired') }}\n"),
            ("models/marts/uses_retired.sql", "select x\nfrom {{ ref('retired') }}\n"),
        ],
    )
}

fn load(root: &Path, vars: &str, target: Option<&str>) -> AnalysisHost {
    let invocation = Invocation {
        vars: Invocation::parse_vars(vars).unwrap(),
        target: target.map(str::to_string),
        ..Default::default()
    };
    AnalysisHost::load_with(root, invocation).unwrap()
}

fn diagnostics(host: &AnalysisHost) -> Vec<String> {
    host.check()
        .into_iter()
        .map(|d| {
            format!(
                "{}:{}:{} {} {}",
                d.file, d.start.line, d.start.col, d.code, d.message
            )
        })
        .collect()
}

fn column_type(host: &AnalysisHost, relation: &str) -> String {
    let schemas = host.relation_schemas();
    let pairs = schemas
        .get(relation)
        .unwrap_or_else(|| panic!("no {relation} in {:?}", schemas.keys().collect::<Vec<_>>()))
        .to_pairs();
    format!("{} {}", pairs[0].0, pairs[0].1)
}

#[test]
fn refs_to_disabled_nodes_are_errors_as_dbt_stops_on_them() {
    let root = project("refs");
    let stops = "and dbt stops when an enabled model depends on a disabled one; enable it, or disable this model as well";
    assert_eq!(
        diagnostics(&load(&root, "", None)),
        [
            format!("models/marts/uses_retired.sql:2:6 L006 `ref('retired')`: model `retired` is disabled (`enabled: false` in its config), {stops}"),
            format!("models/staging/stg_orders.sql:2:6 L006 `ref('raw_orders')`: seed `raw_orders` is disabled (`enabled: false` in its config), {stops}"),
        ]
    );
    // The var that loads the raw seeds enables them; a retired model read
    // by a retired report is no error.
    assert_eq!(
        diagnostics(&load(&root, "load_raw: true", None)),
        [format!("models/marts/uses_retired.sql:2:6 L006 `ref('retired')`: model `retired` is disabled (`enabled: false` in its config), {stops}")]
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn twin_models_enabled_per_target_are_no_duplicates_and_refs_reach_the_enabled_one() {
    let root = project("twins");
    std::fs::remove_file(root.join("models/marts/uses_retired.sql")).unwrap();
    for (target, ty) in [(None, "INTEGER"), (Some("sf"), "VARCHAR")] {
        let host = load(&root, "load_raw: true", target);
        assert_eq!(diagnostics(&host), Vec::<String>::new(), "{target:?}");
        let relation = match target {
            None => "main.order_summary",
            Some(_) => "public.order_summary",
        };
        assert_eq!(
            column_type(&host, relation),
            format!("order_key {ty}"),
            "{target:?}"
        );
    }
    // Both enabled at once: dbt refuses the pair, and so does Loupe.
    let snowflake = root.join("models/adapters/snowflake/order_keys.sql");
    std::fs::write(&snowflake, "select cast(1 as varchar) as order_key\n").unwrap();
    let both = diagnostics(&load(&root, "load_raw: true", None));
    assert_eq!(
        both,
        [
            "models/adapters/duckdb/order_keys.sql:1:1 L011 another model in package `shop` is also named `order_keys`",
            "models/adapters/snowflake/order_keys.sql:1:1 L011 another model in package `shop` is also named `order_keys`",
        ]
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// A package gates its models by a var it declares false; the root project
/// turns it on. dbt's order: `--vars`, the root's vars for the package, the
/// root's global vars, the package's own; a macro of the package that
/// calls `config(enabled=var(...))` sees the same value as the model.
#[test]
fn a_package_model_gated_by_a_var_follows_the_root_projects_value() {
    let root = common::write_project(
        "disabled-vars",
        &[
            ("dbt_project.yml", "name: analytics\nprofile: analytics\nvars:\n  quality_enabled: true\n"),
            ("dbt_packages/quality/dbt_project.yml", "name: quality\nvars:\n  quality_enabled: false\nmodels:\n  quality:\n    +enabled: \"{{ var('quality_enabled', false) | as_bool }}\"\n"),
            ("dbt_packages/quality/macros/quality_config.sql", "{% macro quality_config(alias_name) %}\n  {{ config(enabled=var('quality_enabled', false) | as_bool, alias=alias_name) }}\n{% endmacro %}\n"),
            ("dbt_packages/quality/models/metric_rows.sql", "{{ quality_config('rows_metric') }}\nselect 1 as metric_value\n"),
            ("dbt_packages/quality/models/metrics.sql", "{{ config(enabled=var('quality_enabled', false) | as_bool) }}\nselect metric_value from {{ ref('metric_rows') }}\n"),
            ("models/report.sql", "select metric_value from {{ ref('metrics') }}\n"),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(diagnostics(&host), Vec::<String>::new());
    assert_eq!(column_type(&host, "main.report"), "metric_value INTEGER");

    // The root project's vars for the package win over its global ones:
    // now the package is off, and the root's model reads a disabled one.
    std::fs::write(
        root.join("dbt_project.yml"),
        "name: analytics\nprofile: analytics\nvars:\n  quality_enabled: true\n  quality:\n    quality_enabled: false\n",
    )
    .unwrap();
    let host = AnalysisHost::load(&root).unwrap();
    let found = diagnostics(&host);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with(
            "models/report.sql:1:26 L006 `ref('metrics')`: model `metrics` is disabled"
        ),
        "{found:?}"
    );
    let _ = std::fs::remove_dir_all(&root);
}
