//! What an unknown column's message suggests: for `t.x`, the alias that
//! hides table `t`, the relation that has `x` when `t` lacks it, or a
//! column of `t` close to `x`; never the name that was written.

use loupe_analysis::loose::{analyze_sql, TableCatalog};
use loupe_analysis::schema::{Column, RelationSchema};
use loupe_analysis::syntax::Dialect;
use loupe_analysis::types::SqlType;

fn messages(sql: &str) -> Vec<String> {
    let mut catalog = TableCatalog::default();
    let table = |names: &[&str]| {
        RelationSchema::closed(
            names
                .iter()
                .map(|n| Column::new(*n, SqlType::Integer))
                .collect(),
        )
    };
    catalog.insert(
        "invoices",
        table(&["invoice_id", "subscription_id", "amount"]),
    );
    catalog.insert("subscriptions", table(&["subscription", "account_id"]));
    catalog.insert("account_w_arr", table(&["account_sfid", "arr"]));
    analyze_sql(sql, Dialect::Snowflake, &catalog)
        .diagnostics
        .into_iter()
        .map(|d| d.message)
        .collect()
}

#[test]
fn a_qualified_column_another_relation_has_names_that_relation() {
    assert_eq!(
        messages("select i.subscription from invoices i join subscriptions s on s.account_id = i.invoice_id"),
        ["unknown column `i.subscription`; `s.subscription` has it"]
    );
}

#[test]
fn a_table_name_hidden_by_its_alias_names_the_alias() {
    assert_eq!(
        messages("select account_w_arr.account_sfid from account_w_arr arr"),
        ["unknown column `account_w_arr.account_sfid`: no relation named `account_w_arr` in scope; `account_w_arr` is aliased `arr` here: write `arr.account_sfid`"]
    );
}

#[test]
fn a_misspelt_qualified_column_is_matched_against_its_relation() {
    assert_eq!(
        messages(
            "select i.ammount from invoices i join subscriptions s on s.account_id = i.invoice_id"
        ),
        ["unknown column `i.ammount`; did you mean `amount`?"]
    );
}

/// A field a struct of known fields lacks: DuckDB ("Could not find key"),
/// Spark ("No such struct field") and BigQuery stop there.
#[test]
fn a_field_a_known_struct_lacks_is_unknown() {
    let struct_messages = |dialect: Dialect, sql: &str| -> Vec<String> {
        let mut catalog = TableCatalog::default();
        let address = SqlType::Struct(vec![
            ("city".into(), SqlType::Varchar),
            ("zip".into(), SqlType::Varchar),
        ]);
        catalog.insert(
            "customers",
            RelationSchema::closed(vec![
                Column::new("id", SqlType::Integer),
                Column::new("address", address),
                Column::new("payload", SqlType::Json),
            ]),
        );
        analyze_sql(sql, dialect, &catalog)
            .diagnostics
            .into_iter()
            .map(|d| d.message)
            .collect()
    };
    for dialect in [Dialect::DuckDb, Dialect::Databricks, Dialect::BigQuery] {
        assert_eq!(
            struct_messages(dialect, "select address.cty from customers"),
            ["struct `address` has no field `cty`: its fields are city, zip; did you mean `city`?"],
            "{dialect:?}"
        );
        assert_eq!(
            struct_messages(dialect, "select c.address.country from customers c"),
            ["struct `c.address` has no field `country`: its fields are city, zip"],
            "{dialect:?}"
        );
        // Fields it has, in any case, and JSON paths, which have no fixed fields.
        assert_eq!(
            struct_messages(
                dialect,
                "select address.City, c.address.zip, payload.anything from customers c"
            ),
            Vec::<String>::new(),
            "{dialect:?}"
        );
    }
}
