//! SQL that Databricks, Spark, Snowflake and BigQuery models use and their engines
//! accept: read, typed and checked as the engine does. The Spark types are
//! pyspark 4.3's analyzer's for the same queries (local session); the
//! Snowflake and BigQuery ones follow their engines' function references.

mod common;

use std::path::{Path, PathBuf};

use loupe_analysis::host::AnalysisHost;
use loupe_analysis::loose::{analyze_sql, SqlAnalysis, TableCatalog};
use loupe_analysis::schema::{Column, RelationSchema};
use loupe_analysis::syntax::{parsers_agree, Dialect};
use loupe_analysis::types::spark::{parse_spark_type, spark_type_name};
use loupe_analysis::types::SqlType;

const SPARK_TABLE: &[(&str, &str)] = &[
    ("ts", "TIMESTAMP"),
    ("d", "DATE"),
    ("n", "INT"),
    ("s", "STRING"),
    ("v", "VARIANT"),
];

fn analyze(sql: &str, dialect: Dialect) -> SqlAnalysis {
    let mut catalog = TableCatalog::default();
    let columns = SPARK_TABLE
        .iter()
        .map(|(name, ty)| Column::new(*name, parse_spark_type(ty)))
        .collect();
    catalog.insert("t", RelationSchema::closed(columns));
    analyze_sql(sql, dialect, &catalog)
}

/// The output columns of an analysis that raised nothing, as `name TYPE`
/// with each type named by `type_name`.
fn clean_columns(
    analysis: &SqlAnalysis,
    sql: &str,
    type_name: impl Fn(&SqlType) -> String,
) -> Vec<String> {
    let messages: Vec<&String> = analysis.diagnostics.iter().map(|d| &d.message).collect();
    assert_eq!(messages, Vec::<&String>::new(), "{sql}");
    analysis
        .output()
        .unwrap()
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, type_name(&c.ty)))
        .collect()
}

/// The columns of `sql` as `name TYPE` in Spark's names, with no diagnostic.
fn spark_columns(sql: &str) -> Vec<String> {
    clean_columns(&analyze(sql, Dialect::Databricks), sql, spark_type_name)
}

#[test]
fn spark_date_arithmetic_is_typed_as_spark_types_it() {
    for (expr, expected) in [
        ("dateadd(DAY, 1, ts)", "TIMESTAMP"),
        ("date_add(DAY, 1, d)", "TIMESTAMP"),
        ("timestampadd(HOUR, 1, d)", "TIMESTAMP"),
        ("timestampdiff(MINUTE, ts, current_timestamp())", "BIGINT"),
        ("datediff(DAY, d, current_date())", "BIGINT"),
        ("date_diff(DAY, d, current_date())", "BIGINT"),
        ("datediff(current_date(), d)", "INT"),
        ("ts + interval 1 day", "TIMESTAMP"),
        ("d + interval 1 day", "DATE"),
        ("d + interval 2 hours", "TIMESTAMP"),
        ("d - interval '1 day 2 hours'", "TIMESTAMP"),
        ("ts - interval '1' hour", "TIMESTAMP"),
        ("interval 3 days + d", "DATE"),
        ("sequence(d, date_add(d, 7), interval 1 day)", "ARRAY<DATE>"),
        ("variant_get(v, '$.a', 'int')", "INT"),
        ("try_variant_get(v, '$.b', 'string')", "STRING"),
        ("v:user.name", "VARIANT"),
        ("s:user.name", "STRING"),
        ("n div 2", "BIGINT"),
        (
            "window(ts, '5 minutes')",
            "STRUCT<start: TIMESTAMP, end: TIMESTAMP>",
        ),
        (
            "window(d, '10 minutes', '5 minutes')",
            "STRUCT<start: TIMESTAMP, end: TIMESTAMP>",
        ),
        (
            "session_window(ts, '5 minutes')",
            "STRUCT<start: TIMESTAMP, end: TIMESTAMP>",
        ),
        ("window(ts, '1 hour').start", "TIMESTAMP"),
        ("window_time(window(ts, '5 minutes'))", "TIMESTAMP"),
        (
            "histogram_numeric(n, 5)",
            "ARRAY<STRUCT<x: INT, y: DOUBLE>>",
        ),
    ] {
        assert_eq!(
            spark_columns(&format!("select {expr} as c from t")),
            [format!("c {expected}")],
            "{expr}"
        );
    }
}

#[test]
fn spark_reads_multi_unit_intervals_casts_of_columns_and_map_dots_as_spark_does() {
    // An interval of several units (pyspark 3.5: `interval day to hour`).
    for (expr, expected) in [
        ("ts + interval 1 week 12 hours", "TIMESTAMP"),
        ("d + interval 1 week 2 days", "DATE"),
        ("d + interval 1 week 12 hours", "TIMESTAMP"),
        (
            "case when n > 1 then d + interval -1 day '2' hours end",
            "TIMESTAMP",
        ),
    ] {
        assert_eq!(
            spark_columns(&format!("select {expr} as c from t")),
            [format!("c {expected}")],
            "{expr}"
        );
    }
    // An unaliased cast of a column keeps the column's name; of anything
    // else, its text.
    assert_eq!(
        spark_columns("select cast(n as bigint), try_cast(t.s as date), cast(n + 1 as int) from t"),
        ["n BIGINT", "s DATE", "CAST((n + 1) AS INT) INT"]
    );
    assert_eq!(
        spark_columns("select sum(n) as total from (select cast(n as bigint) from t) x"),
        ["total BIGINT"]
    );
    // `m.key` of a map is its value, at any depth of a struct.
    let catalog = TableCatalog::from_json_in(
        r#"{"tables": {"ev": [["payload", "STRUCT<params: MAP<STRING, STRING>, n: INT>"],
            ["m", "MAP<STRING, BIGINT>"]]}}"#,
        Dialect::Databricks,
    )
    .unwrap();
    let sql = "select m.k, payload.params.utm_source, cast(payload.n as string) from ev";
    assert_eq!(
        clean_columns(
            &analyze_sql(sql, Dialect::Databricks, &catalog),
            sql,
            spark_type_name
        ),
        [
            "k BIGINT",
            "utm_source STRING",
            "CAST(payload.n AS STRING) STRING"
        ]
    );
}

#[test]
fn spark_generators_and_table_functions_make_their_columns() {
    assert_eq!(
        spark_columns("select stack(2, 'a', 1, 'b', 2) from t"),
        ["col0 STRING", "col1 INT"]
    );
    assert_eq!(
        spark_columns("select stack(2, s, n, 'b', 2) as (label, k) from t"),
        ["label STRING", "k INT"]
    );
    assert_eq!(
        spark_columns("select id * 2 as doubled from range(10)"),
        ["doubled BIGINT"]
    );
    assert_eq!(
        spark_columns("select explode(sequence(d, d, interval 1 day)) as day from t"),
        ["day DATE"]
    );
    // Grouped by a time window, as streaming aggregations are.
    assert_eq!(
        spark_columns("select window(ts, '1 hour').start as s, count(*) as c from t group by window(ts, '1 hour')"),
        ["s TIMESTAMP", "c BIGINT"]
    );
    // A generator in FROM, after LATERAL: the columns it makes, named as
    // Spark names them or by the alias's list.
    for (sql, columns) in [
        (
            "select t.n, x.col from t, lateral explode(sequence(1, n)) as x",
            &["n INT", "col INT"][..],
        ),
        (
            "select x.pos, x.col from t, lateral posexplode(sequence(d, d, interval 1 day)) as x",
            &["pos INT", "col DATE"],
        ),
        (
            "select day from t, lateral explode(sequence(d, d, interval 1 day)) as x(day)",
            &["day DATE"],
        ),
        (
            "select e.key, e.value from t, lateral explode(map('a', n)) as e",
            &["key STRING", "value INT"],
        ),
        (
            "select col from t, lateral explode(array(s))",
            &["col STRING"],
        ),
    ] {
        assert_eq!(spark_columns(sql), columns, "{sql}");
    }
    // Its columns are all it has.
    let analysis = analyze(
        "select x.value from t, lateral explode(array(s)) as x",
        Dialect::Databricks,
    );
    assert_eq!(analysis.diagnostics.len(), 1, "{:?}", analysis.diagnostics);
}

