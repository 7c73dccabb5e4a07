//! Parsing SQL with sqlparser in the dialect of the target engine.

use sqlparser::ast::Statement;
use sqlparser::dialect::{DatabricksDialect, DuckDbDialect, GenericDialect, SnowflakeDialect};
use sqlparser::parser::{Parser, ParserError};

use crate::text::{LineIndex, TextRange};

/// The SQL dialects Loupe parses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    #[default]
    DuckDb,
    Databricks,
    Snowflake,
    Postgres,
    Generic,
}

impl Dialect {
    /// The dialect of a dbt adapter type or a `--dialect` name.
    pub fn from_name(name: &str) -> Option<Dialect> {
        Some(match name.to_ascii_lowercase().as_str() {
            "duckdb" | "motherduck" => Dialect::DuckDb,
            "databricks" | "spark" | "sparksql" => Dialect::Databricks,
            "snowflake" => Dialect::Snowflake,
            "postgres" | "postgresql" | "redshift" => Dialect::Postgres,
            "generic" | "ansi" => Dialect::Generic,
            _ => return None,
        })
    }

    fn parse(self, sql: &str) -> Result<Vec<Statement>, ParserError> {
        match self {
            Dialect::DuckDb => Parser::parse_sql(&DuckDbDialect {}, sql),
            Dialect::Databricks => Parser::parse_sql(&DatabricksDialect {}, sql),
            Dialect::Snowflake => Parser::parse_sql(&SnowflakeDialect {}, sql),
            Dialect::Postgres => Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, sql),
            Dialect::Generic => Parser::parse_sql(&GenericDialect {}, sql),
        }
    }
}

/// A syntax error with the range of the token where parsing stopped.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyntaxError {
    pub message: String,
    pub range: TextRange,
}

/// Parses every statement of `sql`. When the target's dialect cannot parse
/// it, the generic dialect (which accepts more syntax) gets a chance before
/// the dialect's error is reported: a false syntax error is worse than a
/// missed one.
pub fn parse_sql(sql: &str, dialect: Dialect) -> Result<Vec<Statement>, SyntaxError> {
    dialect.parse(sql).or_else(|error| {
        if dialect == Dialect::Generic {
            return Err(syntax_error(sql, error));
        }
        Dialect::Generic
            .parse(sql)
            .map_err(|_| syntax_error(sql, error))
    })
}

fn syntax_error(sql: &str, error: ParserError) -> SyntaxError {
    let raw = match &error {
        ParserError::ParserError(m) | ParserError::TokenizerError(m) => m.clone(),
        ParserError::RecursionLimitExceeded => "statement nests too deeply".to_string(),
    };
    // sqlparser appends " at Line: L, Column: C".
    let (message, location) = match raw.rfind(" at Line: ") {
        Some(i) => (raw[..i].to_string(), Some(&raw[i + " at Line: ".len()..])),
        None => (raw.clone(), None),
    };
    let offset = location.and_then(|loc| {
        let (line, col) = loc.split_once(", Column: ")?;
        let line: u64 = line.trim().parse().ok()?;
        let col: u64 = col
            .trim()
            .trim_end_matches(|c: char| !c.is_ascii_digit())
            .parse()
            .ok()?;
        Some(LineIndex::new(sql).offset(sql, line, col))
    });
    let range = match offset {
        Some(start) => TextRange::new(start, start + token_len(&sql[start..])),
        // The error is at the end of input.
        None => TextRange::empty(sql.trim_end().len()),
    };
    let message = message.replace("sql parser error: ", "");
    SyntaxError {
        message: format!("syntax error: {message}"),
        range,
    }
}

/// Length of the SQL token that starts `rest`.
fn token_len(rest: &str) -> usize {
    let mut chars = rest.char_indices();
    let Some((_, first)) = chars.next() else {
        return 0;
    };
    if first.is_alphanumeric() || first == '_' {
        return rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
    }
    if first == '\'' || first == '"' {
        return rest[1..].find(first).map_or(rest.len(), |i| i + 2);
    }
    first.len_utf8()
}
