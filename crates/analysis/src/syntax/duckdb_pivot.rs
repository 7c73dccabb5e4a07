//! DuckDB's PIVOT and UNPIVOT statements, which sqlparser does not read,
//! given to the parser as the SQL-standard pivots in FROM they mean:
//! - `PIVOT t ON k IN ('a', 'b') USING sum(v)` is
//!   `SELECT * FROM t PIVOT (sum(v) FOR k IN ('a', 'b'))`, the same query;
//! - without an `IN` list (the values come from the data), with several ON
//!   columns or with a GROUP BY (only those columns kept), the values read
//!   as `IN (ANY)`: the columns are not known before the query runs, and the
//!   tree printed back is not DuckDB's query ([`pivot_loses_meaning`]);
//! - `UNPIVOT t ON a, b INTO NAME k VALUE v` is
//!   `SELECT * FROM t UNPIVOT (v FOR k IN (a, b))` (`name` and `value`
//!   without INTO), the same query.
//!
//! Added tokens span nothing at the statement's first word.

use sqlparser::keywords::Keyword;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan};

use super::duckdb_forms::{is_blank, keyword_of, starts_a_query, Opens};

/// The parts of a PIVOT statement: token index ranges, `end` exclusive.
struct PivotParts {
    start: usize,
    unpivot: bool,
    dataset: (usize, usize),
    on: (usize, usize),
    /// PIVOT: the `( ... )` of `IN`, parentheses included.
    values: Option<(usize, usize)>,
    /// PIVOT: USING's aggregates; UNPIVOT: INTO's NAME and VALUE words.
    using: Option<(usize, usize)>,
    into_name: Option<usize>,
    into_value: Option<usize>,
    has_group_by: bool,
    /// Where the rest (ORDER BY, LIMIT, the end) starts.
    rest: usize,
}

impl PivotParts {
    /// Whether the standard pivot it reads as has the columns DuckDB's has.
    fn is_exact(&self, tokens: &[TokenWithSpan]) -> bool {
        if self.unpivot {
            return true;
        }
        let single_on = !tokens[self.on.0..self.on.1]
            .iter()
            .any(|t| t.token == Token::Comma);
        self.values.is_some() && single_on && !self.has_group_by
    }
}

/// The clause a word at depth 0 starts, if it ends the one before.
fn clause_word(token: &Token) -> Option<Keyword> {
    match keyword_of(token)? {
        k @ (Keyword::ON
        | Keyword::IN
        | Keyword::USING
        | Keyword::GROUP
        | Keyword::ORDER
        | Keyword::LIMIT
        | Keyword::INTO
        | Keyword::UNION
        | Keyword::EXCEPT
        | Keyword::INTERSECT) => Some(k),
        _ => None,
    }
}