#[test]
fn order_by_all_orders_by_every_column() {
    for dialect in [Dialect::Databricks, Dialect::Snowflake, Dialect::DuckDb] {
        let analysis = analyze("select n, s from t order by all", dialect);
        assert!(
            analysis.diagnostics.is_empty(),
            "{dialect:?}: {:?}",
            analysis.diagnostics
        );
        let analysis = analyze("select n from t order by all desc", dialect);
        assert!(
            analysis.diagnostics.is_empty(),
            "{dialect:?}: {:?}",
            analysis.diagnostics
        );
    }
    // A misspelt column is still one.
    let analysis = analyze("select n from t order by nn", Dialect::Databricks);
    assert_eq!(analysis.diagnostics.len(), 1);
}

#[test]
fn spark_integer_division_parses_in_the_databricks_and_hive_dialects() {
    for dialect in [Dialect::Databricks, Dialect::Hive] {
        for sql in ["select n div 2 from t", "select (n + 1) div 2 * 3 from t"] {
            assert!(
                analyze(sql, dialect).diagnostics.is_empty(),
                "{dialect:?} {sql}"
            );
            parsers_agree(sql, dialect).unwrap();
        }
    }
    // `n div 2 * 3` is `(n div 2) * 3`, as in Spark.
    let analysis = analyze("select n div 2 * 3 as c from t", Dialect::Databricks);
    let printed = format!("{:?}", analysis.statements[0].output.columns[0].ty);
    assert_eq!(printed, "BigInt");
}

#[test]
fn duckdb_renames_a_repeated_output_name_where_a_query_becomes_a_relation() {
    // DuckDB 1.4: `select * from c` is `a`, `a_1`; `a_1` reads the second.
    let columns =
        |sql: &str| clean_columns(&analyze(sql, Dialect::DuckDb), sql, SqlType::to_string);
    assert_eq!(
        columns("with c as (select 1 as a, 'x' as a) select a_1, a from c"),
        ["a_1 VARCHAR", "a INTEGER"]
    );
    assert_eq!(
        columns("select * from (select n, s as n, n as n_1 from t) x"),
        ["n INTEGER", "n_1 VARCHAR", "n_1_1 INTEGER"]
    );
    assert_eq!(
        columns("select x.* from (select t.n, u.n from t, t as u) x"),
        ["n INTEGER", "n_1 INTEGER"]
    );
    // A query's own result keeps both names; a view made of it does not.
    assert_eq!(
        columns("select t.n, u.n from t, t as u"),
        ["n INTEGER", "n INTEGER"]
    );
    assert_eq!(
        columns("create view v as select t.n, u.n from t, t as u; select * from v"),
        ["n INTEGER", "n_1 INTEGER"]
    );
}

fn project(test: &str, adapter: &str, files: &[(&str, &str)]) -> PathBuf {
    let root = std::env::temp_dir().join(format!("loupe-forms-{}-{test}", std::process::id()));
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

/// Each diagnostic as `file:line:column code message`.
fn diagnostics(root: &Path) -> (AnalysisHost, Vec<String>) {
    let host = AnalysisHost::load(root).unwrap();
    let found = host
        .check()
        .into_iter()
        .map(|d| {
            format!(
                "{}:{}:{} {} {}",
                d.file, d.start.line, d.start.col, d.code, d.message
            )
        })
        .collect();
    (host, found)
}

/// A relation's columns as `name TYPE`, types named as `dialect`'s engine names them.
fn columns_of(host: &AnalysisHost, relation: &str, dialect: Dialect) -> Vec<String> {
    host.relation_schemas()[relation]
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.ty.shown_in(dialect)))
        .collect()
}

const CLICKS: &str = "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: clicks\n        columns:\n          - {name: id, data_type: bigint}\n          - {name: city, data_type: string}\n          - {name: geo, data_type: 'struct<country:string,city:string>'}\n";

#[test]
fn a_model_with_two_columns_of_one_name_is_an_error_where_the_engine_refuses_it() {
    let model = "select\n    id,\n    geo.*,\n    coalesce(city, geo.city) as City,\n    count(*) over () as n,\n    count(*) over () as n2\nfrom {{ source('raw', 'clicks') }}\n";
    let root = project(
        "duplicates-databricks",
        "databricks",
        &[
            ("models/_sources.yml", CLICKS),
            ("models/stg_clicks.sql", model),
            // Ephemeral: inlined as a CTE, never created on its own.
            (
                "models/eph_clicks.sql",
                "{{ config(materialized='ephemeral') }}\nselect id, id from {{ source('raw', 'clicks') }}\n",
            ),
            (
                "models/from_eph.sql",
                "select * from {{ ref('eph_clicks') }}\n",
            ),
            // A test's query is never created as a relation.
            (
                "tests/assert_same_ids.sql",
                "select a.id, b.id from {{ source('raw', 'clicks') }} a join {{ source('raw', 'clicks') }} b on a.id = b.id where a.city <> b.city\n",
            ),
            // Names the engine makes up are left alone (Loupe may not spell them as it does).
            (
                "models/unaliased.sql",
                "select upper(city), upper(city) from {{ source('raw', 'clicks') }}\n",
            ),
        ],
    );
    let (_, found) = diagnostics(&root);
    let refuses = "Databricks refuses to create a view or table with two columns of one name";
    assert_eq!(
        found,
        [
            format!("models/from_eph.sql:1:8 L017 column `id` is already in the model's output: {refuses}; rename one"),
            format!("models/stg_clicks.sql:4:5 L017 column `City` is already in the model's output: {refuses}; rename one"),
        ]
    );

    // Snowflake keeps a quoted name's case: `"City"` and `city` are two columns.
    let root = project(
        "duplicates-snowflake",
        "snowflake",
        &[
            ("models/_sources.yml", CLICKS),
            (
                "models/stg_clicks.sql",
                "select id, city, city as \"City\", id as id from {{ source('raw', 'clicks') }}\n",
            ),
        ],
    );
    let (_, found) = diagnostics(&root);
    assert_eq!(
        found,
        ["models/stg_clicks.sql:1:34 L017 column `id` is already in the model's output: Snowflake refuses to create a view or table with two columns of one name; rename one"]
    );

    // Unquoted names fold to one case (Snowflake's capitals, Postgres's
    // lower case; Redshift folds quoted names too): `x` and `X` are one.
    for (adapter, engine, model, at) in [
        (
            "snowflake",
            "Snowflake",
            "select id as x, city as X from {{ source('raw', 'clicks') }}\n",
            "1:17",
        ),
        (
            "snowflake",
            "Snowflake",
            "select city, \"CITY\" from {{ source('raw', 'clicks') }}\n",
            "1:14",
        ),
        (
            "postgres",
            "Postgres",
            "select id as x, city as X from {{ source('raw', 'clicks') }}\n",
            "1:17",
        ),
        (
            "redshift",
            "Redshift",
            "select id as \"x\", city as \"X\" from {{ source('raw', 'clicks') }}\n",
            "1:19",
        ),
    ] {
        let root = project(
            &format!("folded-duplicates-{adapter}-{}", model.len()),
            adapter,
            &[
                ("models/_sources.yml", CLICKS),
                ("models/stg_clicks.sql", model),
            ],
        );
        let (_, found) = diagnostics(&root);
        assert_eq!(found.len(), 1, "{adapter} {model}: {found:?}");
        assert!(
            found[0].starts_with(&format!("models/stg_clicks.sql:{at} L017"))
                && found[0].contains(&format!("{engine} refuses")),
            "{adapter} {model}: {found:?}"
        );
    }
    // Postgres keeps a quoted name's case: `"X"` and `x` are two columns.
    let root = project(
        "quoted-pair-postgres",
        "postgres",
        &[
            ("models/_sources.yml", CLICKS),
            (
                "models/stg_clicks.sql",
                "select id as x, city as \"X\" from {{ source('raw', 'clicks') }}\n",
            ),
        ],
    );
    assert_eq!(diagnostics(&root).1, Vec::<String>::new());
}

#[test]
fn duckdb_models_with_a_repeated_name_read_as_duckdb_creates_them() {
    let root = project(
        "duplicates-duckdb",
        "duckdb",
        &[
            (
                "models/joined.sql",
                "with a as (select 1 as id, 'x' as name), b as (select 1 as id, 2 as amount)\nselect * from a join b on a.id = b.id\n",
            ),
            (
                "models/downstream.sql",
                "select id, id_1, amount from {{ ref('joined') }}\n",
            ),
        ],
    );
    let (host, found) = diagnostics(&root);
    assert_eq!(found, Vec::<String>::new());
    assert_eq!(
        columns_of(&host, "analytics.joined", Dialect::DuckDb),
        [
            "id INTEGER",
            "name VARCHAR",
            "id_1 INTEGER",
            "amount INTEGER"
        ]
    );
    assert_eq!(
        columns_of(&host, "analytics.downstream", Dialect::DuckDb),
        ["id INTEGER", "id_1 INTEGER", "amount INTEGER"]
    );
}

