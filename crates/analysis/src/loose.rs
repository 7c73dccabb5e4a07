//! Loose `.sql` files analyzed against a catalog of table schemas
//! (`{"tables": {"[schema.]table": [[column, TYPE, nullable?], ...]}}`).

use std::sync::Arc;

use rustc_hash::FxHashMap;
use sqlparser::ast::Statement;

use crate::diagnostics::{Code, Diagnostic};
use crate::schema::{
    analyze_statement, Column, Lookup, RelationLookup, RelationSchema, StatementAnalysis,
};
use crate::syntax::{parse_sql, Dialect};
use crate::text::TextRange;
use crate::types::parse_type_in;

/// Table schemas by lower-case name, with and without schema.
#[derive(Default, Clone, Debug)]
pub struct TableCatalog {
    tables: FxHashMap<String, Arc<RelationSchema>>,
}

impl TableCatalog {
    /// Reads the catalog JSON format; errors name what is wrong.
    pub fn from_json(text: &str) -> Result<TableCatalog, String> {
        Self::from_json_in(text, crate::syntax::Dialect::DuckDb)
    }

    /// A catalog whose types are written in the names of `dialect`'s engine
    /// (BigQuery's bare NUMERIC has 9 fraction digits, its TIMESTAMP is an instant).
    pub fn from_json_in(
        text: &str,
        dialect: crate::syntax::Dialect,
    ) -> Result<TableCatalog, String> {
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
                out.push(Column::new(col, parse_type_in(ty, dialect)));
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

/// Parses and analyzes every statement of `sql`. A table or view a statement
/// creates is known, with its columns, to the statements after it. The
/// statements inside a procedure are analyzed as statements of their own,
/// and where the procedure does not parse, those of its statements that do.
pub fn analyze_sql(sql: &str, dialect: Dialect, catalog: &dyn RelationLookup) -> SqlAnalysis {
    let (statements, mut diagnostics) = match parse_sql(sql, dialect) {
        Ok(statements) => (statements, Vec::new()),
        Err(e) => (
            procedure_statements(sql, dialect),
            vec![Diagnostic::new(Code::SyntaxError, e.range, e.message)],
        ),
    };
    let mut script = ScriptCatalog {
        created: TableCatalog::default(),
        catalog,
    };
    let mut analyses = Vec::new();
    for statement in statements.iter().flat_map(inner_statements) {
        let analysis = analyze_statement(statement, sql, &script, "query", dialect, true);
        script.remember(statement, &analysis);
        diagnostics.extend(analysis.diagnostics.iter().cloned());
        analyses.push(analysis);
    }
    SqlAnalysis {
        statements: analyses,
        diagnostics,
    }
}

/// The catalog, and the tables and views the statements so far created.
struct ScriptCatalog<'c> {
    created: TableCatalog,
    catalog: &'c dyn RelationLookup,
}

impl ScriptCatalog<'_> {
    fn remember(&mut self, statement: &Statement, analysis: &StatementAnalysis) {
        let creates = matches!(statement, Statement::CreateView(_))
            || matches!(statement, Statement::CreateTable(t) if t.query.is_some());
        let Some(target) = analysis.target.as_ref().filter(|_| creates) else {
            return;
        };
        let columns = analysis
            .output
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let name = target.columns.get(i).unwrap_or(&c.name);
                Column::new(name.clone(), c.ty.clone())
            })
            .collect();
        let mut schema = RelationSchema::closed(columns);
        schema.open = analysis.output.open;
        self.created.insert(&target.table, schema);
    }
}

impl RelationLookup for ScriptCatalog<'_> {
    fn lookup(&self, parts: &[String], range: TextRange) -> Lookup {
        match self.created.lookup(parts, range) {
            Lookup::NotFound => self.catalog.lookup(parts, range),
            found => found,
        }
    }

    fn display_name(&self, parts: &[String], range: TextRange) -> Option<String> {
        self.catalog.display_name(parts, range)
    }

    fn candidates(&self) -> Vec<String> {
        let mut names = self.created.candidates();
        names.extend(self.catalog.candidates());
        names
    }
}

/// A statement, or the statements of a procedure's body.
fn inner_statements(statement: &Statement) -> Vec<&Statement> {
    match statement {
        Statement::CreateProcedure { body, .. } => body
            .statements()
            .iter()
            .flat_map(inner_statements)
            .collect(),
        other => vec![other],
    }
}

/// The statements of a procedure that does not parse as a whole: from each
/// text between semicolons, the first statement keyword from which the rest
/// parses. Empty when `sql` creates no procedure.
fn procedure_statements(sql: &str, dialect: Dialect) -> Vec<Statement> {
    static CREATE_PROCEDURE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\bcreate\s+(or\s+(replace|alter)\s+)?proc(edure)?\b").unwrap()
    });
    static STATEMENT_START: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\b(insert|merge|update|delete|with|select|create)\b").unwrap()
    });
    if !CREATE_PROCEDURE.is_match(sql) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (start, end) in semicolon_pieces(sql) {
        for m in STATEMENT_START.find_iter(&sql[start..end]) {
            let from = start + m.start();
            // Blank out the rest of the text so positions stay those of `sql`.
            let masked: String = sql
                .char_indices()
                .map(|(i, c)| {
                    if (from..end).contains(&i) || c == '\n' {
                        c
                    } else {
                        ' '
                    }
                })
                .collect();
            match parse_sql(&masked, dialect) {
                Ok(statements)
                    if !statements.is_empty()
                        && !statements
                            .iter()
                            .any(|s| matches!(s, Statement::CreateProcedure { .. })) =>
                {
                    out.extend(statements);
                    break;
                }
                _ => {}
            }
        }
    }
    out
}

/// Byte ranges of `sql` between semicolons outside quotes and comments.
fn semicolon_pieces(sql: &str) -> Vec<(usize, usize)> {
    let bytes = sql.as_bytes();
    let mut pieces = Vec::new();
    let (mut start, mut i) = (0, 0);
    while i < bytes.len() {
        if let Some(last) = crate::syntax::skip_quoted_or_comment(bytes, i) {
            i = last + 1;
            continue;
        }
        if bytes[i] == b';' {
            pieces.push((start, i));
            start = i + 1;
        }
        i += 1;
    }
    pieces.push((start, sql.len().max(start)));
    pieces
}
