//! Parsing SQL with sqlparser in the dialect of the target engine.

use sqlparser::ast::Statement;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{TokenWithSpan, Tokenizer, TokenizerError};
use std::sync::OnceLock;

use crate::text::{LineIndex, TextRange};

mod cte_injection;
pub mod depth;
mod duckdb_forms;
mod duckdb_pivot;
mod duckdb_slices;
mod lexer;
mod plain_identifiers;
mod spark_intervals;
mod unread_words;

pub use cte_injection::{ephemeral_cte_insertion, CteInsertion};
pub use duckdb_slices::is_open_slice_end;
#[doc(hidden)]
pub use plain_identifiers::is_plain_word;
pub use unread_words::meaning_lost_in_tree;

/// `sql`'s tokens after `rewrite`, printed back with each run of blanks one
/// space: what the parser is given, as tests compare it.
#[cfg(test)]
fn rewritten(dialect: Dialect, sql: &str, rewrite: impl FnOnce(&mut Vec<TokenWithSpan>)) -> String {
    let mut tokens = dialect.sqlparser_tokens(sql).unwrap();
    rewrite(&mut tokens);
    let text: String = tokens.iter().map(|t| t.token.to_string()).collect();
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The SQL dialects Loupe parses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Dialect {
    #[default]
    DuckDb,
    Databricks,
    Snowflake,
    Postgres,
    Redshift,
    BigQuery,
    MsSql,
    MySql,
    Hive,
    Oracle,
    Sqlite,
    ClickHouse,
    Teradata,
    Generic,
}

/// sqlparser's dialect for each of Loupe's, as a `&'static` (wrapped in
/// the tuple struct named after the comma, if one is).
macro_rules! sqlparser_dialects {
    ($dialect:expr, $($wrap:ident)?) => {{
        use sqlparser::dialect as d;
        match $dialect {
            Dialect::DuckDb => &$($wrap)?(d::DuckDbDialect {}),
            Dialect::Databricks => &$($wrap)?(d::DatabricksDialect {}),
            Dialect::Snowflake => &$($wrap)?(d::SnowflakeDialect {}),
            Dialect::Postgres => &$($wrap)?(d::PostgreSqlDialect {}),
            Dialect::Redshift => &$($wrap)?(d::RedshiftSqlDialect {}),
            Dialect::BigQuery => &$($wrap)?(d::BigQueryDialect {}),
            Dialect::MsSql => &$($wrap)?(d::MsSqlDialect {}),
            Dialect::MySql => &$($wrap)?(d::MySqlDialect {}),
            Dialect::Hive => &$($wrap)?(d::HiveDialect {}),
            Dialect::Oracle => &$($wrap)?(d::OracleDialect {}),
            Dialect::Sqlite => &$($wrap)?(d::SQLiteDialect {}),
            Dialect::ClickHouse => &$($wrap)?(d::ClickHouseDialect {}),
            Dialect::Teradata | Dialect::Generic => &$($wrap)?(d::GenericDialect {}),
        }
    }};
}

impl Dialect {
    /// The dialect of a dbt adapter type or a `--dialect` name, by the names people use.
    pub fn from_name(name: &str) -> Option<Dialect> {
        Some(match name.to_ascii_lowercase().as_str() {
            "duckdb" | "motherduck" => Dialect::DuckDb,
            "databricks" | "spark" | "sparksql" | "spark_sql" => Dialect::Databricks,
            "snowflake" => Dialect::Snowflake,
            "postgres" | "postgresql" | "greenplum" | "materialize" => Dialect::Postgres,
            "redshift" => Dialect::Redshift,
            "bigquery" => Dialect::BigQuery,
            "tsql" | "mssql" | "sqlserver" | "fabric" | "synapse" => Dialect::MsSql,
            "mysql" | "mariadb" | "starrocks" | "doris" => Dialect::MySql,
            "hive" | "impala" => Dialect::Hive,
            "oracle" => Dialect::Oracle,
            "sqlite" => Dialect::Sqlite,
            "clickhouse" => Dialect::ClickHouse,
            "teradata" => Dialect::Teradata,
            "generic" | "ansi" | "trino" | "presto" | "athena" => Dialect::Generic,
            _ => return None,
        })
    }

    /// The names `from_name` takes, for messages.
    pub const NAMES: &'static str = "duckdb, databricks (spark), snowflake, postgres, redshift, bigquery, tsql (mssql), mysql, hive, oracle, sqlite, clickhouse, teradata, ansi (generic, trino)";

    fn parse(self, sql: &str) -> Result<Vec<Statement>, ParserError> {
        let teradata;
        let sql = if self == Dialect::Teradata {
            teradata = without_teradata_attributes(sql);
            &teradata
        } else {
            sql
        };
        let tokens = self.tokenize(sql)?;
        Parser::new(self.parser_dialect())
            .with_recursion_limit(MAX_PARSE_DEPTH)
            .with_tokens_with_locations(tokens)
            .parse_statements()
    }

    /// One expression in this dialect (a DuckDB macro's body), read as a
    /// statement's expressions are.
    pub(crate) fn parse_expr(self, sql: &str) -> Option<sqlparser::ast::Expr> {
        let tokens = self.tokenize(sql).ok()?;
        Parser::new(self.parser_dialect())
            .with_recursion_limit(MAX_PARSE_DEPTH)
            .with_tokens_with_locations(tokens)
            .parse_expr()
            .ok()
    }

    /// `sql`'s tokens, each run of blanks one token: Loupe's tokenizer
    /// where it reads the text, else sqlparser's.
    fn tokenize(self, sql: &str) -> Result<Vec<TokenWithSpan>, ParserError> {
        let mut tokens = match lexer::tokenize(self.char_classes(), sql) {
            Some(tokens) => tokens,
            None => self.sqlparser_tokens(sql).map_err(ParserError::from)?,
        };
        unread_words::blank_unread_words(self, &mut tokens);
        spark_intervals::split_multi_unit_intervals(self, &mut tokens);
        duckdb_forms::read_duckdb_forms(self, &mut tokens);
        Ok(tokens)
    }

    fn sqlparser_tokens(self, sql: &str) -> Result<Vec<TokenWithSpan>, TokenizerError> {
        // Sized up front (a token every few bytes): grown by doubling, the
        // buffer was copied and its fresh pages faulted in again and again.
        let mut tokens = Vec::with_capacity(sql.len() / 2 + 16);
        Tokenizer::new(self.sqlparser_dialect(), sql)
            .tokenize_with_location_into_buf(&mut tokens)?;
        collapse_blanks(&mut tokens);
        Ok(tokens)
    }

    fn char_classes(self) -> &'static lexer::CharClasses {
        static CLASSES: [OnceLock<lexer::CharClasses>; Dialect::ALL.len()] =
            [const { OnceLock::new() }; Dialect::ALL.len()];
        CLASSES[self as usize].get_or_init(|| lexer::CharClasses::of(self.sqlparser_dialect()))
    }

    /// The dialect the parser reads with: sqlparser's, reading plain words
    /// and literals without its speculative type-name reading.
    fn parser_dialect(self) -> &'static dyn sqlparser::dialect::Dialect {
        use plain_identifiers::PlainIdentifiersFirst;
        sqlparser_dialects!(self, PlainIdentifiersFirst)
    }

    fn sqlparser_dialect(self) -> &'static dyn sqlparser::dialect::Dialect {
        sqlparser_dialects!(self,)
    }

    /// Every dialect, in declaration order.
    pub const ALL: [Dialect; 14] = [
        Dialect::DuckDb,
        Dialect::Databricks,
        Dialect::Snowflake,
        Dialect::Postgres,
        Dialect::Redshift,
        Dialect::BigQuery,
        Dialect::MsSql,
        Dialect::MySql,
        Dialect::Hive,
        Dialect::Oracle,
        Dialect::Sqlite,
        Dialect::ClickHouse,
        Dialect::Teradata,
        Dialect::Generic,
    ];

    /// The engine's name, as messages give it.
    pub fn engine_name(self) -> &'static str {
        match self {
            Dialect::DuckDb => "DuckDB",
            Dialect::Databricks => "Databricks",
            Dialect::Snowflake => "Snowflake",
            Dialect::Postgres => "Postgres",
            Dialect::Redshift => "Redshift",
            Dialect::BigQuery => "BigQuery",
            Dialect::MsSql => "SQL Server",
            Dialect::MySql => "MySQL",
            Dialect::Hive => "Hive",
            Dialect::Oracle => "Oracle",
            Dialect::Sqlite => "SQLite",
            Dialect::ClickHouse => "ClickHouse",
            Dialect::Teradata => "Teradata",
            Dialect::Generic => "the warehouse",
        }
    }

    /// Whether the engine takes two column names that differ only in the
    /// case of ASCII letters for one, quoted or not (Spark, BigQuery,
    /// MySQL, SQL Server, Teradata); the others keep a quoted name's case.
    pub fn column_names_ignore_case(self) -> bool {
        matches!(
            self,
            Dialect::DuckDb
                | Dialect::Databricks
                | Dialect::Hive
                | Dialect::BigQuery
                | Dialect::MySql
                | Dialect::MsSql
                | Dialect::Teradata
                | Dialect::Sqlite
        )
    }

    /// Whether the engine refuses a view or table with two columns of one
    /// name; DuckDB and SQLite rename the later ones instead.
    pub fn refuses_duplicate_columns(self) -> bool {
        !matches!(self, Dialect::DuckDb | Dialect::Sqlite)
    }

    /// Whether a select-list alias can be used later in the same list
    /// (`select a + 1 as b, b * 2 as c`), as DuckDB, Snowflake, Databricks,
    /// Redshift and Teradata allow. ANSI, Postgres and the others read such a
    /// name as a column of the input.
    pub fn lateral_column_aliases(self) -> bool {
        matches!(
            self,
            Dialect::DuckDb
                | Dialect::Snowflake
                | Dialect::Databricks
                | Dialect::Redshift
                | Dialect::Teradata
        )
    }
}