#[test]
fn snowflake_aggregates_and_table_functions_read_as_snowflake_reads_them() {
    let orders = "version: 2\nsources:\n  - name: raw\n    database: raw\n    schema: app\n    tables:\n      - name: orders\n        columns:\n          - {name: id, data_type: number}\n          - {name: customer_id, data_type: number}\n          - {name: amount, data_type: 'number(12,2)'}\n          - {name: status, data_type: varchar}\n          - {name: is_big, data_type: boolean}\n";
    let root = project(
        "snowflake-forms",
        "snowflake",
        &[
            ("models/_sources.yml", orders),
            (
                "models/customer_stats.sql",
                "select\n    customer_id,\n    approx_percentile(amount, 0.5) as p50,\n    hll(id) as ids,\n    boolor_agg(is_big) as any_big,\n    array_unique_agg(status) as statuses,\n    skew(amount) as skewness,\n    div0(sum(amount), count(*)) as mean,\n    initcap(any_value(status)) as some_status\nfrom {{ source('raw', 'orders') }}\ngroup by customer_id\norder by all\n",
            ),
            (
                "models/by_name.sql",
                "select id, amount from identifier('raw.app.orders')\n",
            ),
            (
                "models/status_parts.sql",
                "select o.id, p.index, p.value as part\nfrom {{ source('raw', 'orders') }} o, lateral split_to_table(o.status, '_') p\n",
            ),
            (
                "models/status_tags.sql",
                "select o.id, f.index as position, f.value::string as tag\nfrom {{ source('raw', 'orders') }} o, table(flatten(input => split(o.status, '_'))) f\n",
            ),
        ],
    );
    let (host, found) = diagnostics(&root);
    assert_eq!(found, Vec::<String>::new());
    assert_eq!(
        columns_of(&host, "analytics.customer_stats", Dialect::Snowflake),
        [
            "customer_id NUMBER(38,0)",
            "p50 FLOAT",
            "ids NUMBER(38,0)",
            "any_big BOOLEAN",
            "statuses ARRAY",
            "skewness FLOAT",
            "mean NUMBER(38,8)",
            "some_status VARCHAR"
        ]
    );
    assert_eq!(
        columns_of(&host, "analytics.by_name", Dialect::Snowflake),
        ["id NUMBER(38,0)", "amount NUMBER(12,2)"]
    );
    assert_eq!(
        columns_of(&host, "analytics.status_parts", Dialect::Snowflake),
        ["id NUMBER(38,0)", "index NUMBER(38,0)", "part VARCHAR"]
    );
    assert_eq!(
        columns_of(&host, "analytics.status_tags", Dialect::Snowflake),
        ["id NUMBER(38,0)", "position NUMBER(38,0)", "tag VARCHAR"]
    );
}

#[test]
fn snowflake_values_hierarchies_and_star_patterns_read_as_snowflake_reads_them() {
    let employees = "version: 2\nsources:\n  - name: hr\n    schema: hr\n    tables:\n      - name: employees\n        columns:\n          - {name: employee_id, data_type: number}\n          - {name: manager_id, data_type: number}\n          - {name: title, data_type: varchar}\n          - {name: hired_on, data_type: date}\n";
    let root = project(
        "snowflake-values",
        "snowflake",
        &[
            ("models/_sources.yml", employees),
            // A VALUES list's columns are COLUMN1, COLUMN2, ...
            (
                "models/grades.sql",
                "select column1 as grade, t.column2 as label\nfrom (values (1, 'one'), (2, 'two')) as t\n",
            ),
            // LEVEL is the depth in a CONNECT BY query.
            (
                "models/org_chart.sql",
                "select employee_id, title, level as depth\nfrom {{ source('hr', 'employees') }}\nstart with title = 'President'\nconnect by manager_id = prior employee_id\n",
            ),
            // `* ILIKE`: the columns whose names match, in any case.
            (
                "models/employee_keys.sql",
                "select * ilike '%\\_ID' from {{ source('hr', 'employees') }}\n",
            ),
        ],
    );
    let (host, found) = diagnostics(&root);
    assert_eq!(found, Vec::<String>::new());
    assert_eq!(
        columns_of(&host, "analytics.grades", Dialect::Snowflake),
        ["grade NUMBER(38,0)", "label VARCHAR"]
    );
    assert_eq!(
        columns_of(&host, "analytics.org_chart", Dialect::Snowflake),
        [
            "employee_id NUMBER(38,0)",
            "title VARCHAR",
            "depth NUMBER(38,0)"
        ]
    );
    assert_eq!(
        columns_of(&host, "analytics.employee_keys", Dialect::Snowflake),
        ["employee_id NUMBER(38,0)", "manager_id NUMBER(38,0)"]
    );
    // Outside a hierarchical query, `level` is a column like any other.
    let analysis = analyze("select level from t", Dialect::Snowflake);
    assert_eq!(analysis.diagnostics.len(), 1, "{:?}", analysis.diagnostics);
}

#[test]
fn bigquery_group_by_and_qualify_read_the_select_lists_names() {
    let mut catalog = TableCatalog::default();
    let table = |names: &[&str]| {
        RelationSchema::closed(
            names
                .iter()
                .map(|n| Column::new(*n, parse_spark_type("BIGINT")))
                .collect(),
        )
    };
    catalog.insert("spine", table(&["participant_id", "week_start"]));
    catalog.insert("rides", table(&["participant_id", "ride_id"]));
    // Aliases, explicit or a column's own name, win over FROM's names in
    // GROUP BY: `participant_id` is spine's, not ambiguous.
    for sql in [
        "select spine.participant_id, spine.week_start, count(*) as n_rides from spine join rides on spine.participant_id = rides.participant_id group by week_start, participant_id",
        "select spine.participant_id as participant_id, count(*) as n_rides from spine join rides on spine.participant_id = rides.participant_id group by participant_id",
        // QUALIFY reads a window's alias.
        "select ride_id, row_number() over (partition by participant_id order by ride_id) as ride_rank from rides qualify ride_rank = 1",
    ] {
        let analysis = analyze_sql(sql, Dialect::BigQuery, &catalog);
        assert!(analysis.diagnostics.is_empty(), "{sql}: {:?}", analysis.diagnostics);
    }
    // DuckDB resolves FROM's names first: there it is ambiguous.
    let sql = "select spine.participant_id, count(*) as n from spine join rides on spine.participant_id = rides.participant_id group by participant_id";
    let analysis = analyze_sql(sql, Dialect::DuckDb, &catalog);
    assert!(
        analysis
            .diagnostics
            .iter()
            .any(|d| d.message.contains("ambiguous")),
        "{:?}",
        analysis.diagnostics
    );
}

#[test]
fn postgres_and_redshift_forms_read_as_their_engines_read_them() {
    let mut catalog = TableCatalog::default();
    catalog.insert(
        "orders",
        RelationSchema::closed(vec![
            Column::new("id", parse_spark_type("INT")),
            Column::new("status", parse_spark_type("STRING")),
            Column::new("amount", parse_spark_type("DECIMAL(10,2)")),
            Column::new("tags", parse_spark_type("ARRAY<STRING>")),
        ]),
    );
    let clean = |sql: &str, dialect: Dialect| {
        let analysis = analyze_sql(sql, dialect, &catalog);
        clean_columns(&analysis, &format!("{dialect:?} {sql}"), SqlType::to_string)
    };
    // A position column after the elements, named by the alias's list.
    assert_eq!(
        clean(
            "select o.id, t.tag, t.ord from orders o cross join lateral unnest(o.tags) with ordinality as t(tag, ord)",
            Dialect::Postgres
        ),
        ["id INTEGER", "tag VARCHAR", "ord BIGINT"]
    );
    // A relation's name as a value: its whole row.
    assert_eq!(
        clean(
            "select o.id, to_jsonb(o) as doc, row_to_json(o) as js from orders o",
            Dialect::Postgres
        ),
        ["id INTEGER", "doc JSONB", "js JSON"]
    );
    assert_eq!(
        clean("select o from orders o", Dialect::DuckDb),
        ["o STRUCT(id INTEGER, status VARCHAR, amount DECIMAL(10,2), tags VARCHAR[])"]
    );
    // Redshift's `sysdate`, and ROLLUP/CUBE, which its dialect reads as calls.
    assert_eq!(
        clean("select sysdate as loaded_at from orders", Dialect::Redshift),
        ["loaded_at TIMESTAMP"]
    );
    for grouping in ["rollup (id, status)", "cube (id, status)"] {
        clean(
            &format!("select id, status, sum(amount) as total from orders group by {grouping}"),
            Dialect::Redshift,
        );
    }
    // Grammar sqlparser lacks: BETWEEN SYMMETRIC, a frame's EXCLUDE,
    // Redshift's APPROXIMATE (PostgreSQL 15 and DuckDB run the first two).
    assert_eq!(
        clean(
            "select id from orders where amount between symmetric 100 and 10 and id not between asymmetric 1 and 5",
            Dialect::Postgres
        ),
        ["id INTEGER"]
    );
    for exclusion in ["current row", "group", "ties", "no others"] {
        let sql = format!(
            "select id, sum(amount) over (order by id rows between 2 preceding and 2 following exclude {exclusion}) as near from orders"
        );
        assert_eq!(
            clean(&sql, Dialect::Postgres),
            ["id INTEGER", "near NUMERIC"]
        );
    }
    assert_eq!(
        clean(
            "select avg(amount) over (order by id groups unbounded preceding exclude current row) as prior from orders",
            Dialect::DuckDb
        ),
        ["prior DOUBLE"]
    );
    assert_eq!(
        clean(
            "select approximate count(distinct status) as statuses, approximate percentile_disc(0.5) within group (order by amount) as median from orders",
            Dialect::Redshift
        ),
        ["statuses BIGINT", "median DECIMAL(10,2)"]
    );
}

