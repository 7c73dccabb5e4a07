//! Snapshots: the columns and relation dbt builds for each, so that models
//! reading a snapshot are checked and typed. The expected columns and
//! relations are what dbt-duckdb 1.11 (dbt-core 1.10) built from these files
//! (`dbt snapshot`, then DESCRIBE in DuckDB).

mod common;

use loupe_analysis::host::AnalysisHost;

fn columns(host: &AnalysisHost, relation: &str) -> Vec<String> {
    let schemas = host.relation_schemas();
    let schema = schemas
        .get(relation)
        .unwrap_or_else(|| panic!("no relation {relation}: {:?}", schemas.keys()));
    schema
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.ty))
        .collect()
}

#[test]
fn snapshots_build_their_query_columns_and_dbts_own() {
    let root = common::write_project(
        "snapshots",
        &[
            ("dbt_project.yml", "name: shop\nprofile: shop\n"),
            ("profiles.yml", &common::duckdb_profile("shop")),
            (
                "models/orders.sql",
                "select 1 as id, 'placed' as status, current_timestamp as updated_at\n",
            ),
            (
                "snapshots/orders_snapshot.sql",
                "{% snapshot orders_snapshot %}\n{{ config(target_schema='snapshots', unique_key='id', strategy='timestamp', updated_at='updated_at') }}\nselect * from {{ ref('orders') }}\n{% endsnapshot %}\n",
            ),
            (
                "snapshots/orders_check.sql",
                "{% snapshot orders_check %}\n{{ config(target_schema='snapshots', unique_key='id', strategy='check', check_cols=['status']) }}\nselect id, status, cast('2024-01-01' as date) as d from {{ ref('orders') }}\n{% endsnapshot %}\n",
            ),
            // dbt 1.9+: a snapshot defined in YAML, its schema named as a model's.
            (
                "snapshots/snapshots.yml",
                "snapshots:\n  - name: orders_yml_snapshot\n    relation: ref('orders')\n    config:\n      schema: snapshots\n      unique_key: id\n      strategy: timestamp\n      updated_at: updated_at\n      hard_deletes: new_record\n      snapshot_meta_column_names:\n        dbt_valid_to: valid_until\n",
            ),
            (
                "models/order_history.sql",
                "select s.id, s.status, s.dbt_valid_from, y.valid_until, y.dbt_is_deleted\nfrom {{ ref('orders_snapshot') }} s\njoin {{ ref('orders_yml_snapshot') }} y using (id)\n",
            ),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(
        common::diagnostic_lines(&host),
        Vec::<String>::new(),
        "a YAML snapshot is a node `ref()` finds"
    );
    assert_eq!(
        columns(&host, "snapshots.orders_snapshot"),
        [
            "id INTEGER",
            "status VARCHAR",
            "updated_at TIMESTAMP WITH TIME ZONE",
            "dbt_scd_id VARCHAR",
            "dbt_updated_at TIMESTAMP WITH TIME ZONE",
            "dbt_valid_from TIMESTAMP WITH TIME ZONE",
            "dbt_valid_to TIMESTAMP WITH TIME ZONE",
        ]
    );
    // A check snapshot stamps rows with the adapter's time: `now()::timestamp` on DuckDB.
    assert_eq!(
        columns(&host, "snapshots.orders_check"),
        [
            "id INTEGER",
            "status VARCHAR",
            "d DATE",
            "dbt_scd_id VARCHAR",
            "dbt_updated_at TIMESTAMP",
            "dbt_valid_from TIMESTAMP",
            "dbt_valid_to TIMESTAMP",
        ]
    );
    assert_eq!(
        columns(&host, "main_snapshots.orders_yml_snapshot"),
        [
            "id INTEGER",
            "status VARCHAR",
            "updated_at TIMESTAMP WITH TIME ZONE",
            "dbt_scd_id VARCHAR",
            "dbt_updated_at TIMESTAMP WITH TIME ZONE",
            "dbt_valid_from TIMESTAMP WITH TIME ZONE",
            "valid_until TIMESTAMP WITH TIME ZONE",
            "dbt_is_deleted VARCHAR",
        ]
    );
    assert_eq!(
        columns(&host, "main.order_history"),
        [
            "id INTEGER",
            "status VARCHAR",
            "dbt_valid_from TIMESTAMP WITH TIME ZONE",
            "valid_until TIMESTAMP WITH TIME ZONE",
            "dbt_is_deleted VARCHAR",
        ]
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn a_snapshots_query_is_checked_and_read_downstream() {
    let root = common::write_project(
        "snapshot-errors",
        &[
            ("dbt_project.yml", "name: shop\nprofile: shop\nsnapshots:\n  shop:\n    +target_schema: history\n"),
            ("profiles.yml", &common::duckdb_profile("shop")),
            ("models/orders.sql", "select 1 as id, 'placed' as status\n"),
            (
                "snapshots/orders_snapshot.sql",
                "{% snapshot orders_snapshot %}\n{{ config(unique_key='id', strategy='check', check_cols='all') }}\nselect id, statsu from {{ ref('orders') }}\n{% endsnapshot %}\n",
            ),
            // Two snapshots in one file: known to exist, columns not read.
            (
                "snapshots/pair.sql",
                "{% snapshot pair_a %}\nselect 1 as id\n{% endsnapshot %}\n{% snapshot pair_b %}\nselect 2 as id\n{% endsnapshot %}\n",
            ),
            (
                "models/history.sql",
                "select s.id, s.dbt_valid_to, s.dbt_valid_too, p.anything\nfrom {{ ref('orders_snapshot') }} s\njoin {{ ref('pair_a') }} p using (id)\n",
            ),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    let diagnostics = common::diagnostic_lines(&host);
    assert_eq!(diagnostics.len(), 2, "{diagnostics:#?}");
    assert!(
        diagnostics[0].starts_with("models/history.sql:1 L003 unknown column `s.dbt_valid_too`"),
        "{diagnostics:#?}"
    );
    assert!(
        diagnostics[1].starts_with("snapshots/orders_snapshot.sql:3 L003 unknown column `statsu`"),
        "{diagnostics:#?}"
    );
    // The project's `snapshots:` config names the schema, as written.
    assert!(host
        .relation_schemas()
        .contains_key("history.orders_snapshot"));
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn configs_written_straight_under_snapshots_and_models_apply_to_every_node() {
    let root = common::write_project(
        "snapshot-top-level-config",
        &[
            (
                "dbt_project.yml",
                "name: shop\nprofile: shop\nmodels:\n  +schema: marts\nsnapshots:\n  +schema: snaps\n  +hard_deletes: new_record\n  +snapshot_meta_column_names:\n    dbt_valid_to: valid_to\n",
            ),
            ("profiles.yml", &common::duckdb_profile("shop")),
            ("models/base.sql", "select 1 as id, 'a' as name\n"),
            (
                "snapshots/snap_base.sql",
                "{% snapshot snap_base %}\n{{ config(unique_key='id', strategy='check', check_cols='all') }}\nselect * from {{ ref('base') }}\n{% endsnapshot %}\n",
            ),
            (
                "models/use_snap.sql",
                "select id, valid_to, dbt_is_deleted from {{ ref('snap_base') }}\n",
            ),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    assert_eq!(common::diagnostic_lines(&host), Vec::<String>::new());
    assert_eq!(
        columns(&host, "main_snaps.snap_base"),
        [
            "id INTEGER",
            "name VARCHAR",
            "dbt_scd_id VARCHAR",
            "dbt_updated_at TIMESTAMP",
            "dbt_valid_from TIMESTAMP",
            "valid_to TIMESTAMP",
            "dbt_is_deleted VARCHAR",
        ]
    );
    assert_eq!(
        columns(&host, "main_marts.use_snap"),
        ["id INTEGER", "valid_to TIMESTAMP", "dbt_is_deleted VARCHAR"]
    );
    let _ = std::fs::remove_dir_all(root);
}
