//! Where `dbt compile` puts the CTEs of the ephemeral models a statement
//! reads: after its `WITH` (or `WITH RECURSIVE`), followed by a comma;
//! without one, a `with` and the CTEs go before its first token (blanks
//! skipped, a comment not). dbt takes any top-level `WITH` keyword of the
//! statement, which breaks `unnest(a) with ordinality`; Loupe takes the
//! statement's leading one only.

use sqlparser::tokenizer::{Token, TokenWithSpan, Whitespace};

use super::Dialect;
use crate::text::LineIndex;

/// A byte offset in the statement's text and what is injected there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CteInsertion {
    /// After the `WITH` (or `RECURSIVE`) keyword and its blanks: `CTEs, `.
    AfterWith(usize),
    /// Before the first token starting here: `with CTEs `.
    BeforeFirstToken(usize),
}

/// Where dbt injects ephemeral CTEs into `sql`, or `None` when the text does
/// not tokenize (dbt's own reading would not be the same either).
pub fn ephemeral_cte_insertion(dialect: Dialect, sql: &str) -> Option<CteInsertion> {
    let tokens = plain_tokens(dialect, sql)?;
    let lines = LineIndex::new(sql);
    let offset = |loc: sqlparser::tokenizer::Location| {
        lines.offset(sql, loc.line, loc.column).min(sql.len())
    };
    let is_blank = |t: &Token| {
        matches!(
            t,
            Token::Whitespace(Whitespace::Space | Whitespace::Tab | Whitespace::Newline)
        )
    };
    let keyword = |t: &Token, name: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(name));
    let is_comment = |t: &Token| matches!(t, Token::Whitespace(_)) && !is_blank(t);
    // The statement's own WITH is its first word (comments before it aside);
    // a later one (`unnest(a) with ordinality`) is another clause.
    let mut words = tokens
        .iter()
        .filter(|t| !is_blank(&t.token) && !is_comment(&t.token));
    if let Some(with) = words.next().filter(|t| keyword(&t.token, "with")) {
        // After the keyword and the blanks that follow it (sqlparse's
        // `insert_after` skips them), past a `RECURSIVE`.
        let mut rest = tokens
            .iter()
            .skip_while(|t| !std::ptr::eq(*t, with))
            .skip(1)
            .filter(|t| !is_blank(&t.token));
        let next = match rest.next() {
            Some(r) if keyword(&r.token, "recursive") => rest.next(),
            next => next,
        };
        return Some(CteInsertion::AfterWith(
            next.map_or(sql.len(), |t| offset(t.span.start)),
        ));
    }
    let first = tokens
        .iter()
        .find(|t| !is_blank(&t.token))
        .map_or(sql.len(), |t| offset(t.span.start));
    Some(CteInsertion::BeforeFirstToken(first))
}

/// The text's tokens as written (no rewriting for the parser).
fn plain_tokens(dialect: Dialect, sql: &str) -> Option<Vec<TokenWithSpan>> {
    match super::lexer::tokenize(dialect.char_classes(), sql) {
        Some(tokens) => Some(tokens),
        None => dialect.sqlparser_tokens(sql).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inject(sql: &str) -> String {
        let ctes = " __dbt__cte__a as (\nselect 1 as x\n)";
        let mut out = sql.to_string();
        match ephemeral_cte_insertion(Dialect::DuckDb, sql).unwrap() {
            CteInsertion::AfterWith(at) => out.insert_str(at, &format!("{ctes}, ")),
            CteInsertion::BeforeFirstToken(at) => out.insert_str(at, &format!("with{ctes} ")),
        }
        out
    }

    #[test]
    fn ctes_go_after_the_statement_s_with() {
        assert_eq!(
            inject("with b as (select 2)\nselect * from b"),
            "with  __dbt__cte__a as (\nselect 1 as x\n), b as (select 2)\nselect * from b"
        );
        assert_eq!(
            inject("WITH RECURSIVE r as (select 1) select * from r"),
            "WITH RECURSIVE  __dbt__cte__a as (\nselect 1 as x\n), r as (select 1) select * from r"
        );
    }

    #[test]
    fn without_a_with_one_is_added_before_the_first_token() {
        assert_eq!(
            inject("\n\nselect * from (with b as (select 1) select * from b)"),
            "\n\nwith __dbt__cte__a as (\nselect 1 as x\n) select * from (with b as (select 1) select * from b)"
        );
        // A leading comment is a token to dbt: the `with` goes before it.
        assert_eq!(
            inject("-- note\nselect 1"),
            "with __dbt__cte__a as (\nselect 1 as x\n) -- note\nselect 1"
        );
    }

    #[test]
    fn only_the_statement_s_leading_with_takes_the_ctes() {
        assert_eq!(
            inject("select 'with' as w; with b as (select 1) select 1"),
            "with __dbt__cte__a as (\nselect 1 as x\n) select 'with' as w; with b as (select 1) select 1"
        );
        assert_eq!(
            inject("select * from unnest([1]) with ordinality"),
            "with __dbt__cte__a as (\nselect 1 as x\n) select * from unnest([1]) with ordinality"
        );
        assert_eq!(
            inject("/* why */ with b as (select 2) select * from b"),
            "/* why */ with  __dbt__cte__a as (\nselect 1 as x\n), b as (select 2) select * from b"
        );
    }
}