#[test]
fn sql_whose_tree_lacks_a_word_that_changes_rows_is_not_compiled_to_run() {
    let root = project(
        "frame_exclusion",
        "postgres",
        &[
            (
                "models/moving.sql",
                "select id, sum(amount) over (order by id rows between 1 preceding and 1 following exclude current row) as neighbours from {{ ref('orders') }}",
            ),
            ("models/orders.sql", "select 1 as id, 2.5 as amount"),
        ],
    );
    let (host, diagnostics) = diagnostics(&root);
    assert_eq!(diagnostics, Vec::<String>::new());
    let compile = |path: &str| common::compile_final_gem(&host, &root, path);
    let error = compile("models/moving.sql").unwrap_err();
    assert!(error.contains("a window frame's EXCLUDE"), "{error}");
    assert!(compile("models/orders.sql").is_ok());
}

#[test]
fn postgres_names_unaliased_columns_as_postgres_does() {
    // PostgreSQL 15 names these columns `id`, `created_at`, `user_id`,
    // `count`, `upper`, `?column?`; a model downstream reads them so.
    let root = project(
        "postgres-names",
        "postgres",
        &[
            ("models/_sources.yml", "version: 2\nsources:\n  - name: raw\n    tables:\n      - name: events\n        columns:\n          - {name: id, data_type: integer}\n          - {name: created_at, data_type: timestamp}\n          - {name: user_id, data_type: integer}\n"),
            ("models/stg_events.sql", "select id::bigint, cast(created_at as date), e.user_id, count(*) over (partition by user_id), upper('x'), id + 1\nfrom {{ source('raw', 'events') }} e\n"),
            ("models/events.sql", "select id, created_at, user_id, count, upper from {{ ref('stg_events') }}\n"),
        ],
    );
    let (host, found) = diagnostics(&root);
    assert_eq!(found, Vec::<String>::new());
    assert_eq!(
        columns_of(&host, "analytics.stg_events", Dialect::Postgres),
        [
            "id BIGINT",
            "created_at DATE",
            "user_id INTEGER",
            "count BIGINT",
            "upper VARCHAR",
            "?column? INTEGER"
        ]
    );
}

#[test]
fn bigquery_struct_stars_and_value_tables_read_their_fields() {
    // The latest row per key, as a struct whose fields are expanded.
    let latest = analyze(
        "select latest.* from (select array_agg(e order by e.ts desc limit 1)[offset(0)] as latest from t e group by e.n)",
        Dialect::BigQuery,
    );
    assert_eq!(
        latest
            .diagnostics
            .iter()
            .map(|d| &d.message)
            .collect::<Vec<_>>(),
        Vec::<&String>::new()
    );
    // A value table of a struct has the struct's fields as columns.
    let sql = "with v as (select as value struct(1 as a, 'x' as b)) select a, b from v";
    let columns = clean_columns(&analyze(sql, Dialect::BigQuery), sql, |t| {
        t.shown_in(Dialect::BigQuery)
    });
    assert_eq!(columns, ["a INT64", "b STRING"]);
}

#[test]
fn bigquery_typed_array_and_struct_literals_are_typed_by_their_declaration() {
    let sql = "select array<int64>[1, 2] as a, struct<x int64, y string>(n, s) as st, struct(n as k, s) as s2, array<string>[] as empty\nfrom t where s in unnest(array<string>['a', 'b'])";
    let analysis = analyze(sql, Dialect::BigQuery);
    let columns = clean_columns(&analysis, sql, SqlType::to_string);
    assert_eq!(
        columns,
        [
            "a BIGINT[]",
            "st STRUCT(x BIGINT, y VARCHAR)",
            "s2 STRUCT(k INTEGER, s VARCHAR)",
            "empty VARCHAR[]"
        ]
    );
    parsers_agree(sql, Dialect::BigQuery).unwrap();
}

