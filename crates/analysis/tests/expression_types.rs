//! Differential test against DuckDB: every expression in
//! `tests/data/duckdb_expression_types.tsv` was typed by the engine itself
//! (`scripts/gen_duckdb_expr_types.py`); Loupe must infer the same type.

use loupe_analysis::loose::{analyze_sql, TableCatalog};
use loupe_analysis::schema::{Column, RelationSchema};
use loupe_analysis::syntax::Dialect;
use loupe_analysis::types::parse_type;

/// The share of the corpus that must match exactly; raise it as rules improve.
const MIN_PASS_RATE: f64 = 0.985;

fn table_from_header(header: &str) -> RelationSchema {
    // `name TYPE, name TYPE, ...`, where TYPE may contain commas inside parentheses.
    let body = header.trim_start_matches("# table t:");
    let mut columns = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in body.char_indices().chain([(body.len(), ',')]) {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                let (name, ty) = body[start..i].trim().split_once(' ').unwrap();
                columns.push(Column::new(name, parse_type(ty)));
                start = i + 1;
            }
            _ => {}
        }
    }
    RelationSchema::closed(columns)
}

#[test]
fn expression_types_match_duckdb() {
    let corpus = include_str!("data/duckdb_expression_types.tsv");
    let mut lines = corpus.lines();
    let table = table_from_header(lines.next().unwrap());
    assert!(
        table.columns.len() > 20,
        "header parsed: {:?}",
        table.columns
    );
    let mut catalog = TableCatalog::default();
    catalog.insert("t", table);

    let (mut pass, mut total) = (0, 0);
    let mut failures = Vec::new();
    for line in lines.filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (expr, expected) = line.split_once('\t').unwrap();
        total += 1;
        let sql = format!("SELECT {expr} AS x FROM t");
        let analysis = analyze_sql(&sql, Dialect::DuckDb, &catalog);
        let got = analysis
            .output()
            .and_then(|o| o.columns.first())
            .map(|c| c.ty.clone().materialize().to_string())
            .unwrap_or_else(|| "<none>".into());
        if got == expected && analysis.diagnostics.is_empty() {
            pass += 1;
        } else {
            failures.push(format!(
                "{expr}\texpected {expected}\tgot {got}\t{:?}",
                analysis
                    .diagnostics
                    .iter()
                    .map(|d| &d.message)
                    .collect::<Vec<_>>()
            ));
        }
    }
    let rate = pass as f64 / total as f64;
    println!(
        "expression types: {pass}/{total} match DuckDB ({:.1}%)",
        rate * 100.0
    );
    for f in failures.iter().take(400) {
        println!("  {f}");
    }
    assert!(
        rate >= MIN_PASS_RATE,
        "{pass}/{total} expression types match DuckDB"
    );
}
