//! What projects on Snowflake, Databricks, BigQuery and Redshift write as dbt and
//! their engine read it: sources named through `env_var`, a bare `NUMBER`
//! or `DECIMAL` of the engine's own precision, BigQuery wildcard tables and
//! pseudo-columns. Each project here raises no diagnostic.

use std::path::{Path, PathBuf};

use loupe_analysis::host::AnalysisHost;
use loupe_analysis::syntax::Dialect;

fn project(test: &str, adapter: &str, files: &[(&str, &str)]) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("loupe-conventions-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("dbt_project.yml", "name: shop\nprofile: shop\n");
    write(
        "profiles.yml",
        &format!(
            "shop:\n  target: dev\n  outputs:\n    dev:\n      type: {adapter}\n      schema: analytics\n      dataset: analytics\n"
        ),
    );
    for (path, text) in files {
        write(path, text);
    }
    root
}

fn clean(root: &Path) -> AnalysisHost {
    let host = AnalysisHost::load(root).unwrap();
    let diagnostics: Vec<String> = host
        .check()
        .into_iter()
        .map(|d| format!("{}:{} {} {}", d.file, d.start.line, d.code, d.message))
        .collect();
    assert_eq!(diagnostics, Vec::<String>::new());
    host
}

/// The model's SQL after Jinja.
fn compiled(host: &AnalysisHost, model: &Path) -> String {
    let file = host.file(model).unwrap();
    loupe_analysis::model::rendered_model(host.db(), host.project(), file)
        .sql
        .clone()
}

/// `relation`'s columns as `name TYPE`, types named as `dialect`'s engine names them.
fn columns(host: &AnalysisHost, relation: &str, dialect: Dialect) -> Vec<String> {
    let schemas = host.relation_schemas();
    let schema = schemas
        .get(relation)
        .unwrap_or_else(|| panic!("no {relation} in {:?}", schemas.keys().collect::<Vec<_>>()));
    schema
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.ty.shown_in(dialect)))
        .collect()
}

#[test]
fn sources_named_through_env_var_and_var_render_as_dbt_renders_them() {
    let root = project(
        "env-var-sources",
        "snowflake",
        &[
            (
                "models/staging/_sources.yml",
                "version: 2\nsources:\n  - name: app\n    database: \"{{ env_var('LOUPE_TEST_UNSET_RAW_DB', 'RAW') }}\"\n    schema: \"{{ env_var('LOUPE_TEST_UNSET_RAW_SCHEMA', 'app_public') }}\"\n    tables:\n      - name: accounts\n        identifier: \"{{ var('accounts_table', 'accounts_v2') }}\"\n        columns:\n          - {name: id, data_type: number}\n          - {name: name, data_type: varchar}\n",
            ),
            (
                "models/staging/stg_accounts.sql",
                "select id as account_id, name from {{ source('app', 'accounts') }}\n",
            ),
        ],
    );
    let host = clean(&root);
    assert_eq!(
        columns(&host, "app_public.accounts_v2", Dialect::Snowflake),
        ["id NUMBER(38,0)", "name VARCHAR"]
    );
    let compiled = compiled(&host, &root.join("models/staging/stg_accounts.sql"));
    assert!(
        compiled.contains("from app_public.accounts_v2"),
        "{compiled}"
    );
}

