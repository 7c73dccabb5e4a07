//! Spark's intervals of several units (`interval 1 week 12 hours`), of
//! which sqlparser reads one unit: read as the sum of one-unit intervals
//! they mean (`(interval 1 week + interval 12 hours)`), the added tokens
//! spanning nothing. Printed back, the tree runs with the same meaning.

use sqlparser::tokenizer::{Span, Token, TokenWithSpan, Whitespace};

use super::Dialect;

fn is_unit(token: &Token) -> bool {
    let Token::Word(w) = token else {
        return false;
    };
    w.quote_style.is_none()
        && matches!(
            w.value.to_ascii_lowercase().trim_end_matches('s'),
            "year"
                | "month"
                | "week"
                | "day"
                | "hour"
                | "minute"
                | "second"
                | "millisecond"
                | "microsecond"
        )
}

fn is_interval(token: &Token) -> bool {
    matches!(token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case("interval"))
}

/// The index of the first token at or after `i` that is no blank.
fn next_token(tokens: &[TokenWithSpan], i: usize) -> Option<usize> {
    (i..tokens.len()).find(|&j| !matches!(tokens[j].token, Token::Whitespace(_)))
}

/// `[-]value unit` from `i` (blanks skipped): where its value (or sign) starts and its unit.
fn value_and_unit(tokens: &[TokenWithSpan], i: usize) -> Option<(usize, usize)> {
    let start = next_token(tokens, i)?;
    let mut at = start;
    if tokens[at].token == Token::Minus {
        at = next_token(tokens, at + 1)?;
    }
    if !matches!(
        tokens[at].token,
        Token::Number(..) | Token::SingleQuotedString(_)
    ) {
        return None;
    }
    let unit = next_token(tokens, at + 1)?;
    is_unit(&tokens[unit].token).then_some((start, unit))
}

/// The `(value, unit)` token ranges of the interval at `i`, when it has two units or more.
fn multi_unit_interval(tokens: &[TokenWithSpan], i: usize) -> Option<Vec<(usize, usize)>> {
    let mut parts = Vec::new();
    let mut end = i;
    while let Some((start, unit)) = value_and_unit(tokens, end + 1) {
        parts.push((start, unit));
        end = unit;
    }
    (parts.len() >= 2).then_some(parts)
}

/// Rewrites each Spark interval of two units or more into the sum of its units.
pub(super) fn split_multi_unit_intervals(dialect: Dialect, tokens: &mut Vec<TokenWithSpan>) {
    if !matches!(dialect, Dialect::Databricks | Dialect::Hive)
        || !tokens.iter().any(|t| is_interval(&t.token))
    {
        return;
    }
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        let parts = is_interval(&tokens[i].token)
            .then(|| multi_unit_interval(tokens, i))
            .flatten();
        let Some(parts) = parts else {
            out.push(tokens[i].clone());
            i += 1;
            continue;
        };
        let at = |index: usize| Span::new(tokens[index].span.start, tokens[index].span.start);
        let added = |token: Token, span: Span| TokenWithSpan::new(token, span);
        let blank = || Token::Whitespace(Whitespace::Space);
        out.push(added(Token::LParen, at(i)));
        for (n, &(start, unit)) in parts.iter().enumerate() {
            if n > 0 {
                out.push(added(blank(), at(start)));
                out.push(added(Token::Plus, at(start)));
                out.push(added(blank(), at(start)));
            }
            out.push(added(
                tokens[i].token.clone(),
                if n == 0 { tokens[i].span } else { at(start) },
            ));
            out.push(added(blank(), at(start)));
            out.extend(tokens[start..=unit].iter().cloned());
        }
        let end = parts.last().map_or(i, |&(_, unit)| unit);
        out.push(added(
            Token::RParen,
            Span::new(tokens[end].span.end, tokens[end].span.end),
        ));
        i = end + 1;
    }
    *tokens = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens printed back, each run of blanks one space.
    fn split(sql: &str) -> String {
        super::super::rewritten(Dialect::Databricks, sql, |tokens| {
            split_multi_unit_intervals(Dialect::Databricks, tokens)
        })
    }

    #[test]
    fn intervals_of_several_units_read_as_their_sum() {
        assert_eq!(
            split("select ts + interval 1 week 12 hours as x"),
            "select ts + (interval 1 week + interval 12 hours) as x"
        );
        assert_eq!(
            split("INTERVAL -1 DAY '2' hours 3 minutes"),
            "(INTERVAL -1 DAY + INTERVAL '2' hours + INTERVAL 3 minutes)"
        );
        // One unit is sqlparser's to read; a number after a unit is no unit of it.
        assert_eq!(split("interval 1 day"), "interval 1 day");
        assert_eq!(split("interval 1 day, 2 as n"), "interval 1 day, 2 as n");
    }

    #[test]
    fn an_interval_of_endless_units_is_too_deep_to_analyze_not_a_crash() {
        let sql = format!(
            "select d + interval{} as x from t",
            " 1 day".repeat(100_000)
        );
        // On an ordinary stack: the bounds, not a large stack, keep it whole.
        let parsed = std::thread::Builder::new()
            .stack_size(8 * 1024 * 1024)
            .spawn(move || crate::syntax::parse_sql(&sql, Dialect::Databricks).map(|_| ()))
            .unwrap()
            .join()
            .unwrap();
        assert!(parsed.as_ref().is_err_and(|e| e.too_complex), "{parsed:?}");
    }
}
