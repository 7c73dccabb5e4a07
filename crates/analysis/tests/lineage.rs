//! Column lineage in the user's terms: a statement and the edges it must give.

use std::path::PathBuf;

use loupe_analysis::host::AnalysisHost;
use loupe_analysis::lineage::{statement_edges, EdgeKind, UnaliasedNames};
use loupe_analysis::loose::{analyze_sql, TableCatalog};
use loupe_analysis::model;
use loupe_analysis::syntax::Dialect;

fn catalog() -> TableCatalog {
    TableCatalog::from_json(
        r#"{"tables": {
            "orders": [["id", "INTEGER"], ["customer_id", "INTEGER"], ["amount", "DECIMAL(10,2)"], ["status", "VARCHAR"]],
            "customers": [["id", "INTEGER"], ["name", "VARCHAR"], ["region", "VARCHAR"]],
            "analytics.summary": [["customer", "VARCHAR"], ["total", "DECIMAL(38,2)"]]
        }}"#,
    )
    .unwrap()
}

/// `target_table.target_column <- source_table.source_column (kind)`, sorted.
fn edges(sql: &str, indirect: bool) -> Vec<String> {
    edges_in(sql, Dialect::DuckDb, indirect)
}

/// As `edges`, in `dialect`; `?` stands for a relation Loupe cannot tell.
fn edges_in(sql: &str, dialect: Dialect, indirect: bool) -> Vec<String> {
    let analysis = analyze_sql(sql, dialect, &catalog());
    assert!(
        !analysis.statements.is_empty(),
        "parses: {:?}",
        analysis.diagnostics
    );
    let mut out: Vec<String> = analysis
        .statements
        .iter()
        .flat_map(|s| statement_edges(s, indirect, UnaliasedNames::Positional))
        .map(|e| {
            format!(
                "{}.{} <- {}.{} ({})",
                e.target_table.as_deref().unwrap_or("-"),
                e.target_column,
                if e.source_table.is_empty() {
                    "?"
                } else {
                    &e.source_table
                },
                e.source_column,
                e.kind.as_str()
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn copies_transforms_and_aggregates_through_ctes_and_joins() {
    let got = edges(
        "with paid as (select * from orders where status = 'paid')
         select c.name, sum(p.amount) as total, p.customer_id + 1 as next_id
         from customers c join paid p on p.customer_id = c.id
         group by c.name, p.customer_id",
        false,
    );
    assert_eq!(
        got,
        [
            "-.name <- customers.name (copy)",
            "-.next_id <- orders.customer_id (transform)",
            "-.total <- orders.amount (aggregate)",
        ]
    );
}

#[test]
fn star_expands_with_a_schema_and_exclude_drops_columns() {
    let got = edges("select * exclude (status) from orders", false);
    assert_eq!(
        got,
        [
            "-.amount <- orders.amount (copy)",
            "-.customer_id <- orders.customer_id (copy)",
            "-.id <- orders.id (copy)"
        ]
    );
}

#[test]
fn star_over_an_unknown_table_resolves_named_columns_only() {
    let got = edges(
        "with t as (select * from raw.events) select t.user_id from t",
        false,
    );
    assert_eq!(got, ["-.user_id <- raw.events.user_id (copy)"]);
    // What nobody knows flows whole.
    assert_eq!(
        edges("select * from raw.events", false),
        ["-.* <- raw.events.* (copy)"]
    );
}

#[test]
fn indirect_kinds_only_on_request() {
    let sql = "select case when status = 'paid' then amount end as paid_amount,
                      row_number() over (partition by customer_id order by id) as rn,
                      count(*) filter (where status = 'open') as open_orders
               from orders group by all";
    assert_eq!(
        edges(sql, false),
        ["-.paid_amount <- orders.amount (transform)"]
    );
    let all = edges(sql, true);
    for expected in [
        "-.paid_amount <- orders.status (condition)",
        "-.rn <- orders.customer_id (window_key)",
        "-.rn <- orders.id (window_key)",
        "-.open_orders <- orders.status (filter)",
    ] {
        assert!(
            all.contains(&expected.to_string()),
            "{expected} in {all:#?}"
        );
    }
}

#[test]
fn using_joins_and_set_operations_keep_every_source() {
    let got = edges(
        "select id, name from customers join orders using (id)
         union all
         select customer_id, status from orders",
        false,
    );
    assert_eq!(
        got,
        [
            "-.id <- customers.id (copy)",
            "-.id <- orders.customer_id (copy)",
            "-.id <- orders.id (copy)",
            "-.name <- customers.name (copy)",
            "-.name <- orders.status (copy)",
        ]
    );
}

#[test]
fn insert_ctas_update_and_merge_name_the_target() {
    assert_eq!(
        edges("insert into analytics.summary select name, sum(amount) from customers join orders on orders.customer_id = customers.id group by name", false),
        ["analytics.summary.customer <- customers.name (copy)", "analytics.summary.total <- orders.amount (aggregate)"]
    );
    assert_eq!(
        edges(
            "create table big_orders as select id as order_id, amount * 2 as doubled from orders",
            false
        ),
        [
            "big_orders.doubled <- orders.amount (transform)",
            "big_orders.order_id <- orders.id (copy)"
        ]
    );
    assert_eq!(
        edges("update customers set name = upper(o.status) from orders o where o.customer_id = customers.id", false),
        ["customers.name <- orders.status (transform)"]
    );
    assert_eq!(
        edges(
            "merge into customers c using orders o on c.id = o.customer_id
             when matched then update set region = o.status
             when not matched then insert (id, name) values (o.customer_id, o.status)",
            false
        ),
        [
            "customers.id <- orders.customer_id (copy)",
            "customers.name <- orders.status (copy)",
            "customers.region <- orders.status (copy)",
        ]
    );
}

#[test]
fn lateral_aliases_and_unnamed_expressions() {
    assert_eq!(
        edges(
            "select amount * 2 as doubled, doubled + 1 as plus_one, id + customer_id from orders",
            false
        ),
        [
            "-._0 <- orders.customer_id (transform)",
            "-._0 <- orders.id (transform)",
            "-.doubled <- orders.amount (transform)",
            "-.plus_one <- orders.amount (transform)",
        ]
    );
}

#[test]
fn project_lineage_follows_gems_and_models() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/valid_project");
    let host = AnalysisHost::load(&root).unwrap();
    let up = model::upstream(
        host.db(),
        host.project(),
        "customers",
        "lifetime_value",
        None,
    )
    .unwrap();
    let names: Vec<String> = up
        .nodes
        .iter()
        .map(|n| format!("{}.{}", n.relation, n.column))
        .collect();
    assert!(
        names.contains(&"raw_payments.amount".to_string()),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.starts_with("stg_payments.")),
        "{names:?}"
    );
    let down = model::downstream(host.db(), host.project(), "raw_orders", "status", None).unwrap();
    let staged = down
        .nodes
        .iter()
        .position(|n| n.relation == "stg_orders" && n.column == "status")
        .expect("stg_orders.status");
    let link = down
        .edges
        .iter()
        .find(|e| e.from == down.root && e.to == staged)
        .expect("raw_orders.status feeds it");
    assert_eq!(link.kind, EdgeKind::Copy);
}

#[test]
fn ctes_written_before_an_insert_feed_it() {
    let got = edges(
        "with big as (select customer_id, amount from orders where amount > 100)
         insert into analytics.summary select cast(customer_id as varchar), amount from big",
        false,
    );
    assert_eq!(
        got,
        [
            "analytics.summary.customer <- orders.customer_id (transform)",
            "analytics.summary.total <- orders.amount (copy)",
        ]
    );
}

#[test]
fn a_star_over_unknown_columns_flows_as_a_wildcard() {
    let got = edges(
        "insert into archive select * from landing.raw_events",
        false,
    );
    assert_eq!(got, ["archive.* <- landing.raw_events.* (copy)"]);
}

#[test]
fn lateral_column_aliases_follow_the_dialect() {
    let sql = "select amount + 1 as total, total * 2 as doubled from orders";
    // DuckDB, Snowflake, Databricks: `total` is the alias just defined
    // (an input column of that name would win, as DuckDB does).
    for dialect in [Dialect::DuckDb, Dialect::Snowflake, Dialect::Databricks] {
        let analysis = analyze_sql(sql, dialect, &catalog());
        assert!(
            analysis.diagnostics.is_empty(),
            "{dialect:?}: {:?}",
            analysis.diagnostics
        );
        let doubled: Vec<String> =
            statement_edges(&analysis.statements[0], false, UnaliasedNames::Engine)
                .into_iter()
                .filter(|e| e.target_column == "doubled")
                .map(|e| format!("{}.{}", e.source_table, e.source_column))
                .collect();
        assert_eq!(doubled, ["orders.amount"], "{dialect:?}");
    }
    // Postgres and ANSI read `total` as a column of the input: there is none.
    // The error stands, and lineage follows the alias, the only `total` there is.
    for dialect in [Dialect::Postgres, Dialect::Generic] {
        let analysis = analyze_sql(sql, dialect, &catalog());
        assert!(
            analysis
                .diagnostics
                .iter()
                .any(|d| d.message.contains("`total`")),
            "{dialect:?}: {:?}",
            analysis.diagnostics
        );
        assert!(
            edges_in(sql, dialect, false)
                .contains(&"-.doubled <- orders.amount (transform)".into()),
            "{dialect:?}"
        );
    }
    // An input column of that name is the column, in every dialect.
    let got = edges_in(
        "select amount + 1 as status, status || '!' as shout from orders",
        Dialect::Postgres,
        false,
    );
    assert!(
        got.contains(&"-.shout <- orders.status (transform)".into()),
        "{got:?}"
    );
    // Over a relation of unknown columns the name may be the input's: it is.
    let got = edges_in(
        "select amount + 1 as total, total * 2 as doubled from landing.payments",
        Dialect::Postgres,
        false,
    );
    assert!(
        got.contains(&"-.doubled <- landing.payments.total (transform)".into()),
        "{got:?}"
    );
}

#[test]
fn a_qualified_star_lets_through_only_its_relation() {
    let got = edges(
        "insert into archive select e.* from landing.events e join landing.users u on e.user_id = u.id",
        false,
    );
    assert_eq!(got, ["archive.* <- landing.events.* (copy)"]);
    let got = edges(
        "insert into archive select e.*, u.name from landing.events e join customers u on e.user_id = u.id",
        false,
    );
    assert_eq!(
        got,
        [
            "archive.* <- landing.events.* (copy)",
            "archive.name <- customers.name (copy)",
        ]
    );
}

#[test]
fn a_table_name_hidden_by_its_alias_still_names_its_star_for_lineage() {
    let sql = "select events.* from landing.events e join landing.users u on e.user_id = u.id";
    let analysis = analyze_sql(sql, Dialect::DuckDb, &catalog());
    assert!(
        analysis
            .diagnostics
            .iter()
            .any(|d| d.message.contains("aliased `e`")),
        "{:?}",
        analysis.diagnostics
    );
    assert_eq!(edges(sql, false), ["-.* <- landing.events.* (copy)"]);
}

#[test]
fn a_column_any_of_several_unknown_relations_may_hold_has_an_unnamed_source() {
    let sql = "insert into archive select note, u.name from landing.events e join landing.users u on e.user_id = u.id";
    assert_eq!(
        edges(sql, false),
        [
            "archive.name <- landing.users.name (copy)",
            "archive.note <- ?.note (copy)",
        ]
    );
    let analysis = analyze_sql(sql, Dialect::DuckDb, &catalog());
    let json = serde_json::to_value(statement_edges(
        &analysis.statements[0],
        false,
        UnaliasedNames::Engine,
    ))
    .unwrap();
    assert!(
        json.as_array()
            .unwrap()
            .iter()
            .any(|e| e["source_table"].is_null() && e["source_column"] == "note"),
        "{json}"
    );
}

#[test]
fn update_reads_the_ctes_written_before_it() {
    let got = edges(
        "with recent as (select customer_id, amount from orders where status = 'paid')
         update analytics.summary set total = r.amount
         from recent r where r.customer_id = 1",
        false,
    );
    assert_eq!(got, ["analytics.summary.total <- orders.amount (copy)"]);
}

#[test]
fn a_tsql_update_of_an_alias_writes_the_aliased_table() {
    let sql = "update s set s.total = o.amount from analytics.summary s join orders o on o.id = 1";
    let analysis = analyze_sql(sql, Dialect::MsSql, &catalog());
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    assert_eq!(
        edges_in(sql, Dialect::MsSql, false),
        ["analytics.summary.total <- orders.amount (copy)"]
    );
}

#[test]
fn every_dialect_is_known_by_the_names_people_use() {
    for name in [
        "tsql",
        "mssql",
        "bigquery",
        "hive",
        "spark",
        "mysql",
        "oracle",
        "redshift",
        "sqlite",
        "snowflake",
        "duckdb",
        "postgres",
        "clickhouse",
        "ansi",
        "trino",
        "teradata",
    ] {
        let dialect = Dialect::from_name(name).unwrap_or_else(|| panic!("{name}"));
        let analysis = analyze_sql("select id, amount from orders", dialect, &catalog());
        assert!(
            analysis.diagnostics.is_empty(),
            "{name}: {:?}",
            analysis.diagnostics
        );
        assert_eq!(
            statement_edges(&analysis.statements[0], false, UnaliasedNames::Engine).len(),
            2,
            "{name}"
        );
    }
}

#[test]
fn unaliased_columns_take_the_engines_name_or_a_position() {
    let sql = "select sum(amount), upper(status) from orders group by status";
    let analysis = analyze_sql(sql, Dialect::DuckDb, &catalog());
    let targets = |names: UnaliasedNames| -> Vec<String> {
        statement_edges(&analysis.statements[0], false, names)
            .into_iter()
            .map(|e| e.target_column)
            .collect()
    };
    assert_eq!(
        targets(UnaliasedNames::Engine),
        ["sum(amount)", "upper(status)"]
    );
    assert_eq!(targets(UnaliasedNames::Positional), ["_0", "_1"]);
}

#[test]
fn a_table_created_by_one_statement_is_known_to_the_next() {
    let got = edges(
        "create table staging.paid as select id, amount from orders where status = 'paid';
         create view staging.paid_ids (paid_id) as select id from staging.paid;
         insert into archive select p.*, i.paid_id from staging.paid p join staging.paid_ids i on p.id = i.paid_id",
        false,
    );
    assert_eq!(
        got,
        [
            "archive.amount <- staging.paid.amount (copy)",
            "archive.id <- staging.paid.id (copy)",
            "archive.paid_id <- staging.paid_ids.paid_id (copy)",
            "staging.paid.amount <- orders.amount (copy)",
            "staging.paid.id <- orders.id (copy)",
            "staging.paid_ids.paid_id <- staging.paid.id (copy)",
        ]
    );
}

#[test]
fn statements_inside_a_procedure_give_their_lineage() {
    // A body Loupe parses.
    let got = edges_in(
        "create procedure refresh_summary() as
         begin
           insert into analytics.summary select name, 0 from customers;
         end",
        Dialect::MsSql,
        false,
    );
    assert_eq!(got, ["analytics.summary.customer <- customers.name (copy)"]);
    // A body with procedural parts Loupe does not parse: its statements still count.
    let sql = "CREATE PROCEDURE dbo.refresh_summary @since DATE, @floor INT
AS
BEGIN
  SET NOCOUNT ON;
  DECLARE @n INT = 0;
  IF @floor IS NULL SET @floor = 0;
  WHILE @n < 3
    BEGIN
      SET @n = @n + 1;
      INSERT INTO analytics.summary
      SELECT c.name, o.amount FROM orders o JOIN customers c ON c.id = o.customer_id
      WHERE o.amount > @floor;
    END
END;
GO";
    let analysis = analyze_sql(sql, Dialect::MsSql, &catalog());
    assert!(
        analysis
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with("syntax error")),
        "the procedure itself does not parse: {:?}",
        analysis.diagnostics
    );
    assert_eq!(
        edges_in(sql, Dialect::MsSql, false),
        [
            "analytics.summary.customer <- customers.name (copy)",
            "analytics.summary.total <- orders.amount (copy)",
        ]
    );
}

#[test]
fn a_parenthesized_query_with_ctes_feeds_an_insert() {
    let got = edges(
        "insert into archive (with paid as (select id, amount from orders where status = 'paid')
                              select id, amount from paid)",
        false,
    );
    assert_eq!(
        got,
        [
            "archive.amount <- orders.amount (copy)",
            "archive.id <- orders.id (copy)",
        ]
    );
    // A column list is still a column list.
    let got = edges(
        "insert into archive (paid_id) (select id from orders)",
        false,
    );
    assert_eq!(got, ["archive.paid_id <- orders.id (copy)"]);
}

#[test]
fn teradata_column_attributes_leave_the_column_and_its_name() {
    let sql = "create view customer_titles as
               select name (title 'Customer'), region (format 'X(10)'), id (named customer_id)
               from customers";
    let analysis = analyze_sql(sql, Dialect::Teradata, &catalog());
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    assert_eq!(
        edges_in(sql, Dialect::Teradata, false),
        [
            "customer_titles.customer_id <- customers.id (copy)",
            "customer_titles.name <- customers.name (copy)",
            "customer_titles.region <- customers.region (copy)",
        ]
    );
}