#[test]
fn a_bare_number_or_decimal_has_the_engines_own_precision() {
    let snowflake = project(
        "snowflake-number",
        "snowflake",
        &[
            (
                "models/_sources.yml",
                "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: events\n        columns:\n          - {name: id, data_type: number}\n          - {name: payload, data_type: variant}\n          - {name: amount, data_type: 'number(12,2)'}\n",
            ),
            (
                "models/stg_events.sql",
                "select id, payload:user.id::number as user_id, amount::decimal as whole_amount, amount\nfrom {{ source('raw', 'events') }}\n",
            ),
        ],
    );
    let host = clean(&snowflake);
    assert_eq!(
        columns(&host, "analytics.stg_events", Dialect::Snowflake),
        [
            "id NUMBER(38,0)",
            "user_id NUMBER(38,0)",
            "whole_amount NUMBER(38,0)",
            "amount NUMBER(12,2)"
        ]
    );

    let databricks = project(
        "databricks-decimal",
        "databricks",
        &[
            (
                "models/_sources.yml",
                "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: payments\n        columns:\n          - {name: amount, data_type: decimal}\n",
            ),
            (
                "models/stg_payments.sql",
                "select amount, cast(amount as decimal(12, 2)) as amount_12_2\nfrom {{ source('raw', 'payments') }}\n",
            ),
        ],
    );
    let host = clean(&databricks);
    assert_eq!(
        columns(&host, "analytics.stg_payments", Dialect::Databricks),
        ["amount DECIMAL(10,0)", "amount_12_2 DECIMAL(12,2)"]
    );
}

#[test]
fn bigquery_wildcard_tables_and_their_pseudo_columns_are_read() {
    // GA4's export, as dbt-ga4 and most GA4 projects declare it.
    let root = project(
        "bigquery-wildcard",
        "bigquery",
        &[
            (
                "models/staging/_sources.yml",
                "version: 2\nsources:\n  - name: ga4\n    schema: analytics_123456\n    tables:\n      - name: events\n        identifier: events_*\n        columns:\n          - {name: event_date, data_type: string}\n          - {name: event_timestamp, data_type: int64}\n          - {name: event_name, data_type: string}\n",
            ),
            (
                "models/staging/stg_ga4__events.sql",
                "select\n    safe_cast(event_date as int64) as event_day,\n    event_timestamp,\n    event_name,\n    _table_suffix as table_suffix\nfrom {{ source('ga4', 'events') }}\nwhere _TABLE_SUFFIX between '20240101' and '20240131'\n",
            ),
            (
                "models/staging/stg_ingested.sql",
                "select event_name, _PARTITIONDATE as loaded_on from {{ source('ga4', 'events') }}\n",
            ),
        ],
    );
    let host = clean(&root);
    let columns = columns(&host, "analytics.stg_ga4__events", Dialect::BigQuery);
    assert_eq!(
        columns,
        [
            "event_day INT64",
            "event_timestamp INT64",
            "event_name STRING",
            "table_suffix STRING"
        ]
    );
    let compiled = compiled(&host, &root.join("models/staging/stg_ga4__events.sql"));
    assert!(
        compiled.contains("from analytics_123456.`events_*`"),
        "{compiled}"
    );
}

#[test]
fn a_source_name_that_renders_to_nothing_is_reported_and_read_as_its_name() {
    let root = project(
        "unset-env-var",
        "snowflake",
        &[
            (
                "models/_sources.yml",
                "version: 2\nsources:\n  - name: app\n    schema: \"{{ env_var('LOUPE_TEST_UNSET_SCHEMA') }}\"\n    tables:\n      - name: accounts\n        columns:\n          - {name: id, data_type: number}\n",
            ),
            ("models/stg_accounts.sql", "select id from {{ source('app', 'accounts') }}\n"),
        ],
    );
    let host = AnalysisHost::load(&root).unwrap();
    let found: Vec<(String, &str, u32, String)> = host
        .check()
        .into_iter()
        .map(|d| (d.file, d.code, d.start.line, d.message))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    let (file, code, line, message) = &found[0];
    assert_eq!(
        (file.as_str(), *code, *line),
        ("models/_sources.yml", "L013", 4)
    );
    assert!(message.contains("read as `app`"), "{message}");
    // The model still reads the source's columns.
    assert_eq!(
        columns(&host, "app.accounts", Dialect::Snowflake),
        ["id NUMBER(38,0)"]
    );
}