/// Teradata's column attributes after an expression, which no other dialect
/// has: `(TITLE 'x')` and `(FORMAT 'x')` blanked out, `(NAMED x)` read as
/// `AS x`. Positions are kept.
fn without_teradata_attributes(sql: &str) -> String {
    static TITLE_OR_FORMAT: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\(\s*(?:title|format)\s+'(?:[^']|'')*'\s*\)").unwrap()
    });
    static NAMED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?i)(\(\s*named)\s+(?:[A-Za-z_][A-Za-z0-9_$#]*|"[^"]*")\s*(\))"#)
            .unwrap()
    });
    let blank = |text: &str| -> String {
        text.chars()
            .map(|c| if c == '\n' { c } else { ' ' })
            .collect()
    };
    let mut out = TITLE_OR_FORMAT
        .replace_all(sql, |c: &regex::Captures| blank(&c[0]))
        .into_owned();
    out = NAMED
        .replace_all(&out, |c: &regex::Captures| {
            let whole = &c[0];
            let head = c.get(1).unwrap().as_str();
            let name_part = &whole[head.len()..whole.len() - 1];
            // `(NAMED x)` -> `    AS x `
            let mut head_blank = blank(head);
            head_blank.replace_range(head_blank.len() - 2.., "AS");
            format!("{head_blank}{name_part} ")
        })
        .into_owned();
    out
}

