//! DuckDB forms dbt-duckdb projects write: ASOF joins, `COLUMNS(...)`
//! inside expressions and with aliases, JSON arrows, `list_aggregate`.
//! Expected names and types are DuckDB 2.0.1's `DESCRIBE` of each query
//! (Python) over the table below.

mod common;

use loupe_analysis::host::AnalysisHost;
use loupe_analysis::loose::{analyze_sql, TableCatalog};
use loupe_analysis::schema::{Column, RelationSchema};
use loupe_analysis::syntax::Dialect;
use loupe_analysis::types::parse_type;

/// The tables the queries read.
fn catalog() -> TableCatalog {
    let mut catalog = TableCatalog::default();
    let mut table = |name: &str, columns: &[(&str, &str)]| {
        let columns = columns
            .iter()
            .map(|(name, ty)| Column::new(*name, parse_type(ty)))
            .collect();
        catalog.insert(name, RelationSchema::closed(columns));
    };
    table(
        "t",
        &[
            ("user_id", "INTEGER"),
            ("order_id", "BIGINT"),
            ("ts", "TIMESTAMP"),
            ("price", "DOUBLE"),
            ("name", "VARCHAR"),
            ("payload", "JSON"),
            ("tags", "VARCHAR[]"),
        ],
    );
    table(
        "prices",
        &[
            ("user_id", "INTEGER"),
            ("ts", "TIMESTAMP"),
            ("rate", "DECIMAL(8,4)"),
        ],
    );
    table(
        "base",
        &[
            ("id", "INTEGER"),
            ("st", "STRUCT(k INTEGER, v VARCHAR)"),
            ("ls", "STRUCT(a INTEGER)[]"),
        ],
    );
    table("mixed", &[("Order_ID", "INTEGER"), ("Status", "VARCHAR")]);
    table(
        "sales",
        &[
            ("id", "INTEGER"),
            ("k", "VARCHAR"),
            ("v", "DOUBLE"),
            ("jan", "INTEGER"),
            ("feb", "INTEGER"),
        ],
    );
    catalog
}

/// A query's columns (`name TYPE`) and whether more may exist; it raises nothing.
fn read(sql: &str) -> (Vec<String>, bool) {
    let analysis = analyze_sql(sql, Dialect::DuckDb, &catalog());
    let messages: Vec<&String> = analysis.diagnostics.iter().map(|d| &d.message).collect();
    assert_eq!(messages, Vec::<&String>::new(), "{sql}");
    let output = analysis.output().unwrap();
    let columns = output
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.ty))
        .collect();
    (columns, output.open)
}

/// A query's columns, all of them known.
fn columns(sql: &str) -> Vec<String> {
    let (columns, open) = read(sql);
    assert!(!open, "{sql}: open");
    columns
}

#[test]
fn asof_joins_read_as_the_joins_they_type_as() {
    for sql in [
        "select t.user_id, p.rate from t asof join prices p on t.user_id = p.user_id and t.ts >= p.ts",
        "select t.user_id, p.rate from t asof left join prices p on t.user_id = p.user_id and t.ts >= p.ts",
        "select t.user_id, p.rate from t ASOF JOIN prices p USING (user_id, ts)",
    ] {
        assert_eq!(columns(sql), ["user_id INTEGER", "rate DECIMAL(8,4)"], "{sql}");
    }
}

#[test]
fn columns_expands_inside_expressions_and_renames_by_its_alias() {
    assert_eq!(
        columns("select min(columns(*)) from t"),
        [
            "user_id INTEGER",
            "order_id BIGINT",
            "ts TIMESTAMP",
            "price DOUBLE",
            "name VARCHAR",
            "payload JSON",
            "tags VARCHAR[]"
        ]
    );
    assert_eq!(
        columns("select columns('(.*)_id') as '\\1_key' from t"),
        ["user_key INTEGER", "order_key BIGINT"]
    );
    assert_eq!(
        columns("select max(columns('_id$')) as 'm_\\0' from t"),
        ["m_user_id INTEGER", "m_order_id BIGINT"]
    );
    assert_eq!(
        columns("select columns('id') * 2 as \"\\0_x2\" from t"),
        ["user_id_x2 INTEGER", "order_id_x2 BIGINT"]
    );
    assert_eq!(
        columns("select min(columns('id')) as m from t"),
        ["m INTEGER", "m BIGINT"]
    );
    assert_eq!(
        columns(
            "select count(columns(* exclude (payload, tags, ts))), sum(columns('price')) from t"
        ),
        [
            "user_id BIGINT",
            "order_id BIGINT",
            "price BIGINT",
            "name BIGINT",
            "price DOUBLE"
        ]
    );
}