/// The one column of `select <expr> as c from t` in `dialect`, over a table
/// whose types (a catalog's JSON) are written in that engine's names, shown in them too.
fn typed_in(dialect: Dialect, table: &str, expr: &str) -> String {
    let catalog =
        TableCatalog::from_json_in(&format!(r#"{{"tables": {{"t": {table}}}}}"#), dialect).unwrap();
    let analysis = analyze_sql(&format!("select {expr} as c from t"), dialect, &catalog);
    assert!(
        analysis.diagnostics.is_empty(),
        "{expr}: {:?}",
        analysis.diagnostics
    );
    let output = analysis.output().unwrap();
    output.columns[0].ty.shown_in(dialect)
}

/// Types as PostgreSQL 15 gives them: `format_type` of the column of
/// `create view p as select EXPR as c from t` over the table below.
const POSTGRES_15_TYPES: &[(&str, &str)] = &[
    // Ranges' bounds and tests; an array and an element joined by `||`.
    ("lower(rng)", "integer"),
    ("upper(drng)", "date"),
    ("isempty(rng)", "boolean"),
    ("lower_inc(drng)", "boolean"),
    ("rng @> 3", "boolean"),
    ("arr @> array[1]", "boolean"),
    ("arr || 3", "integer[]"),
    ("3 || arr", "integer[]"),
    ("sum(i)", "bigint"),
    ("sum(b)", "numeric"),
    ("sum(n)", "numeric"),
    ("sum(r)", "real"),
    ("sum(d)", "double precision"),
    ("sum(s) over ()", "bigint"),
    ("avg(i)", "numeric"),
    ("avg(n)", "numeric"),
    ("avg(d)", "double precision"),
    ("avg(r) over ()", "double precision"),
    ("stddev(i)", "numeric"),
    ("variance(n)", "numeric"),
    ("count(*)", "bigint"),
    ("length(tx)", "integer"),
    ("char_length(tx)", "integer"),
    ("octet_length(tx)", "integer"),
    ("strpos(tx, 'a')", "integer"),
    ("position('a' in tx)", "integer"),
    ("ascii(tx)", "integer"),
    ("array_length(arr, 1)", "integer"),
    ("cardinality(arr)", "integer"),
    ("ntile(4) over ()", "integer"),
    ("row_number() over ()", "bigint"),
    ("percent_rank() over ()", "double precision"),
    ("date_part('year', ts)", "double precision"),
    ("extract(year from ts)", "numeric"),
    ("extract(epoch from ts)", "numeric"),
    ("round(n, 1)", "numeric"),
    ("round(d)", "double precision"),
    ("round(i)", "double precision"),
    ("floor(i)", "double precision"),
    ("floor(n)", "numeric"),
    ("ceil(d)", "double precision"),
    ("trunc(n)", "numeric"),
    ("abs(i)", "integer"),
    ("abs(n)", "numeric"),
    ("sign(n)", "numeric"),
    ("mod(i, 2)", "integer"),
    ("mod(n, 2)", "numeric"),
    ("i % 2", "integer"),
    ("power(i, 2)", "double precision"),
    ("power(n, 2)", "numeric"),
    ("sqrt(i)", "double precision"),
    ("ln(i)", "double precision"),
    ("exp(n)", "numeric"),
    ("random()", "double precision"),
    ("dt - dt", "integer"),
    ("current_date - dt", "integer"),
    ("ts - ts", "interval"),
    ("dt + 1", "date"),
    ("dt - 1", "date"),
    ("ts + interval '1 day'", "timestamp without time zone"),
    ("now()", "timestamp with time zone"),
    ("i / 2", "integer"),
    ("b / 2", "bigint"),
    ("i / 2.0", "numeric"),
    ("i * 1.5", "numeric"),
    ("n * n", "numeric"),
    ("n + 1", "numeric"),
    ("n / 3", "numeric"),
    ("2::numeric / 3", "numeric"),
    ("i::numeric", "numeric"),
    ("cast(i as decimal)", "numeric"),
    ("cast(i as numeric(12, 4))", "numeric(12,4)"),
    ("i::float", "double precision"),
    ("1.5", "numeric"),
    ("1e3", "numeric"),
    ("10000000000", "bigint"),
    ("'x'", "text"),
    ("min(n) over ()", "numeric"),
    ("max(n)", "numeric"),
    ("lag(n) over ()", "numeric"),
    ("first_value(i) over ()", "integer"),
    ("nullif(n, 1)", "numeric(10,2)"),
    ("coalesce(i, b)", "bigint"),
    ("coalesce(n, n)", "numeric(10,2)"),
    ("coalesce(n, 0)", "numeric"),
    ("coalesce(sum(n) / 60, 0)", "numeric"),
    ("date(ts)", "date"),
    ("generate_series(1, i)", "integer"),
    ("generate_series(1, b)", "bigint"),
    (
        "generate_series(dt, dt, interval '1 day')",
        "timestamp with time zone",
    ),
    (
        "generate_series(ts, ts, interval '1 day')",
        "timestamp without time zone",
    ),
    ("null", "text"),
    (
        "percentile_cont(0.5) within group (order by n)",
        "double precision",
    ),
    ("numeric '1.5'", "numeric"),
    ("n > 0", "boolean"),
    ("bool_or(n > 0)", "boolean"),
    ("greatest(i, b)", "bigint"),
    ("date_trunc('day', ts)", "timestamp without time zone"),
    ("date_trunc('day', dt)", "timestamp with time zone"),
    ("date_trunc('day', tz)", "timestamp with time zone"),
    ("to_char(ts, 'YYYY')", "text"),
    ("to_number('1', '9')", "numeric"),
    ("to_date('2024', 'YYYY')", "date"),
    ("to_timestamp('2024', 'YYYY')", "timestamp with time zone"),
    ("to_timestamp(1)", "timestamp with time zone"),
    ("age(ts)", "interval"),
    ("string_agg(tx, ',')", "text"),
    ("array_agg(i)", "integer[]"),
    ("array_agg(n)", "numeric[]"),
    ("r * 2", "double precision"),
    ("r + d", "double precision"),
    ("s + s", "smallint"),
    ("s * i", "integer"),
    // JSON: jsonb operators and functions make jsonb, json ones json.
    ("j", "jsonb"),
    ("j -> 'a'", "jsonb"),
    ("j ->> 'a'", "text"),
    ("j #> '{a,b}'", "jsonb"),
    ("j #>> '{a,b}'", "text"),
    ("j || j", "jsonb"),
    ("j - 'a'", "jsonb"),
    ("j #- '{a}'", "jsonb"),
    ("j @> '{\"a\": 1}'", "boolean"),
    ("j ? 'a'", "boolean"),
    ("j ?| array['a', 'b']", "boolean"),
    ("'{}'::jsonb", "jsonb"),
    ("jsonb_array_length(j -> 'items')", "integer"),
    ("jsonb_typeof(j)", "text"),
    ("jsonb_build_object('a', i)", "jsonb"),
    ("json_build_object('a', i)", "json"),
    ("to_jsonb(tx)", "jsonb"),
    ("to_json(tx)", "json"),
    ("jsonb_set(j, '{a}', '1')", "jsonb"),
    ("jsonb_strip_nulls(j)", "jsonb"),
    ("jsonb_path_query_first(j, '$.a')", "jsonb"),
    ("jsonb_path_exists(j, '$.a')", "boolean"),
    ("jsonb_extract_path_text(j, 'a')", "text"),
    ("jsonb_agg(j)", "jsonb"),
    ("jsonb_object_agg(tx, i)", "jsonb"),
    ("json_agg(tx)", "json"),
    ("initcap(tx)", "text"),
    ("regexp_substr(tx, '^D[0-9]')", "text"),
    ("regexp_count(tx, 'a')", "integer"),
    ("regexp_like(tx, 'a')", "boolean"),
    ("regexp_matches(tx, 'a')", "text[]"),
    ("sign(i)", "double precision"),
    ("sign(d)", "double precision"),
    ("sign(n)", "numeric"),
    ("txid_current()", "bigint"),
    ("every(i > 1)", "boolean"),
    ("justify_days(interval '35 days')", "interval"),
    ("div(i, 2)", "numeric"),
    ("quote_ident(tx)", "text"),
    ("encode(decode(tx, 'hex'), 'base64')", "text"),
    ("sha256(decode(tx, 'hex'))", "bytea"),
    ("j['a']", "jsonb"),
    ("j['a']['b']", "jsonb"),
];

#[test]
fn postgres_types_are_postgres_15s() {
    let table = r#"[["i", "integer"], ["s", "smallint"], ["b", "bigint"], ["n", "numeric(10,2)"],
        ["r", "real"], ["d", "double precision"], ["tx", "text"], ["dt", "date"],
        ["ts", "timestamp"], ["tz", "timestamptz"], ["arr", "integer[]"], ["j", "jsonb"],
        ["rng", "int4range"], ["drng", "daterange"]]"#;
    // Postgres's names as Loupe shows them: TEXT and VARCHAR are one type to Loupe.
    let shown = |postgres: &str| -> String {
        match postgres {
            "text" => "VARCHAR".into(),
            "text[]" => "VARCHAR[]".into(),
            "timestamp without time zone" => "TIMESTAMP".into(),
            other => other.to_uppercase(),
        }
    };
    let wrong: Vec<String> = POSTGRES_15_TYPES
        .iter()
        .filter_map(|(expr, postgres)| {
            let got = typed_in(Dialect::Postgres, table, expr);
            (got != shown(postgres)).then(|| format!("{expr}: Loupe {got}, Postgres {postgres}"))
        })
        .collect();
    assert_eq!(wrong, Vec::<String>::new());
    // Whole queries: the type of their first column.
    let catalog = TableCatalog::from_json_in(
        &format!(r#"{{"tables": {{"t": {table}}}}}"#),
        Dialect::Postgres,
    )
    .unwrap();
    let first_column = |sql: &str| {
        let analysis = analyze_sql(sql, Dialect::Postgres, &catalog);
        analysis.output().unwrap().columns[0]
            .ty
            .shown_in(Dialect::Postgres)
    };
    // A trailing comma in a select list: PostgreSQL 15 refuses it
    // (`syntax error at or near "from"`); DuckDB takes it.
    let trailing = "select i,\n  s, -- last\n from t";
    let refused = analyze_sql(trailing, Dialect::Postgres, &catalog);
    assert_eq!(
        refused.diagnostics.iter().map(|d| d.message.as_str()).collect::<Vec<_>>(),
        ["syntax error: a comma before FROM: Postgres does not take a trailing comma in a select list"]
    );
    assert!(analyze_sql(trailing, Dialect::DuckDb, &catalog)
        .diagnostics
        .is_empty());
    for (sql, postgres) in [
        // `generate_series` in FROM makes the same values.
        ("select s.x from t, generate_series(1, t.i) s(x)", "INTEGER"),
        // A bare NULL in a set operation takes the other operands' type.
        ("select s as c from t union all select null", "SMALLINT"),
        ("select null as c union all select s from t", "SMALLINT"),
        // Only NULLs: PostgreSQL 15 resolves the unknowns to text.
        ("select null as c union all select null", "VARCHAR"),
        // Set-returning JSON functions and a column definition list.
        (
            "select e.value from t, jsonb_array_elements(t.j) e",
            "JSONB",
        ),
        ("select e.key from t, jsonb_each(t.j) e", "VARCHAR"),
        ("select e.value from t, jsonb_each(t.j) e", "JSONB"),
        (
            "select x.v from t, jsonb_array_elements_text(t.j) as x(v)",
            "VARCHAR",
        ),
        ("select k from t, jsonb_object_keys(t.j) k", "VARCHAR"),
        (
            "select r.qty from t, jsonb_to_recordset(t.j) as r(sku text, qty int)",
            "INTEGER",
        ),
    ] {
        assert_eq!(first_column(sql), postgres, "{sql}");
    }
    // Redshift, as its function reference types them.
    for (expr, redshift) in [
        ("avg(i)", "BIGINT"),
        ("avg(n)", "NUMERIC(38,2)"),
        ("avg(d)", "DOUBLE PRECISION"),
        ("sum(i)", "BIGINT"),
        ("sum(n)", "NUMERIC(38,2)"),
        ("i / 2", "INTEGER"),
        ("len(tx)", "INTEGER"),
        ("position('a' in tx)", "INTEGER"),
        ("cast(i as decimal)", "NUMERIC(18,0)"),
        ("getdate()", "TIMESTAMP"),
        ("date_part(hour, ts)", "DOUBLE PRECISION"),
        ("extract(year from ts)", "INTEGER"),
        ("extract(hour from tz)", "DOUBLE PRECISION"),
        ("json_array_length(tx)", "INTEGER"),
        ("ntile(4) over (order by i)", "BIGINT"),
        ("rank() over (order by i)", "INTEGER"),
        ("median(i)", "NUMERIC"),
        ("ceil(n)", "NUMERIC(10,2)"),
        // Decimal arithmetic by its rules (`(8,2) / (8,2)` is DECIMAL(17,9) in its example).
        ("n / n", "NUMERIC(21,11)"),
        ("n * n", "NUMERIC(21,4)"),
        ("n + i", "NUMERIC(13,2)"),
        ("n - s", "NUMERIC(11,2)"),
        // Its own date functions: a DATE moved or truncated is a TIMESTAMP.
        ("dateadd(day, 30, dt)", "TIMESTAMP"),
        ("dateadd(month, 1, ts)", "TIMESTAMP"),
        ("datediff(day, dt, ts)", "BIGINT"),
        ("date_trunc('month', dt)", "TIMESTAMP"),
        ("trunc(ts)", "DATE"),
        ("trunc(n, 1)", "NUMERIC(10,2)"),
        (
            "convert_timezone('UTC', 'America/New_York', ts)",
            "TIMESTAMP",
        ),
        ("add_months(dt, 1)", "TIMESTAMP"),
        ("months_between(dt, dt)", "DOUBLE PRECISION"),
        ("last_day(ts)", "DATE"),
        ("to_char(ts, 'YYYY-MM')", "VARCHAR"),
        ("to_date(tx, 'YYYY-MM-DD')", "DATE"),
        ("nvl(i, 0)", "INTEGER"),
        ("nvl(s, i)", "INTEGER"),
        ("nvl2(tx, i, s)", "INTEGER"),
        ("decode(i, 1, 'one', 2, 'two', 'many')", "VARCHAR"),
        ("listagg(tx, ',')", "VARCHAR"),
        ("regexp_count(tx, 'a')", "INTEGER"),
        ("regexp_substr(tx, 'a+')", "VARCHAR"),
        ("json_extract_path_text(tx, 'a')", "VARCHAR"),
        ("is_valid_json(tx)", "BOOLEAN"),
        ("strtol(tx, 16)", "BIGINT"),
        ("sign(n)", "NUMERIC(1,0)"),
        ("stddev(i)", "DOUBLE PRECISION"),
    ] {
        assert_eq!(typed_in(Dialect::Redshift, table, expr), redshift, "{expr}");
    }
}

fn bigquery_type(expr: &str) -> String {
    typed_in(
        Dialect::BigQuery,
        r#"[["s", "STRING"], ["n", "INT64"], ["f", "FLOAT64"],
            ["num", "NUMERIC"], ["big", "BIGNUMERIC"], ["d", "DATE"], ["dt", "DATETIME"],
            ["ts", "TIMESTAMP"], ["j", "JSON"], ["arr", "ARRAY<INT64>"]]"#,
        expr,
    )
}

#[test]
fn snowflake_numbers_and_timestamps_are_typed_as_snowflake_types_them() {
    let snowflake_type = |expr: &str| {
        typed_in(
            Dialect::Snowflake,
            r#"[["n", "NUMBER(38,0)"], ["p", "NUMBER(10,2)"], ["q", "NUMBER(12,4)"],
                ["f", "FLOAT"], ["d", "DATE"], ["s", "VARCHAR"],
                ["tz", "TIMESTAMP_TZ(9)"], ["lt", "TIMESTAMP_LTZ"]]"#,
            expr,
        )
    };
    for (expr, shown) in [
        // Sums: one more integer digit, the larger scale.
        ("p + 1", "NUMBER(11,2)"),
        ("q - 100", "NUMBER(13,4)"),
        ("10 + 12.34", "NUMBER(5,2)"),
        // Products: the digits add up; the scale too, up to 12 or the larger one.
        ("p * 2", "NUMBER(11,2)"),
        ("p * q", "NUMBER(22,6)"),
        ("q * q * q", "NUMBER(36,12)"),
        // Quotients: six more digits of scale, up to 12; never a FLOAT.
        ("1 / 3", "NUMBER(7,6)"),
        ("p / 2", "NUMBER(16,8)"),
        ("q / p", "NUMBER(20,10)"),
        ("n / 2", "NUMBER(38,6)"),
        ("div0(p, q)", "NUMBER(20,8)"),
        ("avg(p)", "NUMBER(38,8)"),
        ("avg(n)", "NUMBER(38,6)"),
        // A float anywhere makes a FLOAT.
        ("p / f", "FLOAT"),
        ("f * 2", "FLOAT"),
        ("hash(n, s)", "NUMBER(19,0)"),
        ("trunc(d, 'month')", "DATE"),
        ("truncate(q, 2)", "NUMBER(12,4)"),
        ("bitand(n, 3)", "NUMBER(38,0)"),
        ("md5_binary(s)", "BINARY"),
        (
            "st_distance(st_makepoint(0, 0), st_makepoint(1, 1))",
            "FLOAT",
        ),
        // TIMESTAMP_TZ keeps its offset through date arithmetic; LTZ stays LTZ.
        ("tz", "TIMESTAMP_TZ"),
        ("dateadd(minute, 5, tz)", "TIMESTAMP_TZ"),
        ("date_trunc('day', tz)", "TIMESTAMP_TZ"),
        ("convert_timezone('UTC', lt)", "TIMESTAMP_TZ"),
        ("to_timestamp_tz(s)", "TIMESTAMP_TZ"),
        ("dateadd(day, 1, lt)", "TIMESTAMP_LTZ"),
        ("current_timestamp()", "TIMESTAMP_LTZ"),
        ("datediff(hour, tz, lt)", "NUMBER(38,0)"),
        // A DATE plus or minus any integer is a DATE, days later or before.
        ("d + n", "DATE"),
        ("n + d", "DATE"),
        ("d - (1 + 1)", "DATE"),
        ("d + seq4()", "DATE"),
        ("d + abs(n)", "DATE"),
        ("d - n::number", "DATE"),
        // ISO week parts are numbers as the other date parts are.
        ("dayofweekiso(d)", "NUMBER(38,0)"),
        ("weekiso(d)", "NUMBER(38,0)"),
        ("yearofweekiso(d)", "NUMBER(38,0)"),
    ] {
        assert_eq!(snowflake_type(expr), shown, "{expr}");
    }
}