/// A syntax error with the range of the token where parsing stopped.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SyntaxError {
    pub message: String,
    pub range: TextRange,
    /// The SQL may be valid, but is past the bounds Loupe analyzes.
    pub too_complex: bool,
}

/// How deep sqlparser may recurse (nested subqueries, CASE, parentheses),
/// and so how deep Loupe's own walks over the tree go. Analysis threads have
/// stacks sized for it.
pub const MAX_PARSE_DEPTH: usize = 400;

/// Nesting (parentheses, CASE) one statement may have before it is reported
/// as too deep rather than given to the parser: a few parser levels per level.
pub const MAX_NESTING: usize = MAX_PARSE_DEPTH / 4;

/// NOT operators one statement may chain (`not not ... x`). sqlparser reads
/// each a level deeper and, at its limit, takes the chain as something else
/// rather than report the depth: counted before it reads, as nesting is.
pub const MAX_NOT_CHAIN: usize = MAX_PARSE_DEPTH / 2;

/// Set operations one statement may chain. Each operand is a SELECT of its
/// own, with its own tree and schema: a bound on the memory one model takes.
pub const MAX_SET_OPERATIONS: usize = 10_000;

/// How far one statement of `sql` is past what Loupe analyzes, if it is.
/// A byte scan: it runs before parsing, so it must not be the thing that fails.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatementShape {
    /// The most set operations (`UNION`, `INTERSECT`, `EXCEPT`, `MINUS`) in
    /// one statement, and where that statement starts.
    pub set_operations: usize,
    pub set_operations_start: usize,
    /// The deepest nesting of parentheses and CASE, and where it is reached.
    pub nesting: usize,
    pub nesting_at: usize,
    /// The longest run of NOT operators, and where it starts.
    pub not_chain: usize,
    pub not_chain_at: usize,
}

