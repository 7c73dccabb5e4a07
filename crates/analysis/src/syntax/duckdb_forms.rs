//! DuckDB's friendlier SQL that sqlparser does not read, given to the parser
//! as the plain SQL it means (added tokens span nothing, so positions stay
//! the text's; printed back, the tree runs with the same meaning):
//! - a query of only a FROM clause (`FROM t WHERE x > 1`) selects `*`;
//! - `a ** b` is `a ^ b`;
//! - an aggregate's `FILTER (cond)` is `FILTER (WHERE cond)`;
//! - PIVOT and UNPIVOT statements (see [`super::duckdb_pivot`]);
//! - list slices with an open end and a step (see [`super::duckdb_slices`]).

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, Whitespace};

use super::Dialect;

pub(super) fn is_blank(token: &Token) -> bool {
    matches!(token, Token::Whitespace(_))
}

pub(super) fn keyword_of(token: &Token) -> Option<Keyword> {
    match token {
        Token::Word(w) if w.quote_style.is_none() => Some(w.keyword),
        _ => None,
    }
}

fn previous(tokens: &[TokenWithSpan], i: usize) -> Option<usize> {
    (0..i).rev().find(|&j| !is_blank(&tokens[j].token))
}

fn next(tokens: &[TokenWithSpan], i: usize) -> Option<usize> {
    (i + 1..tokens.len()).find(|&j| !is_blank(&tokens[j].token))
}

/// [`closing_opens`], found when first asked for: only a word right after a
/// closing parenthesis needs it.
pub(super) type Opens = std::cell::OnceCell<Vec<Option<usize>>>;

/// Each closing parenthesis's opening one.
fn closing_opens(tokens: &[TokenWithSpan]) -> Vec<Option<usize>> {
    let mut opens = vec![None; tokens.len()];
    let mut stack = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        match t.token {
            Token::LParen => stack.push(i),
            Token::RParen => opens[i] = stack.pop(),
            _ => {}
        }
    }
    opens
}

/// Whether the word at `i` starts a query: first in the statement, after an
/// opening parenthesis, or after a set operation (`UNION [ALL] [BY NAME]`).
pub(super) fn starts_a_query(tokens: &[TokenWithSpan], i: usize, opens: &Opens) -> bool {
    let Some(before) = previous(tokens, i) else {
        return true;
    };
    match &tokens[before].token {
        Token::SemiColon => true,
        // After a WITH clause: its last CTE's `AS (...)`.
        Token::RParen => opens.get_or_init(|| closing_opens(tokens))[before]
            .and_then(|open| previous(tokens, open))
            .is_some_and(|b| {
                matches!(
                    keyword_of(&tokens[b].token),
                    Some(Keyword::AS | Keyword::MATERIALIZED)
                )
            }),
        // A subquery's parenthesis, not a call's (`trim(from s)`).
        Token::LParen => previous(tokens, before).is_none_or(|b| match &tokens[b].token {
            Token::Word(w) if w.quote_style.is_none() => matches!(
                w.keyword,
                Keyword::AS
                    | Keyword::IN
                    | Keyword::EXISTS
                    | Keyword::FROM
                    | Keyword::JOIN
                    | Keyword::MATERIALIZED
                    | Keyword::LATERAL
                    | Keyword::ANY
                    | Keyword::ALL
                    | Keyword::SOME
                    | Keyword::UNION
                    | Keyword::EXCEPT
                    | Keyword::INTERSECT
                    | Keyword::SELECT
                    | Keyword::WHERE
                    | Keyword::AND
                    | Keyword::OR
                    | Keyword::NOT
            ),
            Token::Word(_) => false,
            _ => true,
        }),
        t => match keyword_of(t) {
            Some(Keyword::UNION | Keyword::EXCEPT | Keyword::INTERSECT) => true,
            Some(Keyword::ALL | Keyword::DISTINCT) => previous(tokens, before).is_some_and(|b| {
                matches!(
                    keyword_of(&tokens[b].token),
                    Some(Keyword::UNION | Keyword::EXCEPT | Keyword::INTERSECT)
                )
            }),
            // `UNION [ALL] BY NAME`
            Some(Keyword::NAME) => previous(tokens, before)
                .is_some_and(|b| keyword_of(&tokens[b].token) == Some(Keyword::BY)),
            _ => false,
        },
    }
}