#[test]
fn bigquery_functions_are_typed_as_bigquery_types_them() {
    for (expr, expected) in [
        // Date and time families: the type follows the function's name.
        ("date_diff(d, d, day)", "INT64"),
        ("timestamp_diff(ts, ts, second)", "INT64"),
        ("date_trunc(d, month)", "DATE"),
        // A week starting on a given day is a date part, not a call on a column.
        ("date_trunc(d, week(monday))", "DATE"),
        ("date_diff(d, d, week(sunday))", "INT64"),
        ("last_day(d, week(saturday))", "DATE"),
        ("extract(week(monday) from d)", "INT64"),
        ("date_trunc(ts, day)", "TIMESTAMP"),
        ("datetime_trunc(dt, hour)", "DATETIME"),
        ("date_add(d, interval 1 day)", "DATE"),
        ("timestamp_sub(ts, interval 30 minute)", "TIMESTAMP"),
        ("format_date('%Y-%m', d)", "STRING"),
        ("parse_date('%Y%m%d', s)", "DATE"),
        ("safe.parse_timestamp('%F', s)", "TIMESTAMP"),
        ("timestamp_micros(n)", "TIMESTAMP"),
        ("unix_seconds(ts)", "INT64"),
        ("date(ts, 'Europe/Paris')", "DATE"),
        ("datetime(ts)", "DATETIME"),
        ("extract(date from ts)", "DATE"),
        ("extract(dayofweek from ts)", "INT64"),
        ("current_datetime()", "DATETIME"),
        ("timestamp '2024-01-01 00:00:00'", "TIMESTAMP"),
        ("generate_date_array(d, d, interval 1 month)", "ARRAY<DATE>"),
        ("collate(s, 'und:ci')", "STRING"),
        // Numbers: a literal with a point is FLOAT64; NUMERIC keeps its kind.
        ("n * 1.1", "FLOAT64"),
        ("num * num", "NUMERIC"),
        ("num / 3", "NUMERIC"),
        ("big * n", "BIGNUMERIC"),
        // An exact number meeting a BIGNUMERIC converts to it, not to FLOAT64.
        ("coalesce(big, n)", "BIGNUMERIC"),
        ("coalesce(big, num)", "BIGNUMERIC"),
        ("if(n > 0, big, 0)", "BIGNUMERIC"),
        ("case when n > 0 then big else n end", "BIGNUMERIC"),
        ("greatest(big, 1)", "BIGNUMERIC"),
        ("ifnull(num, n)", "NUMERIC"),
        ("coalesce(big, f)", "FLOAT64"),
        ("avg(num)", "NUMERIC"),
        ("round(num, 2)", "NUMERIC"),
        ("round(n)", "FLOAT64"),
        ("floor(n)", "FLOAT64"),
        ("safe_divide(n, n)", "FLOAT64"),
        ("div(n, 2)", "INT64"),
        ("sum(n)", "INT64"),
        // Strings, hashes, arrays, aggregates.
        ("farm_fingerprint(s)", "INT64"),
        ("md5(s)", "BYTES"),
        ("to_hex(sha256(s))", "STRING"),
        ("regexp_contains(s, r'^a')", "BOOL"),
        ("split(s)", "ARRAY<STRING>"),
        ("arr[safe_offset(0)]", "INT64"),
        ("array(select x from unnest(arr) as x)", "ARRAY<INT64>"),
        ("countif(n > 0)", "INT64"),
        ("logical_or(n > 0)", "BOOL"),
        ("approx_quantiles(f, 100)[offset(50)]", "FLOAT64"),
        (
            "approx_top_count(s, 3)",
            "ARRAY<STRUCT<value STRING, count INT64>>",
        ),
        // JSON: a JSON argument gives JSON, a STRING one a STRING.
        ("json_query(j, '$.a')", "JSON"),
        ("json_extract(s, '$.a')", "STRING"),
        ("json_value(j, '$.a')", "STRING"),
        ("lax_int64(j.a)", "INT64"),
        ("json_extract_array(s, '$.items')", "ARRAY<STRING>"),
        // Namespaces and geography.
        ("net.reg_domain(s)", "STRING"),
        (
            "st_distance(st_geogpoint(f, f), st_geogpoint(f, f))",
            "FLOAT64",
        ),
        ("st_geogpoint(f, f)", "GEOGRAPHY"),
        // Ranges: literals, constructors, their bounds and arrays of them.
        ("range<date> '[2024-01-01, 2024-02-01)'", "RANGE<DATE>"),
        (
            "RANGE<DATETIME> '[2024-01-01 10:00:00, UNBOUNDED)'",
            "RANGE<DATETIME>",
        ),
        ("range(d, d)", "RANGE<DATE>"),
        ("range(null, ts)", "RANGE<TIMESTAMP>"),
        ("range_start(range(dt, dt))", "DATETIME"),
        ("range_end(range<date> '[2024-01-01, 2024-02-01)')", "DATE"),
        ("range_contains(range(d, d), d)", "BOOL"),
        ("range_overlaps(range(d, d), range(d, d))", "BOOL"),
        (
            "generate_range_array(range(d, d), interval 1 week)",
            "ARRAY<RANGE<DATE>>",
        ),
    ] {
        assert_eq!(bigquery_type(expr), expected, "{expr}");
    }
}