/// The index of the last byte of the quoted text (doubled quotes escape) or
/// comment that starts at `i`, if one does: scanners skip them whole.
pub(crate) fn skip_quoted_or_comment(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    match bytes[i] {
        q @ (b'\'' | b'"' | b'`') => {
            j += 1;
            while j < bytes.len() && bytes[j] != q {
                j += 1;
            }
        }
        b'-' if bytes.get(i + 1) == Some(&b'-') => {
            while j < bytes.len() && bytes[j] != b'\n' {
                j += 1;
            }
        }
        b'/' if bytes.get(i + 1) == Some(&b'*') => {
            j += 2;
            while j + 1 < bytes.len() && !(bytes[j] == b'*' && bytes[j + 1] == b'/') {
                j += 1;
            }
            j += 1;
        }
        _ => return None,
    }
    Some(j)
}

/// Loupe's tokenizer's reading of `sql` (`None` where it leaves the text to
/// sqlparser's) and sqlparser's, blanks collapsed: wherever the first reads,
/// the two must be equal. For tests and fuzzing.
#[doc(hidden)]
pub fn both_tokenizers(
    sql: &str,
    dialect: Dialect,
) -> (
    Option<Vec<TokenWithSpan>>,
    Result<Vec<TokenWithSpan>, TokenizerError>,
) {
    (
        lexer::tokenize(dialect.char_classes(), sql),
        dialect.sqlparser_tokens(sql),
    )
}

/// Whether the dialect Loupe parses with reads `sql` as sqlparser's own
/// does: the same tree, spans included, or an error from both. (Not always
/// the same error: where sqlparser retries a reading that failed, it reports
/// a call it could not finish as "Expected: an expression" at the call,
/// Loupe as the token that ended it. At the edge of the nesting limit,
/// sqlparser is given the few levels its speculative reading takes.) For
/// tests and fuzzing.
#[doc(hidden)]
pub fn parsers_agree(sql: &str, dialect: Dialect) -> Result<(), String> {
    let parse = |with: &dyn sqlparser::dialect::Dialect, recursion_limit: usize| {
        dialect.tokenize(sql).and_then(|tokens| {
            Parser::new(with)
                .with_recursion_limit(recursion_limit)
                .with_tokens_with_locations(tokens)
                .parse_statements()
        })
    };
    let ours = parse(dialect.parser_dialect(), MAX_PARSE_DEPTH);
    let theirs = parse(dialect.sqlparser_dialect(), MAX_PARSE_DEPTH);
    let agreement = trees_agree(sql, dialect, &ours, &theirs);
    if agreement.is_err() && ours.is_ok() {
        // sqlparser's speculative type-name reading, which Loupe's skips,
        // goes a few levels deeper: at the edge of the limit sqlparser fails
        // there, or takes a shorter reading (`not not ... not a` read with
        // `a` as an alias). Given those few levels it reads what Loupe reads.
        const SPECULATION_LEVELS: usize = 16;
        let theirs = parse(
            dialect.sqlparser_dialect(),
            MAX_PARSE_DEPTH + SPECULATION_LEVELS,
        );
        return trees_agree(sql, dialect, &ours, &theirs);
    }
    agreement
}

