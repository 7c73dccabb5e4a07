//! Lambdas and the higher-order functions that take them: parameters bound
//! to the other arguments' parts, the call typed from the body, the body's
//! columns checked and traced. The DuckDB cases are DuckDB 2.0.1's
//! `DESCRIBE` of each query (Python) over the table below; the Spark cases
//! are the types pyspark 4.3's analyzer gives the same calls.

use loupe_analysis::loose::{analyze_sql, SqlAnalysis, TableCatalog};
use loupe_analysis::schema::{Column, RelationSchema};
use loupe_analysis::syntax::{parsers_agree, Dialect};
use loupe_analysis::types::parse_type;

const DUCKDB_TABLE: &[(&str, &str)] = &[
    ("xs", "INTEGER[]"),
    ("ss", "VARCHAR[]"),
    ("kvs", "STRUCT(k VARCHAR, v DECIMAL(2,1))[]"),
    ("nest", "INTEGER[][]"),
    ("ds", "DECIMAL(4,1)[]"),
    ("g", "INTEGER"),
    ("h", "INTEGER"),
];

const SPARK_TABLE: &[(&str, &str)] = &[
    ("xs", "ARRAY<INT>"),
    ("ss", "ARRAY<STRING>"),
    ("kvs", "ARRAY<STRUCT<k: STRING, v: DECIMAL(4,1)>>"),
    ("m", "MAP<STRING, INT>"),
    ("m2", "MAP<STRING, DOUBLE>"),
    ("ds", "ARRAY<DECIMAL(4,1)>"),
    ("g", "INT"),
    ("b", "BIGINT"),
];

fn analyze(sql: &str, dialect: Dialect, table: &[(&str, &str)]) -> SqlAnalysis {
    let mut catalog = TableCatalog::default();
    let columns = table
        .iter()
        .map(|(name, ty)| {
            let ty = match dialect {
                Dialect::Databricks => loupe_analysis::types::spark::parse_spark_type(ty),
                _ => parse_type(ty),
            };
            Column::new(*name, ty)
        })
        .collect();
    catalog.insert("t", RelationSchema::closed(columns));
    analyze_sql(sql, dialect, &catalog)
}

/// The type of `expr` selected from the table, with no diagnostic.
fn type_of(expr: &str, dialect: Dialect, table: &[(&str, &str)]) -> String {
    let sql = format!("select {expr} as c from t");
    let analysis = analyze(&sql, dialect, table);
    let messages: Vec<&String> = analysis.diagnostics.iter().map(|d| &d.message).collect();
    assert_eq!(messages, Vec::<&String>::new(), "{sql}");
    let output = analysis.output().unwrap();
    match dialect {
        Dialect::Databricks => loupe_analysis::types::spark::spark_type_name(&output.columns[0].ty),
        _ => output.columns[0].ty.to_string(),
    }
}

fn messages(sql: &str) -> Vec<String> {
    analyze(sql, Dialect::DuckDb, DUCKDB_TABLE)
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect()
}

#[test]
fn duckdb_types_a_lambda_call_by_its_body() {
    for (expr, expected) in [
        ("list_transform(xs, lambda x: x::varchar)", "VARCHAR[]"),
        ("list_transform(xs, lambda x, i: x + i)", "BIGINT[]"),
        ("list_transform(kvs, lambda kv: kv.v)", "DECIMAL(2,1)[]"),
        ("list_transform(kvs, lambda kv: kv.k || 'x')", "VARCHAR[]"),
        ("list_transform(nest, lambda n: len(n))", "BIGINT[]"),
        (
            "list_transform(nest, lambda n: list_transform(n, lambda m: m * 1.5))",
            "DECIMAL(12,1)[][]",
        ),
        ("list_transform(ds, lambda d: d * 2)", "DECIMAL(14,1)[]"),
        ("list_transform(xs, lambda x: [x])", "INTEGER[][]"),
        (
            "list_transform(xs, lambda x: {'a': x})",
            "STRUCT(a INTEGER)[]",
        ),
        ("list_transform(xs, lambda x: x + len(ss))", "BIGINT[]"),
        ("apply(xs, lambda x: x > 1)", "BOOLEAN[]"),
        ("list_filter(xs, lambda x, i: i > 1)", "INTEGER[]"),
        ("filter(ss, lambda s: s = 'a')", "VARCHAR[]"),
        ("list_reduce(xs, lambda a, b: a + b)", "INTEGER"),
        ("list_reduce(xs, lambda a, b: a + b, 0::bigint)", "BIGINT"),
        ("list_reduce(xs, lambda a, b, i: a + b + i)", "BIGINT"),
        (
            "list_reduce(xs, lambda a, b: a::varchar || b::varchar, '')",
            "VARCHAR",
        ),
        ("list_reduce(ds, lambda a, b: a + b)", "DECIMAL(5,1)"),
        // A parameter hides the column of its name.
        ("list_transform(xs, lambda g: g * 2)", "INTEGER[]"),
        // The arrow form older DuckDB versions read.
        ("list_transform(xs, x -> x::varchar)", "VARCHAR[]"),
    ] {
        assert_eq!(
            type_of(expr, Dialect::DuckDb, DUCKDB_TABLE),
            expected,
            "{expr}"
        );
    }
}