#[test]
fn a_bigquery_union_of_bignumeric_and_int64_is_bignumeric() {
    let catalog = TableCatalog::from_json_in(
        r#"{"tables": {"t": [["n", "INT64"], ["big", "BIGNUMERIC"], ["num", "NUMERIC"]]}}"#,
        Dialect::BigQuery,
    )
    .unwrap();
    let sql = "select big as a, num as b from t union all select n, n from t";
    let analysis = analyze_sql(sql, Dialect::BigQuery, &catalog);
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    let shown: Vec<String> = analysis
        .output()
        .unwrap()
        .columns
        .iter()
        .map(|c| c.ty.shown_in(Dialect::BigQuery))
        .collect();
    assert_eq!(shown, ["BIGNUMERIC", "NUMERIC"]);
}

#[test]
fn a_bigquery_project_sees_its_columns_in_bigquery_names() {
    let sources = "version: 2\nsources:\n  - name: ga4\n    schema: analytics_123\n    tables:\n      - name: events\n        identifier: events_*\n        columns:\n          - {name: event_date, data_type: string}\n          - {name: event_timestamp, data_type: int64}\n          - {name: user_pseudo_id, data_type: string}\n          - {name: event_params, data_type: 'array<struct<key string, value struct<string_value string, int_value int64>>>'}\n          - {name: ecommerce, data_type: 'struct<purchase_revenue numeric>'}\n";
    let staging = "select\n    parse_date('%Y%m%d', event_date) as event_dt,\n    timestamp_micros(event_timestamp) as event_ts,\n    user_pseudo_id,\n    (select value.int_value from unnest(event_params) where key = 'ga_session_id') as session_id,\n    ecommerce.purchase_revenue as revenue,\n    event_params\nfrom {{ source('ga4', 'events') }}\nwhere _table_suffix between '20240101' and '20241231'\n";
    let sessions = "select\n    user_pseudo_id,\n    session_id,\n    min(event_ts) as started_at,\n    date_trunc(min(event_dt), week) as week,\n    timestamp_diff(max(event_ts), min(event_ts), second) as seconds,\n    sum(revenue) as revenue,\n    sum(revenue) / count(*) as revenue_per_event,\n    array_agg(distinct format_date('%a', event_dt)) as weekdays\nfrom {{ ref('stg_ga4__events') }}\ngroup by 1, 2\n";
    let root = project(
        "bigquery-names",
        "bigquery",
        &[
            ("models/staging/_sources.yml", sources),
            ("models/staging/stg_ga4__events.sql", staging),
            ("models/marts/fct_sessions.sql", sessions),
        ],
    );
    let (host, found) = diagnostics(&root);
    assert_eq!(found, Vec::<String>::new());
    assert_eq!(
        columns_of(&host, "analytics.stg_ga4__events", Dialect::BigQuery),
        [
            "event_dt DATE",
            "event_ts TIMESTAMP",
            "user_pseudo_id STRING",
            "session_id INT64",
            "revenue NUMERIC",
            "event_params ARRAY<STRUCT<key STRING, value STRUCT<string_value STRING, int_value INT64>>>",
        ]
    );
    assert_eq!(
        columns_of(&host, "analytics.fct_sessions", Dialect::BigQuery),
        [
            "user_pseudo_id STRING",
            "session_id INT64",
            "started_at TIMESTAMP",
            "week DATE",
            "seconds INT64",
            "revenue NUMERIC",
            "revenue_per_event NUMERIC",
            "weekdays ARRAY<STRING>",
        ]
    );
    let _ = std::fs::remove_dir_all(root);
}