/// The comparison of [`parsers_agree`]: Loupe's reading against sqlparser's.
fn trees_agree(
    sql: &str,
    dialect: Dialect,
    ours: &Result<Vec<sqlparser::ast::Statement>, ParserError>,
    sqlparser: &Result<Vec<sqlparser::ast::Statement>, ParserError>,
) -> Result<(), String> {
    match (ours, sqlparser) {
        (Err(_), Err(_)) => Ok(()),
        // BigQuery's typed array and range literals too (sqlparser reads comparisons).
        (Ok(_), _) if dialect == Dialect::BigQuery && may_hold_typed_literal(sql) => Ok(()),
        // DuckDB's list comprehensions are Loupe's own reading: sqlparser has none.
        (Ok(_), Err(_)) if dialect == Dialect::DuckDb && may_hold_list_comprehension(sql) => Ok(()),
        // So is Spark's `a DIV b` in the Databricks and Hive dialects.
        (Ok(_), Err(_))
            if matches!(dialect, Dialect::Databricks | Dialect::Hive)
                && has_keyword(sql, dialect, sqlparser::keywords::Keyword::DIV) =>
        {
            Ok(())
        }
        (ours, sqlparser) => {
            let (ours, sqlparser) = (format!("{ours:?}"), format!("{sqlparser:?}"));
            if ours == sqlparser {
                return Ok(());
            }
            let at = ours
                .bytes()
                .zip(sqlparser.bytes())
                .position(|(a, b)| a != b)
                .unwrap_or(ours.len().min(sqlparser.len()));
            let around = |text: &str| {
                let start = text.floor_char_boundary(at.saturating_sub(80));
                let end = text.ceil_char_boundary((at + 80).min(text.len()));
                text[start..end].to_string()
            };
            Err(format!(
                "{dialect:?} {sql:?}: the trees differ\n Loupe:     ...{}...\n sqlparser: ...{}...",
                around(&ours),
                around(&sqlparser)
            ))
        }
    }
}

/// Whether `sql` has a `[` and a `FOR` token, as a list comprehension does.
fn may_hold_list_comprehension(sql: &str) -> bool {
    has_keyword(sql, Dialect::DuckDb, sqlparser::keywords::Keyword::FOR)
        && Dialect::DuckDb.sqlparser_tokens(sql).is_ok_and(|tokens| {
            tokens
                .iter()
                .any(|t| t.token == sqlparser::tokenizer::Token::LBracket)
        })
}

/// Whether `sql` has `ARRAY` or `RANGE` followed by `<`, as a typed array
/// literal and a range literal do.
fn may_hold_typed_literal(sql: &str) -> bool {
    use sqlparser::keywords::Keyword;
    use sqlparser::tokenizer::Token;
    Dialect::BigQuery.sqlparser_tokens(sql).is_ok_and(|tokens| {
        tokens.windows(2).any(|pair| {
            matches!(&pair[0].token, Token::Word(w) if matches!(w.keyword, Keyword::ARRAY | Keyword::RANGE))
                && pair[1].token == Token::Lt
        })
    })
}

/// Whether `sql`, tokenized as `dialect` does, has the keyword.
fn has_keyword(sql: &str, dialect: Dialect, keyword: sqlparser::keywords::Keyword) -> bool {
    dialect.sqlparser_tokens(sql).is_ok_and(|tokens| {
        tokens.iter().any(
            |t| matches!(&t.token, sqlparser::tokenizer::Token::Word(w) if w.keyword == keyword),
        )
    })
}

