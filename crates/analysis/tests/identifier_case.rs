//! Qualifiers and columns compare as DuckDB compares identifiers: ASCII
//! letters without regard to case, every other letter exactly (`ÄBC` names
//! `Äbc`, `äbc` does not). Each case below was run on DuckDB 2.0.1 (Python).

use loupe_analysis::loose::{analyze_sql, TableCatalog};
use loupe_analysis::schema::{Column, RelationSchema};
use loupe_analysis::syntax::Dialect;
use loupe_analysis::types::SqlType;

/// The messages of every diagnostic of `sql` over a table `Tàble(x)`.
fn diagnostics(sql: &str) -> Vec<String> {
    let mut catalog = TableCatalog::default();
    catalog.insert(
        "tàble",
        RelationSchema::closed(vec![Column::new("x", SqlType::Integer)]),
    );
    analyze_sql(sql, Dialect::DuckDb, &catalog)
        .diagnostics
        .into_iter()
        .map(|d| d.message)
        .collect()
}

#[test]
fn qualifiers_outside_ascii_name_their_relation_as_duckdb_binds_them() {
    for sql in [
        "select Äbc.x, ÄBC.x as y from (select 1 as x) Äbc",
        "select ÄBC.x from (select 1 as x) Äbc",
        "select Äbc.* from (select 1 as x) Äbc",
        "select ÄBC.* from (select 1 as x) Äbc",
        "select ÄBC.x, count(*) from (select 1 as x) Äbc group by Äbc.x",
        "select Straße.x from (select 1 as x) Straße",
        "select tàble.x from Tàble",
        "select t.größe from (select 1 as Größe) t",
        "select Größe from (select 1 as größe) t",
    ] {
        assert_eq!(diagnostics(sql), Vec::<String>::new(), "{sql}");
    }
}

#[test]
fn qualifiers_differing_in_a_letter_outside_ascii_name_nothing() {
    for (sql, reported) in [
        ("select äbc.x from (select 1 as x) Äbc", "`äbc`"),
        ("select äbc.* from (select 1 as x) Äbc", "`äbc`"),
        ("select STRASSE.x from (select 1 as x) Straße", "`STRASSE`"),
        ("select TÀBLE.x from Tàble", "`TÀBLE`"),
        ("select t.GRÖßE from (select 1 as Größe) t", "`t.GRÖßE`"),
    ] {
        let found = diagnostics(sql);
        assert!(
            found.len() == 1 && found[0].contains(reported),
            "{sql}: {found:?}"
        );
    }
}
