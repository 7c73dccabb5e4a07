//! The not-grouped check (L008) on grouped expressions: a column outside an
//! aggregate must be grouped, alone or inside an expression that is grouped
//! as a whole.

use loupe_analysis::diagnostics::Code;
use loupe_analysis::loose::{analyze_sql, TableCatalog};
use loupe_analysis::schema::{Column, RelationSchema};
use loupe_analysis::syntax::Dialect;
use loupe_analysis::types::SqlType;

/// The messages of the not-grouped diagnostics of `sql` over
/// `orders(id, customer, amount, placed_at)`.
fn not_grouped(sql: &str) -> Vec<String> {
    let mut catalog = TableCatalog::default();
    catalog.insert(
        "orders",
        RelationSchema::closed(vec![
            Column::new("id", SqlType::Integer),
            Column::new("customer", SqlType::Varchar),
            Column::new("amount", SqlType::Double),
            Column::new("placed_at", SqlType::Timestamp),
        ]),
    );
    analyze_sql(sql, Dialect::DuckDb, &catalog)
        .diagnostics
        .into_iter()
        .filter(|d| d.code == Code::NotGrouped)
        .map(|d| d.message)
        .collect()
}

#[test]
fn an_expression_grouped_as_a_whole_is_grouped() {
    for sql in [
        "select upper(customer), count(*) from orders group by upper(customer)",
        "select UPPER( Customer ) as c, count(*) from orders group by upper(customer)",
        "select date_trunc('month', placed_at), sum(amount) from orders group by date_trunc('month', placed_at)",
        "select (amount + id) * 2, count(*) from orders group by amount + id",
        "select case when amount > 10 then 'big' else 'small' end, count(*) from orders group by case when amount > 10 then 'big' else 'small' end",
        "select upper(customer), count(*) from orders group by 1",
        "select amount is null, count(*) from orders group by amount is null",
        "select coalesce(customer, 'none') as c, count(*) from orders group by c",
    ] {
        assert_eq!(not_grouped(sql), Vec::<String>::new(), "{sql}");
    }
}

#[test]
fn an_expression_of_grouped_columns_is_grouped() {
    for sql in [
        "select upper(customer), count(*) from orders group by customer",
        "select customer || '!' , count(*) from orders group by customer",
        "select id + 1, customer, count(*) from orders group by id, customer",
    ] {
        assert_eq!(not_grouped(sql), Vec::<String>::new(), "{sql}");
    }
}

#[test]
fn a_column_outside_the_grouped_expression_is_reported() {
    for (sql, column) in [
        // Grouped by names only: the call is not grouped as a whole.
        (
            "select upper(amount::varchar), count(*) from orders group by customer",
            "amount",
        ),
        // Grouped by a call: another call of the same column is not it.
        (
            "select lower(customer), count(*) from orders group by upper(customer)",
            "customer",
        ),
        (
            "select amount + id, count(*) from orders group by amount + 1",
            "amount",
        ),
    ] {
        let found = not_grouped(sql);
        assert!(
            found.iter().any(|m| m.contains(column)),
            "{sql}: expected `{column}` not grouped, got {found:?}"
        );
    }
}

#[test]
fn an_alias_grouped_over_a_relation_of_unknown_columns_groups_its_expression() {
    // A model over one whose SQL came from `dbt_utils.star` of a relation of
    // unknown columns: it has the columns it names and maybe more.
    // `received_at_date` is the select item's alias (the relation might hold
    // such a column, but valid SQL would then not select
    // `cast(received_at as date)` ungrouped).
    let mut catalog = TableCatalog::default();
    let mut tracks = RelationSchema::closed(vec![
        Column::new("id", SqlType::Varchar),
        Column::new("event_name", SqlType::Varchar),
        Column::new("received_at", SqlType::Timestamp),
    ]);
    tracks.open = true;
    catalog.insert("tracks", tracks);
    let sql = "select cast(received_at as date) as received_at_date, event_name, count(distinct id) as n\nfrom tracks\ngroup by received_at_date, event_name\norder by received_at_date";
    let found: Vec<String> = analyze_sql(sql, Dialect::Snowflake, &catalog)
        .diagnostics
        .into_iter()
        .map(|d| d.message)
        .collect();
    assert_eq!(found, Vec::<String>::new());
    // A known column of that name is still what the engines group.
    assert_eq!(
        not_grouped("select upper(customer) as id, count(*) from orders group by id"),
        ["column `customer` must appear in the GROUP BY clause or be used in an aggregate function"]
    );
}

/// `GROUP BY n` counts the select list's columns after `*` is expanded, as
/// the engines do (dbt_utils' `test_groupby` model: `select *, count(*) ...
/// group by 1, 2`, which PostgreSQL and DuckDB run).
#[test]
fn positions_after_a_star_count_its_columns() {
    for sql in [
        "select *, count(*) from orders group by 1, 2, 3, 4",
        "select *, count(*) from orders group by 4, 3, 2, 1",
        "select 1 as k, *, count(*) from orders group by 1, 2, 3, 4, 5",
        "select * from orders group by 1, 2, 3, 4",
        "select upper(customer) as c, orders.*, count(*) from orders group by 2, 3, 4, 5",
        "select *, upper(customer) as c, count(*) from orders group by 1, 2, 3, 4, 5",
        // A `*` that drops columns: the positions are not counted, nothing is reported.
        "select * exclude (amount), count(*) from orders group by 1, 2, 3",
    ] {
        assert_eq!(not_grouped(sql), Vec::<String>::new(), "{sql}");
    }
    assert_eq!(
        not_grouped("select *, count(*) from orders group by 1, 2, 3"),
        ["`*` includes column `placed_at`, which is neither grouped nor aggregated"]
    );
    assert_eq!(
        not_grouped("select *, upper(customer) as c, count(*) from orders group by 1, 2, 3, 5"),
        ["`*` includes column `placed_at`, which is neither grouped nor aggregated"]
    );
}
