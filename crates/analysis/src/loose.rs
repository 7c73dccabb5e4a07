//! Loose `.sql` files analyzed against a catalog of table schemas
//! (`{"tables": {"[schema.]table": [[column, TYPE, nullable?], ...]}}`).

use std::sync::Arc;

use rustc_hash::FxHashMap;

use crate::diagnostics::{Code, Diagnostic};
use crate::schema::{
    analyze_statement, Column, Lookup, RelationLookup, RelationSchema, StatementAnalysis,
};
use crate::syntax::{parse_sql, Dialect};
use crate::text::TextRange;
use crate::types::parse_type;

/// Table schemas by lower-case name, with and without schema.
#[derive(Default, Clone, Debug)]
pub struct TableCatalog {
    tables: FxHashMap<String, Arc<RelationSchema>>,
}

impl TableCatalog {
    /// Reads the catalog JSON format; errors name what is wrong.
    pub fn from_json(text: &str) -> Result<TableCatalog, String> {
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("catalog is not valid JSON: {e}"))?;
        let tables = value
            .get("tables")
            .and_then(|t| t.as_object())
            .ok_or("catalog must be an object with a \"tables\" object")?;
        let mut catalog = TableCatalog::default();
        for (name, columns) in tables {
            let columns = columns
                .as_array()
                .ok_or_else(|| format!("table `{name}`: columns must be an array"))?;
            let mut out = Vec::new();
            for c in columns {
                let pair = c.as_array().filter(|p| p.len() >= 2);
                let (Some(col), Some(ty)) = (
                    pair.and_then(|p| p[0].as_str()),
                    pair.and_then(|p| p[1].as_str()),
                ) else {
                    return Err(format!("table `{name}`: each column must be [name, TYPE]"));
                };
                out.push(Column::new(col, parse_type(ty)));
            }
            catalog.insert(name, RelationSchema::closed(out));
        }
        Ok(catalog)
    }

    pub fn insert(&mut self, name: &str, schema: RelationSchema) {
        self.tables.insert(name.to_lowercase(), Arc::new(schema));
    }
}

impl RelationLookup for TableCatalog {
    fn lookup(&self, parts: &[String], _range: TextRange) -> Lookup {
        let full = parts.join(".");
        if let Some(s) = self.tables.get(&full) {
            return Lookup::Found(s.clone());
        }
        // `db.schema.table` or `schema.table` also match a shorter catalog key.
        for skip in 1..parts.len() {
            if let Some(s) = self.tables.get(&parts[skip..].join(".")) {
                return Lookup::Found(s.clone());
            }
        }
        // A bare name matches `schema.name` when exactly one schema has it.
        if parts.len() == 1 {
            let suffix = format!(".{}", parts[0]);
            let mut hits = self.tables.iter().filter(|(k, _)| k.ends_with(&suffix));
            if let (Some((_, s)), None) = (hits.next(), hits.next()) {
                return Lookup::Found(s.clone());
            }
        }
        Lookup::NotFound
    }

    fn candidates(&self) -> Vec<String> {
        self.tables.keys().cloned().collect()
    }
}

/// The analysis of a loose SQL text: one entry per statement.
#[derive(Clone, Debug, Default)]
pub struct SqlAnalysis {
    pub statements: Vec<StatementAnalysis>,
    pub diagnostics: Vec<Diagnostic>,
}

impl SqlAnalysis {
    /// The result columns of the last statement.
    pub fn output(&self) -> Option<&RelationSchema> {
        self.statements.last().map(|s| &s.output)
    }
}

/// Parses and analyzes every statement of `sql`.
pub fn analyze_sql(sql: &str, dialect: Dialect, catalog: &dyn RelationLookup) -> SqlAnalysis {
    match parse_sql(sql, dialect) {
        Ok(statements) => {
            let statements: Vec<StatementAnalysis> = statements
                .iter()
                .map(|s| analyze_statement(s, sql, catalog, "query", dialect))
                .collect();
            let diagnostics = statements
                .iter()
                .flat_map(|s| s.diagnostics.clone())
                .collect();
            SqlAnalysis {
                statements,
                diagnostics,
            }
        }
        Err(e) => SqlAnalysis {
            statements: Vec::new(),
            diagnostics: vec![Diagnostic::new(Code::SyntaxError, e.range, e.message)],
        },
    }
}