#[test]
fn bigquery_unnest_of_an_undeclared_array_reads_its_struct_fields() {
    // GA4 exports are usually declared as sources without columns: the fields of
    // `event_params`, passed on by a base model, are then unknown, not missing.
    let sources = "version: 2\nsources:\n  - name: ga4\n    schema: analytics_123\n    tables:\n      - name: events\n        identifier: events_*\n";
    let base = "select\n    parse_date('%Y%m%d', event_date) as event_date_dt,\n    user_pseudo_id,\n    event_params\nfrom {{ source('ga4', 'events') }}\n";
    let staging = "select\n    user_pseudo_id,\n    (select value.int_value from unnest(event_params) where key = 'ga_session_id') as session_id,\n    lower((select value.string_value from unnest(event_params) where key = 'page_location')) as page_location,\n    (select p.value.string_value from unnest(event_params) as p where p.key = 'source') as source\nfrom {{ ref('base_ga4__events') }}\n";
    let sessions = "select\n    session_idd,\n    count(*) as events\nfrom {{ ref('stg_ga4__events') }}\ngroup by 1\n";
    let root = project(
        "bigquery-unnest-undeclared",
        "bigquery",
        &[
            ("models/staging/_sources.yml", sources),
            ("models/staging/base_ga4__events.sql", base),
            ("models/staging/stg_ga4__events.sql", staging),
            ("models/marts/fct_ga4__sessions.sql", sessions),
        ],
    );
    let (host, found) = diagnostics(&root);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("models/marts/fct_ga4__sessions.sql:2:") && found[0].contains("L003"),
        "the typo below the staging model is still found: {found:#?}"
    );
    assert_eq!(
        columns_of(&host, "analytics.stg_ga4__events", Dialect::BigQuery),
        [
            "user_pseudo_id UNKNOWN",
            "session_id UNKNOWN",
            "page_location STRING",
            "source UNKNOWN",
        ]
    );
    let _ = std::fs::remove_dir_all(root);
}

/// `select *` of USING and NATURAL joins: the names in order, as PostgreSQL
/// 15, Spark 3.5 and DuckDB 1.x return them for these tables (Spark's are
/// Postgres's).
#[test]
fn a_using_join_leads_with_its_columns_where_the_engine_does() {
    let tables = r#"{"tables": {
        "a": [["x", "int"], ["id", "int"], ["k", "int"], ["y", "int"]],
        "b": [["z", "int"], ["id", "int"], ["w", "int"], ["y", "int"]],
        "c": [["k", "int"], ["id", "int"], ["v", "int"]]}}"#;
    let names = |dialect: Dialect, sql: &str| -> String {
        let catalog = TableCatalog::from_json_in(tables, dialect).unwrap();
        let analysis = analyze_sql(sql, dialect, &catalog);
        clean_columns(&analysis, sql, |_| String::new())
            .iter()
            .map(|c| c.trim_end().to_string())
            .collect::<Vec<_>>()
            .join(",")
    };
    for (sql, postgres, duckdb) in [
        (
            "select * from a join b using (id)",
            "id,x,k,y,z,w,y",
            "x,id,k,y,z,w,y",
        ),
        (
            "select * from a join b using (y, id)",
            "y,id,x,k,z,w",
            "x,id,k,y,z,w",
        ),
        (
            "select * from a natural join b",
            "id,y,x,k,z,w",
            "x,id,k,y,z,w",
        ),
        (
            "select * from a join b using (id) join c using (k)",
            "k,id,x,y,z,w,y,id,v",
            "x,id,k,y,z,w,y,id,v",
        ),
        (
            "select * from a join b on a.x = b.z join c using (k)",
            "k,x,id,y,z,id,w,y,id,v",
            "x,id,k,y,z,id,w,y,id,v",
        ),
        (
            "select * from a join b using (id) join c on a.x = c.v",
            "id,x,k,y,z,w,y,k,id,v",
            "x,id,k,y,z,w,y,k,id,v",
        ),
        (
            "select * from a join b using (id) join c using (id)",
            "id,x,k,y,z,w,y,k,v",
            "x,id,k,y,z,w,y,k,v",
        ),
        (
            "select * from a left join b using (id)",
            "id,x,k,y,z,w,y",
            "x,id,k,y,z,w,y",
        ),
    ] {
        assert_eq!(names(Dialect::Postgres, sql), postgres, "Postgres: {sql}");
        assert_eq!(names(Dialect::Databricks, sql), postgres, "Spark: {sql}");
        assert_eq!(names(Dialect::DuckDb, sql), duckdb, "DuckDB: {sql}");
    }
}

#[test]
fn bigquery_correlated_arrays_and_select_as_struct_are_typed() {
    let catalog = TableCatalog::from_json_in(
        r#"{"tables": {"t": [["id", "INT64"], ["arr", "ARRAY<STRUCT<k STRING, v INT64>>"],
            ["tags", "ARRAY<STRING>"], ["name", "STRING"]]}}"#,
        Dialect::BigQuery,
    )
    .unwrap();
    let columns = |sql: &str| -> Vec<String> {
        let analysis = analyze_sql(sql, Dialect::BigQuery, &catalog);
        assert!(
            analysis.diagnostics.is_empty(),
            "{sql}: {:?}",
            analysis.diagnostics
        );
        analysis
            .output()
            .unwrap()
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.ty.shown_in(Dialect::BigQuery)))
            .collect()
    };
    // `FROM t, t.arr AS a` is `FROM t, UNNEST(t.arr) AS a`, also unaliased.
    assert_eq!(
        columns("select a.k, a.v, tg from t, t.arr a, t.tags tg"),
        ["k STRING", "v INT64", "tg STRING"]
    );
    assert_eq!(
        columns("select arr.k, t.id from t left join t.arr"),
        ["k STRING", "id INT64"]
    );
    // A query as a value: a SELECT AS STRUCT is a struct of its columns.
    assert_eq!(
        columns(
            "select array(select as struct k, v * 2 as w from unnest(arr) where v > 1) as a from t"
        ),
        ["a ARRAY<STRUCT<k STRING, w INT64>>"]
    );
    assert_eq!(
        columns("select (select as struct 1 as a, 'x' as b) as s"),
        ["s STRUCT<a INT64, b STRING>"]
    );
    assert_eq!(
        columns("select array_concat_agg(tags) as x from t"),
        ["x ARRAY<STRING>"]
    );
}

#[test]
fn bigquery_pipe_syntax_follows_columns_through_its_operators() {
    let catalog = TableCatalog::from_json_in(
        r#"{"tables": {"t": [["id", "INT64"], ["tags", "ARRAY<STRING>"], ["name", "STRING"]]}}"#,
        Dialect::BigQuery,
    )
    .unwrap();
    let read = |sql: &str| -> (Vec<String>, bool) {
        let analysis = analyze_sql(sql, Dialect::BigQuery, &catalog);
        assert!(
            analysis.diagnostics.is_empty(),
            "{sql}: {:?}",
            analysis.diagnostics
        );
        let output = analysis.output().unwrap();
        let columns = output
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.ty.shown_in(Dialect::BigQuery)))
            .collect();
        (columns, output.open)
    };
    let (columns, open) =
        read("from t |> where id > 1 |> extend id * 2 as twice |> select id, twice");
    assert_eq!(
        (columns, open),
        (vec!["id INT64".into(), "twice INT64".into()], false)
    );
    let (columns, _) = read("from t |> aggregate count(*) as n group by name");
    assert_eq!(columns, ["name STRING", "n INT64"]);
    let (columns, _) = read("from t |> drop tags |> rename name as label |> limit 10");
    assert_eq!(columns, ["id INT64", "label STRING"]);
    // A join's columns are not worked out: unknown, so nothing downstream is wrong.
    let (columns, open) = read("from t |> join t as u using (id)");
    assert!(columns.is_empty() && open);
}

#[test]
fn a_concatenation_with_a_value_of_unknown_type_is_a_string_where_the_engine_makes_one() {
    let mut catalog = TableCatalog::default();
    catalog.insert(
        "t",
        RelationSchema::closed(vec![
            Column::new("u", SqlType::Unknown),
            Column::new("s", SqlType::Varchar),
        ]),
    );
    let type_of = |dialect: Dialect, expr: &str| {
        let analysis = analyze_sql(&format!("select {expr} as c from t"), dialect, &catalog);
        analysis.output().unwrap().columns[0].ty.shown_in(dialect)
    };
    // Snowflake's and Redshift's `||` joins strings only.
    assert_eq!(type_of(Dialect::Snowflake, "'ONL' || u"), "VARCHAR");
    assert_eq!(type_of(Dialect::Snowflake, "u || u"), "VARCHAR");
    assert_eq!(type_of(Dialect::Redshift, "u || u"), "VARCHAR");
    // Elsewhere a string operand makes a string.
    assert_eq!(type_of(Dialect::DuckDb, "'a' || u"), "VARCHAR");
    assert_eq!(type_of(Dialect::Databricks, "s || u"), "STRING");
    assert_eq!(type_of(Dialect::DuckDb, "u || u"), "UNKNOWN");
    // Postgres's `'a' || array` prepends to the array: unknown stays unknown.
    assert_eq!(type_of(Dialect::Postgres, "'a' || u"), "UNKNOWN");
}
