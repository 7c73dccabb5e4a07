//! UNNEST in FROM binds its element as engines bind it. The DuckDB cases
//! are DuckDB 2.0.1's `DESCRIBE` of each query (Python) over
//! `t(params STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value INTEGER))[], d DATE)`;
//! the BigQuery cases are GA4 export queries as BigQuery's documentation
//! and GA4 projects write them.

use loupe_analysis::loose::{analyze_sql, TableCatalog};
use loupe_analysis::schema::{Column, RelationSchema};
use loupe_analysis::syntax::Dialect;
use loupe_analysis::types::{parse_type, SqlType};

fn columns(sql: &str, dialect: Dialect) -> Vec<String> {
    let mut catalog = TableCatalog::default();
    catalog.insert(
        "t",
        RelationSchema::closed(vec![
            Column::new(
                "params",
                parse_type(
                    "STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value INTEGER))[]",
                ),
            ),
            Column::new("d", SqlType::Date),
            Column::new("ids", parse_type("INTEGER[]")),
        ]),
    );
    let analysis = analyze_sql(sql, dialect, &catalog);
    let messages: Vec<&String> = analysis.diagnostics.iter().map(|d| &d.message).collect();
    assert_eq!(messages, Vec::<&String>::new(), "{sql}");
    analysis
        .output()
        .unwrap()
        .columns
        .iter()
        .map(|c| format!("{} {}", c.name, c.ty))
        .collect()
}

#[test]
fn an_unnest_alias_names_its_element_as_duckdb_binds_it() {
    for (sql, expected) in [
        ("select x from t, unnest(t.ids) as x", &["x INTEGER"][..]),
        ("select * from t, unnest(t.ids) as u", &["params STRUCT(\"key\" VARCHAR, \"value\" STRUCT(string_value VARCHAR, int_value INTEGER))[]", "d DATE", "ids INTEGER[]", "u INTEGER"]),
        (
            "select ep.key, ep.value.int_value from t, unnest(t.params) as ep",
            &["key VARCHAR", "int_value INTEGER"],
        ),
        ("select x from t, unnest(t.ids) as u(x)", &["x INTEGER"]),
        ("select * from range(3) as r", &["r BIGINT"]),
        ("select * from t, unnest(t.ids)", &["params STRUCT(\"key\" VARCHAR, \"value\" STRUCT(string_value VARCHAR, int_value INTEGER))[]", "d DATE", "ids INTEGER[]", "unnest INTEGER"]),
    ] {
        assert_eq!(columns(sql, Dialect::DuckDb), expected, "{sql}");
    }
}

/// Names only: BigQuery's date functions are not all typed.
#[test]
fn bigquery_reads_an_array_of_structs_as_a_table_of_their_fields() {
    for (sql, expected) in [
        (
            "select key, value.int_value from t, unnest(t.params)",
            &["key", "int_value"][..],
        ),
        (
            "select (select value.string_value from unnest(params) where key = 'page_location') as page from t",
            &["page"],
        ),
        (
            "select ep.key from t cross join unnest(t.params) as ep where ep.value.int_value > 0",
            &["key"],
        ),
        (
            "select position, x from t, unnest(t.ids) as x with offset as position",
            &["position", "x"],
        ),
        (
            "select date_trunc(d, month) as m, date_diff(d, d, day) as n, last_day(d, month) as l from t",
            &["m", "n", "l"],
        ),
    ] {
        let found = columns(sql, Dialect::BigQuery);
        let names: Vec<&str> = found.iter().map(|c| c.split(' ').next().unwrap()).collect();
        assert_eq!(names, expected, "{sql}");
    }
}