#[test]
fn json_arrows_list_aggregate_and_json_fields_are_typed() {
    assert_eq!(
        columns("select payload->'$.a' as a, payload->>'$.a' as b, payload.a.b as c, payload['a'] as d from t"),
        ["a JSON", "b VARCHAR", "c JSON", "d JSON"]
    );
    assert_eq!(
        columns("select list_aggregate(tags, 'count') as n, list_aggregate([1, 2], 'sum') as s, list_aggr([1.5], 'avg') as a, array_aggregate(tags, 'string_agg', ',') as j from t"),
        ["n BIGINT", "s HUGEINT", "a DOUBLE", "j VARCHAR"]
    );
}

#[test]
fn a_json_arrow_and_a_columns_expression_carry_their_columns_lineage() {
    let root = std::env::temp_dir().join(format!("loupe-duckdb-forms-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("dbt_project.yml", "name: shop\nprofile: shop\n");
    write(
        "profiles.yml",
        "shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n",
    );
    write(
        "models/events.sql",
        "select 1 as user_id, '{\"a\": 1}'::json as payload, 2.5 as price, ['a', 'b']::varchar[] as tags",
    );
    write(
        "models/flat.sql",
        "select payload->'$.a' as a, columns('^p') as 'top_\\0' from {{ ref('events') }}",
    );
    write(
        "models/nearest.sql",
        "select e.user_id, f.a from {{ ref('events') }} e asof join {{ ref('flat') }} f on e.price >= f.top_price",
    );
    write(
        "models/reversed.sql",
        "select tags[::-1] as r, tags[user_id:-:2] as odd from {{ ref('events') }}",
    );
    let host = AnalysisHost::load(&root).unwrap();
    let diagnostics: Vec<String> = host.check().into_iter().map(|d| d.message).collect();
    assert_eq!(diagnostics, Vec::<String>::new());
    let lineage = host.all_lineage();
    let sources = |model: &str, column: &str| -> Vec<String> {
        let (_, edges) = lineage[model]
            .columns
            .iter()
            .find(|(name, _)| name == column)
            .unwrap_or_else(|| panic!("{model}.{column}"));
        edges
            .iter()
            .map(|e| format!("{}.{}", e.table, e.column))
            .collect()
    };
    assert_eq!(sources("flat", "a"), ["events.payload"]);
    assert_eq!(sources("flat", "top_price"), ["events.price"]);
    assert_eq!(sources("flat", "top_payload"), ["events.payload"]);
    assert_eq!(sources("nearest", "a"), ["flat.a"]);
    assert_eq!(sources("reversed", "r"), ["events.tags"]);
    assert_eq!(
        sources("reversed", "odd"),
        ["events.tags", "events.user_id"]
    );
    let compile = |model: &str| common::compile_final_gem(&host, &root, model);
    // A runnable gem is not printed from a tree that lost the ASOF.
    let compiled = compile("models/nearest.sql");
    assert!(
        compiled.as_ref().is_err_and(|e| e.contains("ASOF JOIN")),
        "{compiled:?}"
    );
    // Open slice ends print back as DuckDB reads them (`[1::2]` would be a cast).
    let compiled = compile("models/reversed.sql").unwrap();
    assert!(
        format!("{compiled:?}").contains("tags[:-:-1] AS r, tags[user_id:-:2] AS odd"),
        "{compiled:?}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_set_operation_of_bare_nulls_is_typed_by_its_later_operands() {
    assert_eq!(
        columns("select null as c union all select null union all select user_id::smallint from t"),
        ["c SMALLINT"]
    );
    assert_eq!(
        columns("select null as c union all select null union all select 1.5"),
        ["c DECIMAL(2,1)"]
    );
    // Only NULLs: typed as a lone `select null` is.
    assert_eq!(
        columns("select null as c union all select null"),
        ["c INTEGER"]
    );
}

#[test]
fn friendlier_sql_reads_as_duckdb_reads_it() {
    let all = [
        "user_id INTEGER",
        "order_id BIGINT",
        "ts TIMESTAMP",
        "price DOUBLE",
        "name VARCHAR",
        "payload JSON",
        "tags VARCHAR[]",
    ];
    // A query of only a FROM clause selects every column.
    assert_eq!(columns("from t where user_id > 0"), all);
    assert_eq!(
        columns("with a as (from t) from a union all by name from t"),
        all
    );
    assert_eq!(columns("select * from (from t where user_id > 0)"), all);
    // `**` and `^` are DuckDB's power.
    assert_eq!(
        columns("select 2 ** 3 as p, price ^ 2 as q, user_id ^ 2 as r from t"),
        ["p DOUBLE", "q DOUBLE", "r DOUBLE"]
    );
    assert_eq!(
        columns("select name glob 'a*' as g, name not glob 'b*' as ng from t"),
        ["g BOOLEAN", "ng BOOLEAN"]
    );
    assert_eq!(
        columns("select avg(user_id) filter (user_id > 1) as a, count(*) filter (price > 1) as n from t"),
        ["a DOUBLE", "n BIGINT"]
    );
    for sampled in [
        "select user_id from t limit 50%",
        "select user_id from t limit 10 percent offset 1",
        "select user_id from t using sample 50%",
        "select user_id from t tablesample 10%",
        "select user_id from t as x using sample reservoir(50 rows) repeatable (100)",
        "select user_id from t using sample 10 percent (bernoulli)",
    ] {
        assert_eq!(columns(sampled), ["user_id INTEGER"], "{sampled}");
    }
    // An aliased one-column table function: the alias names the column, and
    // the function's own name still finds it.
    assert_eq!(
        columns("select i.generate_series as g, i.* from generate_series(1, 3) as i"),
        ["g BIGINT", "i BIGINT"]
    );
    assert_eq!(
        columns("select r.range as v, r.* from range(3) r"),
        ["v BIGINT", "r BIGINT"]
    );
    // `list_reverse(l)` is the macro `l[:-:-1]`.
    assert_eq!(
        columns("select list_reverse(tags) as r, array_reverse(tags) as a from t"),
        ["r VARCHAR[]", "a VARCHAR[]"]
    );
}

#[test]
fn list_slices_with_an_open_end_and_a_step_are_read() {
    // DuckDB 2.0.1: `[1,2,3][::-1]` is [3, 2, 1]; `-` as a bound is the end;
    // `[1::2]` is a cast, not a slice.
    assert_eq!(
        columns(
            "select tags[::-1] as a, tags[:-:-1] as b, tags[ : : -1] as c, \
             tags[2:-:2] as d, tags[:user_id:2] as e, tags[user_id::int] as f from t"
        ),
        [
            "a VARCHAR[]",
            "b VARCHAR[]",
            "c VARCHAR[]",
            "d VARCHAR[]",
            "e VARCHAR[]",
            "f VARCHAR"
        ]
    );
    // A misspelled column in the step is still found.
    let analysis = analyze_sql("select tags[::step] from t", Dialect::DuckDb, &catalog());
    let codes: Vec<_> = analysis.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [loupe_analysis::diagnostics::Code::UnknownColumn]);
}

#[test]
fn a_column_read_by_reference_is_named_as_its_relation_defines_it() {
    assert_eq!(
        columns("select order_id, STATUS, m.order_id as o, m.status from mixed m"),
        [
            "Order_ID INTEGER",
            "Status VARCHAR",
            "o INTEGER",
            "Status VARCHAR"
        ]
    );
    // Through a CTE, and merged by USING.
    assert_eq!(
        columns(
            "with c as (select * from mixed) select order_id from c join mixed using (order_id)"
        ),
        ["Order_ID INTEGER"]
    );
}

#[test]
fn unnest_of_a_struct_in_a_select_list_makes_a_column_of_each_field() {
    // DuckDB 2.0.1's DESCRIBE of each.
    assert_eq!(
        columns("select id, unnest(st) from base"),
        ["id INTEGER", "k INTEGER", "v VARCHAR"]
    );
    assert_eq!(
        columns("select unnest(st) as u, id from base"),
        ["k INTEGER", "v VARCHAR", "id INTEGER"]
    );
    assert_eq!(
        columns("select unnest(ls) from base"),
        ["unnest(ls) STRUCT(a INTEGER)"]
    );
    assert_eq!(
        columns("select unnest(ls, recursive := true) from base"),
        ["a INTEGER"]
    );
}

#[test]
fn pivot_and_unpivot_statements_read_as_duckdb_runs_them() {
    // DuckDB 2.0.1's DESCRIBE of each.
    let kept = ["id INTEGER", "jan INTEGER", "feb INTEGER"];
    assert_eq!(
        columns("pivot sales on k in ('a', 'b') using sum(v)"),
        [&kept[..], &["a DOUBLE", "b DOUBLE"]].concat()
    );
    assert_eq!(
        columns("with p as (pivot sales on k in ('a') using sum(v)) select * from p"),
        [&kept[..], &["a DOUBLE"]].concat()
    );
    let unpivoted = ["id INTEGER", "k VARCHAR", "v DOUBLE"];
    assert_eq!(
        columns("unpivot sales on jan, feb into name month value amount"),
        [&unpivoted[..], &["month VARCHAR", "amount INTEGER"]].concat()
    );
    assert_eq!(
        columns("unpivot sales on jan, feb"),
        [&unpivoted[..], &["name VARCHAR", "value INTEGER"]].concat()
    );
    // Values only the data holds: no error, and columns not known before it runs.
    let (_, open) = read("pivot sales on k using sum(v) group by id");
    assert!(open);
}