#[test]
fn duckdb_list_comprehensions_read_as_duckdb_reads_them() {
    for (expr, expected) in [
        ("[x * 2 for x in xs]", "INTEGER[]"),
        ("[x for x in xs if x > 1 and x < 3]", "INTEGER[]"),
        ("[upper(s) || 'for' for s in ss]", "VARCHAR[]"),
        ("[[y * 2 for y in n] for n in nest]", "INTEGER[][]"),
        (
            "[{'v': x, 'g': g} for x in xs]",
            "STRUCT(v INTEGER, g INTEGER)[]",
        ),
        ("[x.v for x in kvs]", "DECIMAL(2,1)[]"),
        ("[x FOR x IN xs IF x <> h]", "INTEGER[]"),
        ("len([x for x in xs])", "BIGINT"),
        // Lists that are no comprehension.
        ("['for', 'x']", "VARCHAR[]"),
        ("[[1, 2], [3]]", "INTEGER[][]"),
    ] {
        assert_eq!(
            type_of(expr, Dialect::DuckDb, DUCKDB_TABLE),
            expected,
            "{expr}"
        );
        // Loupe's parser reads what sqlparser reads as sqlparser does, and more.
        let sql = format!("select {expr} as c from t");
        assert_eq!(parsers_agree(&sql, Dialect::DuckDb), Ok(()), "{sql}");
    }
}

#[test]
fn spark_types_a_lambda_call_by_its_body() {
    for (expr, expected) in [
        ("transform(xs, x -> x + 1)", "ARRAY<INT>"),
        ("transform(xs, x -> cast(x as string))", "ARRAY<STRING>"),
        ("transform(xs, (x, i) -> x + i)", "ARRAY<INT>"),
        ("transform(kvs, kv -> kv.v)", "ARRAY<DECIMAL(4,1)>"),
        ("transform(ds, d -> d * 2)", "ARRAY<DECIMAL(6,1)>"),
        ("transform(xs, x -> x + b)", "ARRAY<BIGINT>"),
        (
            "transform(xs, x -> named_struct('a', x, 'g', g))",
            "ARRAY<STRUCT<a: INT, g: INT>>",
        ),
        ("transform(xs, x -> array(x))", "ARRAY<ARRAY<INT>>"),
        ("filter(xs, (x, i) -> i > 0)", "ARRAY<INT>"),
        ("exists(xs, x -> x > 1)", "BOOLEAN"),
        ("aggregate(xs, 0L, (acc, x) -> acc + x)", "BIGINT"),
        (
            "aggregate(xs, 0, (acc, x) -> acc + x, acc -> acc * 10.5)",
            "DECIMAL(14,1)",
        ),
        ("zip_with(xs, ss, (x, s) -> concat(s, x))", "ARRAY<STRING>"),
        ("map_filter(m, (k, v) -> v > 1)", "MAP<STRING, INT>"),
        ("transform_keys(m, (k, v) -> upper(k))", "MAP<STRING, INT>"),
        (
            "transform_values(m, (k, v) -> v * 1.5)",
            "MAP<STRING, DECIMAL(13,1)>",
        ),
        (
            "map_zip_with(m, m2, (k, v1, v2) -> v1 + v2)",
            "MAP<STRING, DOUBLE>",
        ),
        (
            "transform(transform(xs, x -> x * 2), y -> y + 0.5)",
            "ARRAY<DECIMAL(12,1)>",
        ),
        (
            "transform(xs, x -> transform(ss, s -> length(s) + x))",
            "ARRAY<ARRAY<INT>>",
        ),
    ] {
        assert_eq!(
            type_of(expr, Dialect::Databricks, SPARK_TABLE),
            expected,
            "{expr}"
        );
    }
}

#[test]
fn a_lambda_body_reads_columns_as_its_query_does() {
    // Found: the query's columns, its earlier aliases, grouped columns.
    for sql in [
        "select list_transform(xs, lambda x: x + g) from t",
        "select 10 as k, list_transform(xs, lambda x: x + k) as v from t",
        "select g, list_transform(max(xs), lambda x: x + g) from t group by g",
        "select [x for x in xs if x > h] from t",
    ] {
        assert_eq!(messages(sql), Vec::<String>::new(), "{sql}");
    }
    // As DuckDB answers: an unknown name, an ungrouped column.
    assert_eq!(
        messages("select list_transform(xs, lambda x: x + nope) from t"),
        ["unknown column `nope`"]
    );
    assert_eq!(
        messages("select list_transform(max(xs), lambda x: x + g) from t"),
        ["column `g` must appear in the GROUP BY clause or be used in an aggregate function"]
    );
}

#[test]
fn lineage_runs_through_lambda_bodies_and_struct_literals() {
    let sources = |expr: &str| -> Vec<String> {
        let sql = format!("select {expr} as c from t");
        let analysis = analyze(&sql, Dialect::DuckDb, DUCKDB_TABLE);
        let output = analysis.output().unwrap();
        output.columns[0]
            .lineage
            .iter()
            .map(|e| e.column.to_string())
            .collect()
    };
    assert_eq!(sources("list_transform(xs, lambda x: x + g)"), ["xs", "g"]);
    assert_eq!(sources("[x for x in xs if x > h]"), ["xs", "h"]);
    assert_eq!(sources("{'v': xs, 'g': g}"), ["xs", "g"]);
    assert_eq!(sources("map {'k': g}"), ["g"]);
}