/// Redshift's system tables read by their bare names (its search path always
/// starts with `pg_catalog`), and its aggregates DuckDB lacks, as dbt Labs'
/// Redshift package and AWS's own examples write them.
#[test]
fn redshift_system_tables_and_aggregates_are_read() {
    let root = project(
        "redshift-system",
        "redshift",
        &[
            (
                "models/queries.sql",
                "select q.query, q.userid, trim(t.querytxt) as sql_text, w.total_queue_time\n\
                 from stl_query q\n\
                 join stl_querytext t on t.query = q.query\n\
                 left join stl_wlm_query w on w.query = q.query\n\
                 where q.starttime > getdate() - interval '1 day'\n",
            ),
            (
                "models/tables.sql",
                "select c.relname, d.description, i.size\n\
                 from pg_class c\n\
                 left join pg_description d on d.objoid = c.oid\n\
                 left join svv_table_info i on i.table_id = c.oid\n",
            ),
            (
                "models/sketches.sql",
                "select userid, hll_create_sketch(query) as sketch, st_collect(st_point(1, 2)) as points\n\
                 from stl_query\n\
                 group by userid\n",
            ),
            // dbt-redshift's own rendition: Redshift casts no boolean to text.
            (
                "models/flags.sql",
                "select {{ dbt.cast_bool_to_text('userid > 1') }} as is_user from stl_query\n",
            ),
        ],
    );
    let host = clean(&root);
    let flags = compiled(&host, &root.join("models/flags.sql"));
    assert!(
        flags.contains("when userid > 1 is true then 'true'") && !flags.contains("cast("),
        "{flags}"
    );
}

/// dbt-spark's tables: `create table ... using parquet partitioned by (...)
/// as select`, which stores the partition columns last, in that order
/// (pyspark 3.5: `a, p1, p2, b` partitioned by `(p2, p1)` is `a, b, p2, p1`);
/// a Delta table, a view or dbt-databricks' default keep the query's order.
#[test]
fn spark_tables_store_their_partition_columns_last() {
    let select = "select 1 as a, 2 as p1, 3 as p2, 4 as b";
    let files = [
        (
            "dbt_project.yml",
            "name: shop\nprofile: shop\nmodels:\n  shop:\n    lake:\n      +materialized: table\n      +partition_by: p1\n",
        ),
        (
            "models/parquet_table.sql",
            "{{ config(materialized='table', partition_by=['p2', 'p1']) }}\nselect 1 as a, 2 as p1, 3 as p2, 4 as b\n",
        ),
        (
            "models/delta_table.sql",
            "{{ config(materialized='table', file_format='delta', partition_by=['p2', 'p1']) }}\nselect 1 as a, 2 as p1, 3 as p2, 4 as b\n",
        ),
        (
            "models/a_view.sql",
            "{{ config(partition_by='p1') }}\nselect 1 as a, 2 as p1, 3 as p2, 4 as b\n",
        ),
        ("models/lake/from_project_config.sql", select),
        ("models/reads_star.sql", "select * from {{ ref('parquet_table') }}\n"),
    ];
    let names = |host: &AnalysisHost, relation: &str| -> Vec<String> {
        columns(host, relation, Dialect::Databricks)
            .into_iter()
            .map(|c| c.split(' ').next().unwrap().to_string())
            .collect()
    };
    let root = project("spark-partitions", "spark", &files);
    let host = clean(&root);
    assert_eq!(
        names(&host, "analytics.parquet_table"),
        ["a", "b", "p2", "p1"]
    );
    assert_eq!(names(&host, "analytics.reads_star"), ["a", "b", "p2", "p1"]);
    assert_eq!(
        names(&host, "analytics.delta_table"),
        ["a", "p1", "p2", "b"]
    );
    assert_eq!(names(&host, "analytics.a_view"), ["a", "p1", "p2", "b"]);
    assert_eq!(
        names(&host, "analytics.from_project_config"),
        ["a", "p2", "b", "p1"]
    );
    let _ = std::fs::remove_dir_all(&root);
    // dbt-databricks makes Delta tables unless told otherwise.
    let root = project("databricks-partitions", "databricks", &files);
    let host = clean(&root);
    assert_eq!(
        names(&host, "analytics.parquet_table"),
        ["a", "p1", "p2", "b"]
    );
    let _ = std::fs::remove_dir_all(&root);
}