/// The FROMs that start a query with no SELECT of its own (at its own
/// depth, before it ends or a set operation follows), in one pass.
fn bare_froms(tokens: &[TokenWithSpan]) -> Vec<usize> {
    let opens = Opens::new();
    let mut bare = Vec::new();
    // Open candidates: (depth, FROM's index, a SELECT seen).
    let mut open: Vec<(usize, usize, bool)> = Vec::new();
    let mut depth = 0usize;
    let mut settle = |open: &mut Vec<(usize, usize, bool)>, depth: usize| {
        while open.last().is_some_and(|c| c.0 >= depth) {
            let (_, from, selected) = open.pop().unwrap();
            if !selected {
                bare.push(from);
            }
        }
    };
    for (i, t) in tokens.iter().enumerate() {
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                settle(&mut open, depth);
                depth = depth.saturating_sub(1);
            }
            Token::SemiColon => {
                settle(&mut open, 0);
                depth = 0;
            }
            other => match keyword_of(other) {
                Some(Keyword::FROM) if starts_a_query(tokens, i, &opens) => {
                    settle(&mut open, depth);
                    open.push((depth, i, false));
                }
                Some(Keyword::SELECT) => {
                    if let Some(c) = open.last_mut().filter(|c| c.0 == depth) {
                        c.2 = true;
                    }
                }
                Some(Keyword::UNION | Keyword::EXCEPT | Keyword::INTERSECT) => {
                    settle(&mut open, depth);
                }
                _ => {}
            },
        }
    }
    settle(&mut open, 0);
    bare.sort_unstable();
    bare
}

/// Rewrites DuckDB's forms above in `tokens`.
pub(super) fn read_duckdb_forms(dialect: Dialect, tokens: &mut Vec<TokenWithSpan>) {
    if dialect != Dialect::DuckDb {
        return;
    }
    super::duckdb_pivot::read_pivot_statements(tokens);
    super::duckdb_slices::bound_open_slices(tokens);
    let at = |t: &TokenWithSpan| Span::new(t.span.start, t.span.start);
    let space = Token::Whitespace(Whitespace::Space);
    let mut inserts: Vec<(usize, Vec<Token>)> = bare_froms(tokens)
        .into_iter()
        .map(|i| {
            let select = vec![
                Token::make_keyword("SELECT"),
                space.clone(),
                Token::Mul,
                space.clone(),
            ];
            (i, select)
        })
        .collect();
    for i in 0..tokens.len() {
        match &tokens[i].token {
            Token::Word(w) if w.quote_style.is_none() && w.keyword == Keyword::FILTER => {
                // `agg(x) FILTER (cond)`, not a column named `filter`.
                let after_call =
                    previous(tokens, i).is_some_and(|b| tokens[b].token == Token::RParen);
                let open = next(tokens, i).filter(|&o| tokens[o].token == Token::LParen);
                if let (true, Some(open)) = (after_call, open) {
                    let first = next(tokens, open);
                    let has_where =
                        first.is_some_and(|f| keyword_of(&tokens[f].token) == Some(Keyword::WHERE));
                    if !has_where {
                        inserts.push((open + 1, vec![Token::make_keyword("WHERE"), space.clone()]));
                    }
                }
            }
            _ => {}
        }
    }
    let powers: Vec<usize> = (0..tokens.len().saturating_sub(1))
        .filter(|&i| {
            matches!(tokens[i].token, Token::Mul)
                && matches!(tokens[i + 1].token, Token::Mul)
                && tokens[i + 1].span.start == tokens[i].span.end
                && (i == 0 || !matches!(tokens[i - 1].token, Token::Mul))
        })
        .collect();
    for i in powers {
        tokens[i].token = Token::Caret;
        tokens[i + 1].token = Token::Whitespace(Whitespace::Space);
    }
    if inserts.is_empty() {
        return;
    }
    inserts.sort_by_key(|(i, _)| *i);
    let mut out = Vec::with_capacity(tokens.len() + inserts.len() * 4);
    let mut pending = inserts.into_iter().peekable();
    for (i, token) in tokens.drain(..).enumerate() {
        while let Some((_, added)) = pending.next_if(|(at_index, _)| *at_index == i) {
            let span = at(&token);
            out.extend(added.into_iter().map(|t| TokenWithSpan::new(t, span)));
        }
        out.push(token);
    }
    *tokens = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens printed back, each run of blanks one space.
    fn read(sql: &str) -> String {
        super::super::rewritten(Dialect::DuckDb, sql, |tokens| {
            read_duckdb_forms(Dialect::DuckDb, tokens)
        })
    }

    #[test]
    fn a_query_of_only_from_selects_star() {
        assert_eq!(read("from t where id > 1"), "SELECT * from t where id > 1");
        assert_eq!(
            read("with a as (from t) from a union all by name from (select 1 as id)"),
            "with a as (SELECT * from t) SELECT * from a union all by name SELECT * from (select 1 as id)"
        );
        // FROM first with a SELECT after it is sqlparser's; a FROM after a
        // select list, a column named `name`, or a call is no query start.
        assert_eq!(read("from t select id"), "from t select id");
        assert_eq!(read("select name from t"), "select name from t");
        assert_eq!(
            read("select extract(year from d), trim(from s) from t"),
            "select extract(year from d), trim(from s) from t"
        );
        assert_eq!(
            read("select * from t where id in (from u) and exists (from v)"),
            "select * from t where id in (SELECT * from u) and exists (SELECT * from v)"
        );
    }

    #[test]
    fn power_and_filter_without_where() {
        assert_eq!(
            read("select 2 ** 3, a*b, count(*)"),
            "select 2 ^ 3, a*b, count(*)"
        );
        assert_eq!(
            read("select avg(x) filter (b), count(*) filter (where c), filter from t"),
            "select avg(x) filter (WHERE b), count(*) filter (where c), filter from t"
        );
    }
}