/// Where `sql` has a comma right before an unquoted `FROM` (blanks and
/// comments between), as a select list with a trailing comma has.
fn comma_before_from(sql: &str, dialect: Dialect) -> Option<sqlparser::tokenizer::Location> {
    use sqlparser::tokenizer::Token;
    let tokens = dialect.sqlparser_tokens(sql).ok()?;
    let mut words = tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)));
    let mut previous = words.next()?;
    for token in words {
        let from = matches!(&token.token, Token::Word(w)
            if w.keyword == sqlparser::keywords::Keyword::FROM && w.quote_style.is_none());
        if from && previous.token == Token::Comma {
            return Some(previous.span.start);
        }
        previous = token;
    }
    None
}

/// One token for each run of spaces, tabs and newlines. The tokenizer makes
/// one per character, so indentation made half the tokens of a model, and
/// the parser steps over every one at each look-ahead. Where the parser
/// looks at blanks it asks only whether there are any, or (for string
/// literals continued on the next line) whether there is a newline: a run
/// holding a newline stays a newline.
fn collapse_blanks(tokens: &mut Vec<sqlparser::tokenizer::TokenWithSpan>) {
    use sqlparser::tokenizer::{Token, Whitespace};
    let blank = |t: &Token| {
        matches!(
            t,
            Token::Whitespace(Whitespace::Space | Whitespace::Tab | Whitespace::Newline)
        )
    };
    tokens.dedup_by(|next, kept| {
        if !(blank(&kept.token) && blank(&next.token)) {
            return false;
        }
        if next.token == Token::Whitespace(Whitespace::Newline) {
            kept.token = Token::Whitespace(Whitespace::Newline);
        }
        kept.span.end = next.span.end;
        true
    });
}

/// The words `statement_shape` counts.
enum ShapeWord {
    SetOperation,
    Case,
    End,
    Not,
}

/// Bytes that continue a word: ASCII letters, digits and `_`.
static IS_WORD_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

/// Which counted word `word` is, if any: most words are names, told apart
/// by their length before any comparison.
fn shape_word(word: &[u8]) -> Option<ShapeWord> {
    let is = |keyword: &str| word.eq_ignore_ascii_case(keyword.as_bytes());
    match word.len() {
        3 if is("end") => Some(ShapeWord::End),
        3 if is("not") => Some(ShapeWord::Not),
        4 if is("case") => Some(ShapeWord::Case),
        5 if is("union") || is("minus") => Some(ShapeWord::SetOperation),
        6 if is("except") => Some(ShapeWord::SetOperation),
        9 if is("intersect") => Some(ShapeWord::SetOperation),
        _ => None,
    }
}

pub fn statement_shape(sql: &str) -> StatementShape {
    let bytes = sql.as_bytes();
    let mut shape = StatementShape::default();
    let (mut count, mut start) = (0usize, 0usize);
    let mut depth = 0usize;
    // NOTs in a row (blanks and comments between), from `not_start`.
    let (mut nots, mut not_start) = (0usize, 0usize);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'\'' | b'"' | b'`' | b'-' | b'/') {
            if let Some(last) = skip_quoted_or_comment(bytes, i) {
                if matches!(b, b'\'' | b'"' | b'`') {
                    nots = 0;
                }
                i = last + 1;
                continue;
            }
        }
        match b {
            b';' => {
                count = 0;
                depth = 0;
                nots = 0;
                start = i + 1;
            }
            b'(' => {
                depth += 1;
                nots = 0;
                if depth > shape.nesting {
                    shape.nesting = depth;
                    shape.nesting_at = i;
                }
            }
            b')' => {
                depth = depth.saturating_sub(1);
                nots = 0;
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let mut end = i + 1;
                while end < bytes.len() && IS_WORD_BYTE[bytes[end] as usize] {
                    end += 1;
                }
                // Any word ends a run of NOTs but a NOT, which continues it.
                let run = std::mem::take(&mut nots);
                match shape_word(&bytes[i..end]) {
                    Some(ShapeWord::Not) => {
                        if run == 0 {
                            not_start = i;
                        }
                        nots = run + 1;
                        if nots > shape.not_chain {
                            shape.not_chain = nots;
                            shape.not_chain_at = not_start;
                        }
                    }
                    Some(ShapeWord::SetOperation) => count += 1,
                    Some(ShapeWord::Case) => {
                        depth += 1;
                        if depth > shape.nesting {
                            shape.nesting = depth;
                            shape.nesting_at = i;
                        }
                    }
                    Some(ShapeWord::End) => depth = depth.saturating_sub(1),
                    None => {}
                }
                i = end;
                continue;
            }
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => {}
            _ => nots = 0,
        }
        if count > shape.set_operations {
            shape.set_operations = count;
            shape.set_operations_start = start;
        }
        i += 1;
    }
    shape
}

