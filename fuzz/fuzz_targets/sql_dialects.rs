//! Parses and analyzes SQL (schemas, lineage, diagnostics) in a dialect
//! chosen by the input's first byte, against a small catalog; and checks
//! that wherever Loupe's tokenizer reads the text, it reads it as
//! sqlparser's does, and that Loupe's parser dialect builds sqlparser's tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use loupe_analysis::loose::{analyze_sql, TableCatalog};
use loupe_analysis::syntax::{both_tokenizers, parsers_agree, Dialect};

const CATALOG: &str = r#"{"tables": {
    "orders": [["id", "INTEGER"], ["amount", "DECIMAL(10,2)"], ["placed_at", "TIMESTAMP"], ["customer_id", "INTEGER"]],
    "main.customers": [["id", "INTEGER"], ["name", "VARCHAR"], ["tags", "VARCHAR[]"]]
}}"#;

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else {
        return;
    };
    let Ok(sql) = std::str::from_utf8(rest) else {
        return;
    };
    let dialect = Dialect::ALL[first as usize % Dialect::ALL.len()];
    if let (Some(ours), sqlparser) = both_tokenizers(sql, dialect) {
        assert_eq!(
            Ok(ours),
            sqlparser.map_err(|e| e.to_string()),
            "{dialect:?}"
        );
    }
    if let Err(difference) = parsers_agree(sql, dialect) {
        panic!("{difference}");
    }
    let catalog = TableCatalog::from_json(CATALOG).unwrap();
    let analysis = analyze_sql(sql, dialect, &catalog);
    for statement in &analysis.statements {
        let _ = format!("{statement:?}");
    }
});