/// The PIVOT or UNPIVOT statement at `start`, read into its parts.
fn pivot_parts(tokens: &[TokenWithSpan], start: usize) -> Option<PivotParts> {
    let unpivot = match &tokens[start].token {
        Token::Word(w) if w.quote_style.is_none() => match w.value.to_ascii_lowercase().as_str() {
            "pivot" | "pivot_wider" => false,
            "unpivot" | "pivot_longer" => true,
            _ => return None,
        },
        _ => return None,
    };
    // Clause boundaries at the statement's own depth.
    let mut marks: Vec<(Keyword, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut end = tokens.len();
    for (i, t) in tokens.iter().enumerate().skip(start + 1) {
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen if depth == 0 => {
                end = i;
                break;
            }
            Token::RParen => depth -= 1,
            Token::SemiColon if depth == 0 => {
                end = i;
                break;
            }
            other if depth == 0 => {
                if let Some(k) = clause_word(other) {
                    if matches!(k, Keyword::UNION | Keyword::EXCEPT | Keyword::INTERSECT) {
                        end = i;
                        break;
                    }
                    marks.push((k, i));
                }
            }
            _ => {}
        }
    }
    let at = |k: Keyword| marks.iter().find(|(m, _)| *m == k).map(|(_, i)| *i);
    let on = at(Keyword::ON)?;
    // Clauses come in their order (ON, IN, USING, GROUP BY, ORDER BY, LIMIT; INTO
    // after ON): a word of a later clause before ON is not a statement Loupe reads.
    if marks.iter().any(|&(_, i)| i < on) {
        return None;
    }
    let after = |from: usize| -> usize {
        marks
            .iter()
            .map(|(_, i)| *i)
            .filter(|&i| i > from)
            .min()
            .unwrap_or(end)
    };
    let order_or_limit = [at(Keyword::ORDER), at(Keyword::LIMIT)]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(end);
    let mut parts = PivotParts {
        start,
        unpivot,
        dataset: (start + 1, on),
        on: (on + 1, after(on)),
        values: None,
        using: None,
        into_name: None,
        into_value: None,
        has_group_by: at(Keyword::GROUP).is_some(),
        rest: order_or_limit,
    };
    if unpivot {
        let into = at(Keyword::INTO);
        if let Some(into) = into {
            let words: Vec<usize> = (into + 1..order_or_limit)
                .filter(|&i| !is_blank(&tokens[i].token))
                .collect();
            // NAME n VALUE v: one value column only.
            let word = |i: usize, name: &str| matches!(&tokens[i].token, Token::Word(w) if w.value.eq_ignore_ascii_case(name));
            match words.as_slice() {
                [n, name, v, value] if word(*n, "name") && word(*v, "value") => {
                    parts.into_name = Some(*name);
                    parts.into_value = Some(*value);
                }
                _ => return None,
            }
        }
        parts.on = (on + 1, into.unwrap_or(order_or_limit));
        // A dynamic column list (`COLUMNS(*)`, `*`) has no standard spelling.
        let dynamic = tokens[parts.on.0..parts.on.1].iter().any(|t| {
            t.token == Token::Mul
                || matches!(&t.token, Token::Word(w) if w.value.eq_ignore_ascii_case("columns"))
        });
        return (!dynamic).then_some(parts);
    }
    if let Some(i) = at(Keyword::IN).filter(|&i| i == after(on)) {
        let open = (i + 1..end).find(|&j| !is_blank(&tokens[j].token))?;
        if tokens[open].token != Token::LParen {
            return None;
        }
        let close = closing_of(tokens, open)?;
        parts.values = Some((open, close + 1));
    }
    if let Some(using) = at(Keyword::USING) {
        parts.using = Some((using + 1, after(using)));
    }
    Some(parts)
}