/// Parses every statement of `sql`. When the target's dialect cannot parse
/// it, the generic dialect (which accepts more syntax) gets a chance before
/// the dialect's error is reported: a false syntax error is worse than a
/// missed one.
pub fn parse_sql(sql: &str, dialect: Dialect) -> Result<Vec<Statement>, SyntaxError> {
    let shape = statement_shape(sql);
    let too_complex = |message: String, at: usize| SyntaxError {
        message: format!("Loupe does not analyze this statement: {message}"),
        range: TextRange::new(at, at + token_len(&sql[at..])),
        too_complex: true,
    };
    // What the statement has, the bound, where it is reached, and the words around the count.
    let bounds = [
        (
            shape.set_operations,
            MAX_SET_OPERATIONS,
            shape.set_operations_start,
            ("chains", "set operations"),
        ),
        (
            shape.nesting,
            MAX_NESTING,
            shape.nesting_at,
            ("nests parentheses and CASE", "deep"),
        ),
        (
            shape.not_chain,
            MAX_NOT_CHAIN,
            shape.not_chain_at,
            ("chains", "NOT operators"),
        ),
    ];
    if let Some((found, bound, at, (before, after))) =
        bounds.into_iter().find(|(found, bound, ..)| found > bound)
    {
        return Err(too_complex(
            format!("it {before} {found} {after}, more than {bound}"),
            at,
        ));
    }
    let parse = |sql: &str| {
        dialect.parse(sql).or_else(|error| {
            if dialect == Dialect::Generic {
                return Err(error);
            }
            let generic = Dialect::Generic.parse(sql).map_err(|_| error)?;
            // The generic reading takes a trailing comma in a select list,
            // which Postgres and Redshift refuse.
            let refused = matches!(dialect, Dialect::Postgres | Dialect::Redshift)
                .then(|| comma_before_from(sql, dialect))
                .flatten();
            match refused {
                Some(at) => Err(ParserError::ParserError(format!(
                    "a comma before FROM: {} does not take a trailing comma in a select list at Line: {}, Column: {}",
                    dialect.engine_name(),
                    at.line,
                    at.column
                ))),
                None => Ok(generic),
            }
        })
    };
    let mut statements = parse(sql).or_else(|error| {
        match unparenthesized_insert_queries(sql) {
            Some(plain) => parse(&plain).ok(),
            None => None,
        }
        .ok_or_else(|| syntax_error(sql, error))
    })?;
    if let Some(too_deep) = depth::bound_depth(&mut statements) {
        let at = too_deep.near.map_or(0, |(line, col)| {
            LineIndex::new(sql).offset(sql, line, col).min(sql.len())
        });
        return Err(too_complex(
            format!(
                "its expressions and set operations nest more than {} deep",
                depth::MAX_TREE_DEPTH
            ),
            at,
        ));
    }
    Ok(statements)
}

/// `INSERT INTO t (WITH ... SELECT ...)` with the query's parentheses
/// blanked out, positions kept: sqlparser reads `(WITH` as a column list.
fn unparenthesized_insert_queries(sql: &str) -> Option<String> {
    static INSERT_PAREN_WITH: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\binsert\s+(?:into|overwrite(?:\s+table)?)\s+[^\s(;]+\s*(\()\s*with\b",
        )
        .unwrap()
    });
    let mut bytes = sql.as_bytes().to_vec();
    let mut changed = false;
    for m in INSERT_PAREN_WITH.captures_iter(sql) {
        let open = m.get(1)?.start();
        let close = matching_paren(sql.as_bytes(), open)?;
        bytes[open] = b' ';
        bytes[close] = b' ';
        changed = true;
    }
    changed.then(|| String::from_utf8(bytes).ok()).flatten()
}

