//! Where models are built, as dbt names them when a model's own `config()`
//! sets its schema or alias: with literals, vars, or the project's macros.
//! `ref()` renders those names (what `loupe compile` writes and what a gem
//! run against built upstream models reads). The names come from the
//! config tags alone: editing the rest of a model leaves the index as it was.

use std::path::PathBuf;
use std::sync::Arc;

use loupe_analysis::host::AnalysisHost;
use loupe_analysis::model::{project_index, rendered_model};

mod common;

fn project() -> PathBuf {
    common::write_project(
        "relation-names",
        &[
            ("dbt_project.yml", "name: shop\nprofile: shop\nvars:\n  events_table: events_v2\n"),
            ("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: dev.duckdb\n      schema: analytics\n"),
            ("macros/quality.sql", "{% macro dq_schema() %}quality{% endmacro %}\n"),
            ("models/orders.sql", "{{ config(materialized='table', schema='marts', alias='orders_final') }}\nselect 1 as order_id\n"),
            ("models/events.sql", "{{\n  config(\n    alias=var('events_table')\n  )\n}}\nselect 2 as event_id\n"),
            ("models/checks.sql", "{{ config(schema=dq_schema()) }}\nselect 3 as check_id\n"),
            ("models/report.sql", "select o.order_id, e.event_id, c.check_id\nfrom {{ ref('orders') }} o, {{ ref('events') }} e, {{ ref('checks') }} c\n"),
        ],
    )
}

fn report_sql(host: &AnalysisHost, root: &std::path::Path) -> String {
    let file = host.file(&root.join("models/report.sql")).unwrap();
    rendered_model(host.db(), host.project(), file).sql.clone()
}

#[test]
fn a_models_own_config_names_its_relation_as_dbt_does() {
    let root = project();
    let mut host = AnalysisHost::load(&root).unwrap();
    assert_eq!(host.check(), Vec::new());
    // `dbt compile` of this project (dbt-core 1.10, dbt-duckdb) gives the
    // same relations, quoted and with the database.
    assert_eq!(
        report_sql(&host, &root),
        "select o.order_id, e.event_id, c.check_id\nfrom analytics_marts.orders_final o, analytics.events_v2 e, analytics_quality.checks c\n"
    );
    let relations: Vec<String> = host.relation_schemas().into_keys().collect();
    assert_eq!(
        relations,
        [
            "analytics.events_v2",
            "analytics.report",
            "analytics_marts.orders_final",
            "analytics_quality.checks"
        ]
    );

    // Editing a model's SQL keeps the index; editing its config renames it.
    let orders = root.join("models/orders.sql");
    let index = project_index(host.db(), host.project()).clone();
    host.set_editor_text(
        &orders,
        "{{ config(materialized='table', schema='marts', alias='orders_final') }}\nselect 1 as order_id, 2 as status\n".into(),
    );
    assert!(Arc::ptr_eq(
        &index,
        project_index(host.db(), host.project())
    ));
    host.set_editor_text(
        &orders,
        "{{ config(materialized='table', schema='marts', alias='all_orders') }}\nselect 1 as order_id, 2 as status\n".into(),
    );
    assert!(report_sql(&host, &root).contains("analytics_marts.all_orders o"));
    let fresh = AnalysisHost::load(&root).unwrap();
    std::fs::write(
        &orders,
        "{{ config(materialized='table', schema='marts', alias='all_orders') }}\nselect 1 as order_id, 2 as status\n",
    )
    .unwrap();
    let fresh_after = AnalysisHost::load(&root).unwrap();
    assert_ne!(fresh.relation_schemas(), fresh_after.relation_schemas());
    assert_eq!(host.relation_schemas(), fresh_after.relation_schemas());
    let _ = std::fs::remove_dir_all(&root);
}

/// Each diagnostic as `file code severity message`.
fn diagnostics(host: &AnalysisHost) -> Vec<String> {
    host.check()
        .into_iter()
        .map(|d| format!("{} {} {:?} {}", d.file, d.code, d.severity, d.message))
        .collect()
}

#[test]
fn two_resources_built_as_one_relation_are_an_error_as_dbt_parse_makes_them() {
    // The pairs `dbt parse` (dbt-core 1.10.23, dbt-duckdb) refuses with "dbt
    // found two resources with the database representation ...": an alias
    // in a model's config or its properties, an ephemeral model, a seed.
    let root = common::write_project(
        "shared-relations",
        &[
            ("dbt_project.yml", "name: shop\nprofile: shop\nseeds:\n  shop:\n    country_codes:\n      +alias: countries\n"),
            ("profiles.yml", "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: wh.duckdb\n      schema: main\n"),
            ("models/orders.sql", "select 1 as id\n"),
            ("models/orders_v2.sql", "{{ config(alias='orders') }}\nselect 2 as id\n"),
            ("models/customers.sql", "select 1 as id\n"),
            ("models/customers_next.sql", "{{ config(materialized='ephemeral', alias='customers') }}\nselect 2 as id\n"),
            ("models/countries.sql", "select 'nl' as code\n"),
            ("seeds/country_codes.csv", "code\nnl\n"),
            // Not clashes: a disabled twin, another schema, another case.
            ("models/payments.sql", "select 1 as id\n"),
            ("models/payments_old.sql", "{{ config(alias='payments', enabled=false) }}\nselect 2 as id\n"),
            ("models/payments_audit.sql", "{{ config(alias='payments', schema='audit') }}\nselect 3 as id\n"),
            ("models/refunds.sql", "select 1 as id\n"),
            ("models/refunds_raw.sql", "select 2 as id\n"),
            ("models/properties.yml", "version: 2\nmodels:\n  - name: refunds_raw\n    config:\n      alias: Refunds\n"),
            // Three on one relation: taken for a naming macro read otherwise than dbt.
            ("models/legacy_a.sql", "{{ config(alias='legacy') }}\nselect 1 as id\n"),
            ("models/legacy_b.sql", "{{ config(alias='legacy') }}\nselect 2 as id\n"),
            ("models/legacy_c.sql", "{{ config(alias='legacy') }}\nselect 3 as id\n"),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(
        diagnostics(&host),
        [
            "models/countries.sql L011 Error `countries` is built as `wh.main.countries`, and so is seed `country_codes` (seeds/country_codes.csv): dbt refuses two resources with one database representation; give one of them another alias or schema",
            "models/customers.sql L011 Error `customers` is built as `wh.main.customers`, and so is model `customers_next` (models/customers_next.sql): dbt refuses two resources with one database representation; give one of them another alias or schema",
            "models/customers_next.sql L011 Error `customers_next` is built as `wh.main.customers`, and so is model `customers` (models/customers.sql): dbt refuses two resources with one database representation; give one of them another alias or schema",
            "models/orders.sql L011 Error `orders` is built as `wh.main.orders`, and so is model `orders_v2` (models/orders_v2.sql): dbt refuses two resources with one database representation; give one of them another alias or schema",
            "models/orders_v2.sql L011 Error `orders_v2` is built as `wh.main.orders`, and so is model `orders` (models/orders.sql): dbt refuses two resources with one database representation; give one of them another alias or schema",
        ]
    );
    let _ = std::fs::remove_dir_all(&root);
}