fn closing_of(tokens: &[TokenWithSpan], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (j, t) in tokens.iter().enumerate().skip(open) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

/// The PIVOT and UNPIVOT statements of `tokens` (their first word's index).
fn pivot_statements(tokens: &[TokenWithSpan]) -> Vec<PivotParts> {
    let words: Vec<usize> = (0..tokens.len())
        .filter(|&i| {
            matches!(&tokens[i].token, Token::Word(w) if w.quote_style.is_none()
                && matches!(w.value.len(), 5 | 7 | 11 | 12)
                && ["pivot", "unpivot", "pivot_wider", "pivot_longer"]
                    .iter()
                    .any(|p| w.value.eq_ignore_ascii_case(p)))
        })
        .collect();
    if words.is_empty() {
        return Vec::new();
    }
    // Each statement's parts are read to its end: a bound keeps a hostile
    // nest of thousands linear (a real model has a few).
    const MOST: usize = 64;
    let opens = Opens::new();
    words
        .into_iter()
        .filter(|&i| starts_a_query(tokens, i, &opens))
        .take(MOST)
        .filter_map(|i| pivot_parts(tokens, i))
        .collect()
}

/// Whether a tree parsed from `tokens` would not print back DuckDB's query.
pub(super) fn pivot_loses_meaning(tokens: &[TokenWithSpan]) -> bool {
    pivot_statements(tokens).iter().any(|p| !p.is_exact(tokens))
}

/// Rewrites each PIVOT and UNPIVOT statement into its standard form.
pub(super) fn read_pivot_statements(tokens: &mut Vec<TokenWithSpan>) {
    let statements = pivot_statements(tokens);
    if statements.is_empty() {
        return;
    }
    let mut out = Vec::with_capacity(tokens.len() + statements.len() * 16);
    let mut copied = 0;
    for p in &statements {
        if p.start < copied {
            continue;
        }
        out.extend_from_slice(&tokens[copied..p.start]);
        let span = Span::new(tokens[p.start].span.start, tokens[p.start].span.start);
        let added = |token: Token| TokenWithSpan::new(token, span);
        let blank = || added(Token::Whitespace(sqlparser::tokenizer::Whitespace::Space));
        let word = |w: &str| added(Token::make_keyword(w));
        let range = |(a, b): (usize, usize)| tokens[a..b].iter().cloned();
        out.extend([
            word("SELECT"),
            blank(),
            added(Token::Mul),
            blank(),
            word("FROM"),
            blank(),
        ]);
        out.extend(range(p.dataset));
        out.extend([
            blank(),
            word(if p.unpivot { "UNPIVOT" } else { "PIVOT" }),
            added(Token::LParen),
        ]);
        if p.unpivot {
            let name = |i: Option<usize>, default: &str| match i {
                Some(i) => tokens[i].clone(),
                None => added(Token::make_word(default, None)),
            };
            out.extend([name(p.into_value, "value"), blank(), word("FOR"), blank()]);
            out.push(name(p.into_name, "name"));
            out.extend([blank(), word("IN"), blank(), added(Token::LParen)]);
            out.extend(range(p.on));
            out.push(added(Token::RParen));
        } else {
            match p.using {
                Some(using) => out.extend(range(using)),
                None => out.extend([
                    added(Token::make_word("count", None)),
                    added(Token::LParen),
                    added(Token::Mul),
                    added(Token::RParen),
                ]),
            }
            out.extend([blank(), word("FOR"), blank()]);
            // The first ON column stands for them all when the values are ANY.
            let on_end = if p.is_exact(tokens) {
                p.on.1
            } else {
                (p.on.0..p.on.1)
                    .find(|&i| tokens[i].token == Token::Comma)
                    .unwrap_or(p.on.1)
            };
            out.extend(range((p.on.0, on_end)));
            out.extend([blank(), word("IN"), blank()]);
            match (p.is_exact(tokens), p.values) {
                (true, Some(values)) => out.extend(range(values)),
                _ => out.extend([added(Token::LParen), word("ANY"), added(Token::RParen)]),
            }
        }
        out.extend([added(Token::RParen), blank()]);
        copied = p.rest;
    }
    out.extend_from_slice(&tokens[copied..]);
    *tokens = out;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Dialect;

    /// The tokens printed back, each run of blanks one space.
    fn read(sql: &str) -> String {
        let text = super::super::rewritten(Dialect::DuckDb, sql, read_pivot_statements);
        text.replace("( ", "(").replace(" )", ")")
    }

    #[test]
    fn pivot_statements_read_as_standard_pivots() {
        assert_eq!(
            read("pivot t on k in ('a', 'b') using sum(v) as s order by 1"),
            "SELECT * FROM t PIVOT(sum(v) as s FOR k IN ('a', 'b')) order by 1"
        );
        assert_eq!(
            read("with p as (pivot t on k using sum(v) group by id) select * from p"),
            "with p as (SELECT * FROM t PIVOT(sum(v) FOR k IN (ANY))) select * from p"
        );
        assert_eq!(
            read("PIVOT t ON k"),
            "SELECT * FROM t PIVOT(count(*) FOR k IN (ANY))"
        );
        assert_eq!(
            read("unpivot (select * from t) on jan, feb into name month value sales;"),
            "SELECT * FROM (select * from t) UNPIVOT(sales FOR month IN (jan, feb)) ;"
        );
        assert_eq!(
            read("unpivot t on a, b"),
            "SELECT * FROM t UNPIVOT(value FOR name IN (a, b))"
        );
        // A column or table named pivot is not a statement.
        assert_eq!(read("select pivot from t"), "select pivot from t");
        // Clauses out of order are left to the parser (they once sliced backwards).
        for sql in [
            "unpivot t into name n value v limit 1 on a",
            "unpivot t order by 1 on a",
            "pivot t limit 1 on k",
            "pivot t using sum(v) on k",
        ] {
            assert_eq!(read(sql), sql);
        }
    }

    #[test]
    fn only_exact_pivots_print_back() {
        let loses = |sql| pivot_loses_meaning(&Dialect::DuckDb.sqlparser_tokens(sql).unwrap());
        assert!(!loses("pivot t on k in ('a') using sum(v)"));
        assert!(!loses("unpivot t on a, b into name k value v"));
        assert!(loses("pivot t on k using sum(v)"));
        assert!(loses("pivot t on k in ('a') using sum(v) group by id"));
        assert!(!loses("select 1"));
    }
}