/// The `)` that closes the `(` at `open`, past quoted text.
fn matching_paren(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        match bytes[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < bytes.len() && bytes[i] != q {
                    i += 1;
                }
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn syntax_error(sql: &str, error: ParserError) -> SyntaxError {
    if matches!(error, ParserError::RecursionLimitExceeded) {
        // Valid SQL, maybe (`- - - ... 1`), but deeper than the parser goes.
        let at = sql.len() - sql.trim_start().len();
        return SyntaxError {
            message: format!(
                "Loupe does not analyze this statement: it nests more than the parser's {MAX_PARSE_DEPTH} levels"
            ),
            range: TextRange::new(at, at + token_len(&sql[at..])),
            too_complex: true,
        };
    }
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
        too_complex: false,
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

#[cfg(test)]
mod tests {
    use super::*;
    use sqlparser::ast::{Expr, SelectItem, SetExpr, Spanned, Value};

    #[test]
    fn statement_shape_counts_keywords_not_names_strings_or_comments() {
        let sql = "select 1 union select 2 UNION ALL select 3 Intersect select 4 except \
                   select 5 minus select 6; select unions, union_id, x_union, 'union', \
                   \"except\" -- union\n /* minus */ from t union select 1";
        let shape = statement_shape(sql);
        assert_eq!(shape.set_operations, 5);
        assert_eq!(shape.set_operations_start, 0);

        let sql = "select 1; select (case when (a) then case b when 1 then (2) end end), \
                   'case (' from t -- case (\n";
        let shape = statement_shape(sql);
        assert_eq!(shape.nesting, 4);
        assert_eq!(&sql[shape.nesting_at..shape.nesting_at + 3], "(2)");
        let unclosed = statement_shape("select ((( ; select (1)");
        assert_eq!(unclosed.nesting, 3);

        // NOTs in a row, through blanks and comments; anything else ends a run.
        let sql = "select not a, not not not /* c */ not\n b, not (not c), 'not not not not not', \
                   nothing, knot not_x";
        let shape = statement_shape(sql);
        assert_eq!(shape.not_chain, 4);
        assert_eq!(&sql[shape.not_chain_at..shape.not_chain_at + 7], "not not");
        assert_eq!(statement_shape("select not 1 not 2; not").not_chain, 1);
    }

    fn select_items(statement: &Statement) -> Vec<SelectItem> {
        let Statement::Query(query) = statement else {
            panic!("not a query: {statement}")
        };
        let SetExpr::Select(select) = query.body.as_ref() else {
            panic!("not a select: {query}")
        };
        select.projection.clone()
    }

    #[test]
    fn every_dialect_is_listed_in_declaration_order() {
        // `char_classes` keeps one table per dialect, indexed by variant.
        for (i, dialect) in Dialect::ALL.iter().enumerate() {
            assert_eq!(*dialect as usize, i, "{dialect:?}");
        }
        assert_eq!(Dialect::ALL.len(), Dialect::Generic as usize + 1);
    }

    #[test]
    fn collapsed_blanks_keep_positions_and_newlines() {
        let sql = "select\n    a,\n\n\t  b\nfrom t";
        let statements = Dialect::DuckDb.parse(sql).unwrap();
        let items = select_items(&statements[0]);
        let b = items[1].span().start;
        assert_eq!((b.line, b.column), (4, 4));
        // Redshift joins string literals continued on a following line.
        let joined = Dialect::Redshift
            .parse("select 'a'   \n   'b' as x")
            .unwrap();
        let SelectItem::ExprWithAlias { expr, .. } = &select_items(&joined[0])[0] else {
            panic!("no alias")
        };
        let Expr::Value(value) = expr else {
            panic!("not a literal: {expr}")
        };
        assert_eq!(value.value, Value::SingleQuotedString("ab".into()));
    }
}
