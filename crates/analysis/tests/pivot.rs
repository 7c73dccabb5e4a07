//! PIVOT and UNPIVOT produce the columns the engine produces. The DuckDB
//! cases are DuckDB 2.0.1's `DESCRIBE` of each query (Python) over
//! `t(id INTEGER, fam VARCHAR, price DECIMAL(10,2), qty INTEGER)`.

use loupe_analysis::loose::{analyze_sql, TableCatalog};
use loupe_analysis::schema::{Column, RelationSchema};
use loupe_analysis::syntax::Dialect;
use loupe_analysis::types::SqlType;

/// The table `t` of every case.
fn catalog() -> TableCatalog {
    let mut catalog = TableCatalog::default();
    catalog.insert(
        "t",
        RelationSchema::closed(vec![
            Column::new("id", SqlType::Integer),
            Column::new("fam", SqlType::Varchar),
            Column::new("price", SqlType::Decimal(10, 2)),
            Column::new("qty", SqlType::Integer),
        ]),
    );
    catalog
}

/// `name TYPE` of each result column of `sql`, types as `dialect` names them.
fn columns(sql: &str, dialect: Dialect) -> Vec<String> {
    let analysis = analyze_sql(sql, dialect, &catalog());
    assert_eq!(
        analysis
            .diagnostics
            .iter()
            .map(|d| &d.message)
            .collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "{sql}"
    );
    let output = analysis.output().unwrap();
    assert!(!output.open, "{sql}: {output:?}");
    output
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.ty.shown_in(dialect)))
        .collect()
}

#[test]
fn pivot_columns_are_named_and_typed_as_duckdb_names_and_types_them() {
    for (sql, expected) in [
        (
            "select * from t pivot (sum(price) for fam in ('a', 'b'))",
            &[
                "id INTEGER",
                "qty INTEGER",
                "a DECIMAL(38,2)",
                "b DECIMAL(38,2)",
            ][..],
        ),
        (
            "select * from t pivot (sum(price) as total for fam in ('a', 'b'))",
            &[
                "id INTEGER",
                "qty INTEGER",
                "a_total DECIMAL(38,2)",
                "b_total DECIMAL(38,2)",
            ],
        ),
        (
            "select * from t pivot (sum(price) as total, count(*) as n for fam in ('a', 'b'))",
            &[
                "id INTEGER",
                "qty INTEGER",
                "a_total DECIMAL(38,2)",
                "a_n BIGINT",
                "b_total DECIMAL(38,2)",
                "b_n BIGINT",
            ],
        ),
        (
            "select * from t pivot (sum(price), max(qty) for fam in ('a', 'b'))",
            &[
                "id INTEGER",
                "a_sum(price) DECIMAL(38,2)",
                "a_max(qty) INTEGER",
                "b_sum(price) DECIMAL(38,2)",
                "b_max(qty) INTEGER",
            ],
        ),
        (
            "select * from t pivot (sum(price) for fam in ('a' as aa, 'b'))",
            &[
                "id INTEGER",
                "qty INTEGER",
                "aa DECIMAL(38,2)",
                "b DECIMAL(38,2)",
            ],
        ),
        (
            "select * from t pivot (sum(price) for fam in ('a', 'b')) as p (x, y, z)",
            &[
                "x INTEGER",
                "y INTEGER",
                "z DECIMAL(38,2)",
                "b DECIMAL(38,2)",
            ],
        ),
        (
            "select * from (select id, fam, price from t) pivot (sum(price) for fam in ('a', 'b'))",
            &["id INTEGER", "a DECIMAL(38,2)", "b DECIMAL(38,2)"],
        ),
        (
            "select * from t pivot (sum(price) for fam in (1, 2))",
            &[
                "id INTEGER",
                "qty INTEGER",
                "1 DECIMAL(38,2)",
                "2 DECIMAL(38,2)",
            ],
        ),
        (
            "select * from t pivot (sum(price) for (fam, qty) in (('a', 3), ('b', 4)))",
            &["id INTEGER", "a_3 DECIMAL(38,2)", "b_4 DECIMAL(38,2)"],
        ),
        (
            "select p.id, p.a from t pivot (sum(price) for fam in ('a', 'b')) as p",
            &["id INTEGER", "a DECIMAL(38,2)"],
        ),
        (
            "select * from t unpivot (val for col in (price, qty))",
            &[
                "id INTEGER",
                "fam VARCHAR",
                "col VARCHAR",
                "val DECIMAL(12,2)",
            ],
        ),
        (
            "select * from (select id, price, qty from t) unpivot (val for col in (price, qty))",
            &["id INTEGER", "col VARCHAR", "val DECIMAL(12,2)"],
        ),
    ] {
        assert_eq!(columns(sql, Dialect::DuckDb), expected, "{sql}");
    }
}

#[test]
fn snowflake_names_a_pivoted_string_with_its_quotes() {
    assert_eq!(
        columns(
            "select * from (select id, fam, qty from t) pivot (sum(qty) for fam in ('a', 'b')) as p",
            Dialect::Snowflake
        ),
        ["id NUMBER(38,0)", "'a' NUMBER(38,0)", "'b' NUMBER(38,0)"]
    );
    assert_eq!(
        columns(
            "select * from (select id, fam, qty from t) pivot (sum(qty) for fam in ('a', 'b')) as p (id, a_qty, b_qty)",
            Dialect::Snowflake
        ),
        ["id NUMBER(38,0)", "a_qty NUMBER(38,0)", "b_qty NUMBER(38,0)"]
    );
}

/// Spark's `ResolvePivot`: one aggregate names its columns by the values
/// alone, alias or not; several add their names.
#[test]
fn spark_names_a_single_aggregate_by_its_values_alone() {
    assert_eq!(
        columns(
            "select * from t pivot (sum(qty) as total for fam in ('a' as aa, 'b'))",
            Dialect::Databricks
        ),
        ["id INT", "price DECIMAL(10,2)", "aa BIGINT", "b BIGINT"]
    );
    assert_eq!(
        columns(
            "select * from t pivot (sum(qty) as total, count(1) as n for fam in ('a', 'b'))",
            Dialect::Databricks
        ),
        [
            "id INT",
            "price DECIMAL(10,2)",
            "a_total BIGINT",
            "a_n BIGINT",
            "b_total BIGINT",
            "b_n BIGINT"
        ]
    );
}

#[test]
fn a_pivot_over_values_known_only_to_the_warehouse_is_left_open() {
    let analysis = analyze_sql(
        "select * from t pivot (count(*) for fam in (any order by fam))",
        Dialect::Snowflake,
        &catalog(),
    );
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    assert!(analysis.output().unwrap().open);
}
