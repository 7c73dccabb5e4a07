//! DuckDB's list slices with an open end and a step (`l[::-1]`, `l[:-:-1]`,
//! `l[2:-:2]`): sqlparser wants an upper bound before the second colon. The
//! parser is given DuckDB's own open end, `-`, as a bare word: it reads as a
//! name no SQL text can spell unquoted, prints back as `-` (`l[2::2]` would be
//! a cast), and typing knows it for what it is ([`is_open_slice_end`]).

use sqlparser::ast::Expr;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan, Word};

use super::duckdb_forms::is_blank;

/// DuckDB's open end of a slice.
const OPEN_END: &str = "-";

fn open_end() -> Token {
    Token::Word(Word {
        value: OPEN_END.to_string(),
        quote_style: None,
        keyword: sqlparser::keywords::Keyword::NoKeyword,
    })
}

/// Whether a slice's bound is DuckDB's open end (no column to read).
pub fn is_open_slice_end(expr: &Expr) -> bool {
    matches!(expr, Expr::Identifier(id) if id.value == OPEN_END && id.quote_style.is_none())
}

/// Gives each open-ended slice with a step in `tokens` a stand-in upper bound.
pub(super) fn bound_open_slices(tokens: &mut Vec<TokenWithSpan>) {
    // What to do at a token: put a bound before it, or read it as one.
    enum Edit {
        /// `[::` : the `::` is two colons with the bound between.
        SplitDoubleColon(usize),
        /// `: :` : the bound goes before the second colon.
        InsertBefore(usize),
        /// `:-:` : DuckDB's `-` there means the end.
        Replace(usize),
    }
    if !tokens.iter().any(|t| matches!(t.token, Token::LBracket)) {
        return;
    }
    let mut edits = Vec::new();
    // The innermost open bracket of each kind: only a `[`'s colons are a slice's.
    let mut open: Vec<Token> = Vec::new();
    let mut last: Option<usize> = None; // the previous token that is not blank
    for i in 0..tokens.len() {
        let token = &tokens[i].token;
        if is_blank(token) {
            continue;
        }
        let in_brackets = matches!(open.last(), Some(Token::LBracket));
        let after = |want: &Token| last.is_some_and(|l| &tokens[l].token == want);
        match token {
            Token::LBracket | Token::LParen | Token::LBrace => open.push(token.clone()),
            Token::RBracket | Token::RParen | Token::RBrace => {
                open.pop();
            }
            Token::DoubleColon if in_brackets && after(&Token::LBracket) => {
                edits.push(Edit::SplitDoubleColon(i));
            }
            Token::Colon if in_brackets && after(&Token::Colon) => {
                edits.push(Edit::InsertBefore(i))
            }
            Token::Colon if in_brackets && after(&Token::Minus) => {
                let minus = last.unwrap();
                let before_minus = (0..minus).rev().find(|&j| !is_blank(&tokens[j].token));
                if before_minus.is_some_and(|b| tokens[b].token == Token::Colon) {
                    edits.push(Edit::Replace(minus));
                }
            }
            _ => {}
        }
        last = Some(i);
    }
    if edits.is_empty() {
        return;
    }
    let mut out = Vec::with_capacity(tokens.len() + edits.len() * 2);
    let mut pending = edits.into_iter().peekable();
    for (i, token) in tokens.drain(..).enumerate() {
        let at = Span::new(token.span.start, token.span.start);
        match pending.next_if(|e| matches!(e, Edit::SplitDoubleColon(j) | Edit::InsertBefore(j) | Edit::Replace(j) if *j == i)) {
            Some(Edit::SplitDoubleColon(_)) => out.extend([
                TokenWithSpan::new(Token::Colon, at),
                TokenWithSpan::new(open_end(), at),
                TokenWithSpan::new(Token::Colon, token.span),
            ]),
            Some(Edit::InsertBefore(_)) => {
                out.push(TokenWithSpan::new(open_end(), at));
                out.push(token);
            }
            Some(Edit::Replace(_)) => out.push(TokenWithSpan::new(open_end(), token.span)),
            None => out.push(token),
        }
    }
    *tokens = out;
}

#[cfg(test)]
mod tests {
    use crate::syntax::Dialect;

    /// The statement as the parsed tree prints it back.
    fn printed(sql: &str) -> String {
        let statements = Dialect::DuckDb.parse(sql).unwrap();
        statements[0].to_string()
    }

    #[test]
    fn open_ended_slices_print_back_as_duckdb_reads_them() {
        assert_eq!(printed("select l[::-1]"), "SELECT l[:-:-1]");
        assert_eq!(printed("select l[ : : -1]"), "SELECT l[:-:-1]");
        assert_eq!(printed("select l[:-:-1]"), "SELECT l[:-:-1]");
        assert_eq!(
            printed("select l[2:-:2], l[1:3:2]"),
            "SELECT l[2:-:2], l[1:3:2]"
        );
        // A cast inside an index, a struct's colon, a named parameter: untouched.
        assert_eq!(printed("select l[i::INT]"), "SELECT l[i::INT]");
        assert_eq!(printed("select {'a': -1}"), "SELECT {'a': -1}");
        assert_eq!(printed("select l[:-1]"), "SELECT l[:-1]");
    }
}
