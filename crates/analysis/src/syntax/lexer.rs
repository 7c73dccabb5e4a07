//! A tokenizer for the SQL most models are made of: ASCII words, numbers,
//! plain strings and quoted names, comments and the common operators. It
//! gives exactly the tokens sqlparser's tokenizer gives (with each run of
//! blanks as one token, as `collapse_blanks` leaves them) at a fraction of
//! the cost: sqlparser builds each token char by char, asks the dialect
//! about every character through a trait object and finds each word's
//! keyword by binary search, a sixth of a cold `loupe check`.
//!
//! Anything else (escapes, prefixed and triple-quoted strings, dialect
//! operators, characters outside ASCII in code) makes [`tokenize`] return
//! `None`, and sqlparser's tokenizer reads the whole text: a reading either
//! matches sqlparser's token for token or is not made. Tests and the
//! `sql_dialects` fuzz target compare the two.

use std::sync::LazyLock;

use rustc_hash::FxHashMap;
use sqlparser::dialect::Dialect as SqlDialect;
use sqlparser::keywords::{Keyword, ALL_KEYWORDS, ALL_KEYWORDS_INDEX};
use sqlparser::tokenizer::{Location, Span, Token, TokenWithSpan, Whitespace, Word};

/// What a dialect makes of each ASCII character, asked once per dialect.
pub struct CharClasses {
    class: [Class; 128],
    word_part: [bool; 128],
    operator_part: [bool; 128],
    triple_quotes: bool,
    backslash_escapes: bool,
    comment_needs_blank: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Class {
    /// Read by sqlparser's tokenizer only.
    Defer,
    Blank,
    WordStart,
    Digit,
    Period,
    String,
    DoubleQuotedString,
    QuotedName,
    Punctuation,
}

impl CharClasses {
    pub fn of(dialect: &dyn SqlDialect) -> CharClasses {
        let mut class = [Class::Defer; 128];
        let mut word_part = [false; 128];
        let mut operator_part = [false; 128];
        for byte in 0..128u8 {
            let ch = char::from(byte);
            word_part[byte as usize] = dialect.is_identifier_part(ch);
            operator_part[byte as usize] = dialect.is_custom_operator_part(ch);
            // In the order sqlparser's tokenizer tries them.
            class[byte as usize] = match byte {
                b' ' | b'\t' | b'\n' | b'\r' => Class::Blank,
                b'a'..=b'z' | b'A'..=b'Z' | b'_' if dialect.is_identifier_start(ch) => {
                    Class::WordStart
                }
                b'\'' => Class::String,
                b'"' if !dialect.is_delimited_identifier_start(ch)
                    && !dialect.is_identifier_start(ch) =>
                {
                    Class::DoubleQuotedString
                }
                b'"' | b'`' if dialect.is_delimited_identifier_start(ch) => Class::QuotedName,
                _ if dialect.is_delimited_identifier_start(ch)
                    || dialect.is_nested_delimited_identifier_start(ch) =>
                {
                    Class::Defer
                }
                b'0'..=b'9' => Class::Digit,
                b'.' => Class::Period,
                b'(' | b')' | b',' | b';' | b'+' | b'*' | b'[' | b']' | b'{' | b'}' | b'='
                | b'!' | b'<' | b'>' | b':' | b'-' | b'/' | b'|' => Class::Punctuation,
                _ => Class::Defer,
            };
        }
        CharClasses {
            class,
            word_part,
            operator_part,
            triple_quotes: dialect.supports_triple_quoted_string(),
            backslash_escapes: dialect.supports_string_literal_backslash_escape(),
            comment_needs_blank: dialect.requires_single_line_comment_whitespace(),
        }
    }
}

/// `sql`'s tokens with their spans, or `None` where sqlparser's tokenizer
/// must read it.
pub fn tokenize(classes: &CharClasses, sql: &str) -> Option<Vec<TokenWithSpan>> {
    let mut lexer = Lexer {
        sql,
        bytes: sql.as_bytes(),
        pos: 0,
        line: 1,
        column: 1,
        classes,
        tokens: Vec::with_capacity(sql.len() / 3 + 16),
    };
    while lexer.pos < lexer.bytes.len() {
        let start = lexer.location();
        let token = lexer.next_token()?;
        let span = Span::new(start, lexer.location());
        lexer.tokens.push(TokenWithSpan { token, span });
    }
    Some(lexer.tokens)
}

struct Lexer<'a> {
    sql: &'a str,
    bytes: &'a [u8],
    pos: usize,
    line: u64,
    column: u64,
    classes: &'a CharClasses,
    tokens: Vec<TokenWithSpan>,
}

impl Lexer<'_> {
    fn location(&self) -> Location {
        Location::new(self.line, self.column)
    }

    /// The byte `ahead` places on, 0 past the end (as no character
    /// continues an operator, the same as the end).
    fn peek(&self, ahead: usize) -> u8 {
        self.bytes.get(self.pos + ahead).copied().unwrap_or(0)
    }

    /// Moves to byte `to`, counting lines and characters as sqlparser does
    /// (a `\r` is a character of the line, a `\n` starts the next).
    fn advance_to(&mut self, to: usize) {
        for &byte in &self.bytes[self.pos..to] {
            if byte == b'\n' {
                self.line += 1;
                self.column = 1;
            } else if byte & 0xC0 != 0x80 {
                self.column += 1;
            }
        }
        self.pos = to;
    }

    /// Moves over ASCII text without a newline.
    fn advance_on_line(&mut self, to: usize) {
        self.column += (to - self.pos) as u64;
        self.pos = to;
    }

    fn operator(&mut self, token: Token, len: usize) -> Option<Token> {
        self.advance_on_line(self.pos + len);
        Some(token)
    }

    /// Whether a custom operator (Postgres's) would continue after `ahead`.
    fn operator_continues(&self, ahead: usize) -> bool {
        let next = self.peek(ahead);
        next >= 128 || self.classes.operator_part[next as usize]
    }

    fn next_token(&mut self) -> Option<Token> {
        let byte = self.bytes[self.pos];
        if byte >= 128 {
            return None;
        }
        match self.classes.class[byte as usize] {
            Class::Defer => None,
            Class::Blank => Some(self.blanks()),
            Class::WordStart => self.word(),
            Class::Digit => self.number(),
            Class::Period => match self.peek(1) {
                // `t._loaded_at`; `._` after anything but a name is an error.
                b'_' if !matches!(self.tokens.last(), Some(t) if matches!(t.token, Token::Word(_))) => {
                    None
                }
                b'0'..=b'9' => None,
                _ => self.operator(Token::Period, 1),
            },
            Class::String => self.quoted(b'\'').map(Token::SingleQuotedString),
            Class::DoubleQuotedString => self.quoted(b'"').map(Token::DoubleQuotedString),
            Class::QuotedName => self.quoted_name(byte),
            Class::Punctuation => self.punctuation(byte),
        }
    }

    /// A run of spaces, tabs and newlines: a newline if it holds one,
    /// else what it starts with.
    fn blanks(&mut self) -> Token {
        let first = self.bytes[self.pos];
        let mut end = self.pos;
        let mut newline = false;
        while let Some(&byte @ (b' ' | b'\t' | b'\n' | b'\r')) = self.bytes.get(end) {
            newline |= byte == b'\n' || byte == b'\r';
            end += 1;
        }
        self.advance_to(end);
        Token::Whitespace(match (newline, first) {
            (true, _) => Whitespace::Newline,
            (false, b' ') => Whitespace::Space,
            (false, _) => Whitespace::Tab,
        })
    }

    fn word(&mut self) -> Option<Token> {
        let first = self.bytes[self.pos];
        // `x'..'`, `N'..'`, `E'..'`, `U&'..'`, `nq'..'` and the like are
        // literals in some dialects.
        if b"bBrRnNqQeEuUxX".contains(&first) {
            match self.peek(1) {
                b'\'' | b'"' | b'&' => return None,
                b'q' | b'Q' if matches!(first, b'n' | b'N') && self.peek(2) == b'\'' => {
                    return None
                }
                _ => {}
            }
        }
        let mut end = self.pos + 1;
        while let Some(&byte) = self.bytes.get(end) {
            if byte >= 128 {
                // A letter beyond ASCII can continue a word.
                return None;
            }
            if !self.classes.word_part[byte as usize] {
                break;
            }
            end += 1;
        }
        let value = &self.sql[self.pos..end];
        self.advance_on_line(end);
        Some(Token::Word(Word {
            value: value.to_string(),
            quote_style: None,
            keyword: keyword(value),
        }))
    }

    /// Plain integers and decimals; exponents, separators, hex, `L`
    /// suffixes and names that start with digits are sqlparser's.
    fn number(&mut self) -> Option<Token> {
        if matches!(self.tokens.last(), Some(t) if t.token == Token::Period) {
            return None;
        }
        let digits_from = |mut at: usize| {
            while self.bytes.get(at).is_some_and(u8::is_ascii_digit) {
                at += 1;
            }
            at
        };
        let mut end = digits_from(self.pos);
        if self.bytes.get(end) == Some(&b'.') {
            end = digits_from(end + 1);
        }
        if let Some(&next) = self.bytes.get(end) {
            if next >= 128
                || next == b'.'
                || next.is_ascii_alphanumeric()
                || self.classes.word_part[next as usize]
            {
                return None;
            }
        }
        let text = self.sql[self.pos..end].to_string();
        self.advance_on_line(end);
        Some(Token::Number(text, false))
    }

    /// The text of a string quoted by `quote`, a doubled quote read as one.
    fn quoted(&mut self, quote: u8) -> Option<String> {
        if self.classes.triple_quotes && self.peek(1) == quote && self.peek(2) == quote {
            return None;
        }
        let (text, end) = self.until_closing(quote)?;
        if self.classes.backslash_escapes && text.contains('\\') {
            return None;
        }
        self.advance_to(end);
        Some(text)
    }

    fn quoted_name(&mut self, quote: u8) -> Option<Token> {
        let (value, end) = self.until_closing(quote)?;
        self.advance_to(end);
        Some(Token::Word(Word {
            value,
            quote_style: Some(char::from(quote)),
            keyword: Keyword::NoKeyword,
        }))
    }

    /// The text from the opening `quote` here to its closing one, and the
    /// position after that; `None` if it is not closed.
    fn until_closing(&self, quote: u8) -> Option<(String, usize)> {
        let mut text = String::new();
        let mut from = self.pos + 1;
        loop {
            let close = from + self.bytes[from..].iter().position(|&b| b == quote)?;
            text.push_str(&self.sql[from..close]);
            if self.bytes.get(close + 1) != Some(&quote) {
                return Some((text, close + 1));
            }
            text.push(char::from(quote));
            from = close + 2;
        }
    }

    fn punctuation(&mut self, byte: u8) -> Option<Token> {
        let next = self.peek(1);
        match byte {
            b'(' => self.operator(Token::LParen, 1),
            b')' => self.operator(Token::RParen, 1),
            b',' => self.operator(Token::Comma, 1),
            b';' => self.operator(Token::SemiColon, 1),
            b'+' => self.operator(Token::Plus, 1),
            b'*' => self.operator(Token::Mul, 1),
            b'[' => self.operator(Token::LBracket, 1),
            b']' => self.operator(Token::RBracket, 1),
            b'{' => self.operator(Token::LBrace, 1),
            b'}' => self.operator(Token::RBrace, 1),
            b'=' => match next {
                b'>' => self.operator(Token::RArrow, 2),
                b'=' => self.operator(Token::DoubleEq, 2),
                _ => self.operator(Token::Eq, 1),
            },
            b'!' if next == b'=' => self.operator(Token::Neq, 2),
            b'<' => match next {
                b'=' => match self.peek(2) {
                    b'>' => None,
                    b'+' | b'-' => self.operator(Token::LtEq, 2),
                    _ if self.operator_continues(2) => None,
                    _ => self.operator(Token::LtEq, 2),
                },
                b'>' if !self.operator_continues(2) => self.operator(Token::Neq, 2),
                b'+' => self.operator(Token::Lt, 1),
                b'>' | b'<' | b'|' | b'^' | b'@' | b'-' => None,
                _ if self.operator_continues(1) => None,
                _ => self.operator(Token::Lt, 1),
            },
            b'>' => match next {
                b'=' if !self.operator_continues(2) => self.operator(Token::GtEq, 2),
                b'=' | b'>' | b'^' => None,
                _ if self.operator_continues(1) => None,
                _ => self.operator(Token::Gt, 1),
            },
            b':' => match next {
                b':' => self.operator(Token::DoubleColon, 2),
                b'=' => self.operator(Token::Assignment, 2),
                _ => self.operator(Token::Colon, 1),
            },
            b'-' => match next {
                b'-' => self.line_comment(),
                b'>' => None,
                _ if self.operator_continues(1) => None,
                _ => self.operator(Token::Minus, 1),
            },
            b'/' => match next {
                b'*' => self.block_comment(),
                b'/' => None,
                _ => self.operator(Token::Div, 1),
            },
            b'|' if next == b'|' => match self.peek(2) {
                b'/' => None,
                _ if self.operator_continues(2) => None,
                _ => self.operator(Token::StringConcat, 2),
            },
            _ => None,
        }
    }

    /// `-- ...` up to the end of the line (the newline is the next token).
    fn line_comment(&mut self) -> Option<Token> {
        if self.classes.comment_needs_blank && !matches!(self.peek(2), b' ' | b'\t' | b'\n') {
            return None;
        }
        let from = self.pos + 2;
        let end = self.bytes[from..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(self.bytes.len(), |at| from + at);
        let comment = &self.sql[from..end];
        if comment.contains('\r') {
            return None; // Postgres ends the comment there, others do not
        }
        let comment = comment.to_string();
        self.advance_to(end);
        Some(Token::Whitespace(Whitespace::SingleLineComment {
            comment,
            prefix: "--".to_string(),
        }))
    }

    /// `/* ... */`, unless it nests another or is a MySQL hint (`/*!`).
    fn block_comment(&mut self) -> Option<Token> {
        let from = self.pos + 2;
        let close = from + self.sql[from..].find("*/")?;
        // Up to the closing `*`: in `/* a /*/` that `*` opens a nested one.
        if self.sql[from..=close].contains("/*") || self.peek(2) == b'!' {
            return None;
        }
        let comment = self.sql[from..close].to_string();
        self.advance_to(close + 2);
        Some(Token::Whitespace(Whitespace::MultiLineComment(comment)))
    }
}

/// Longer than any keyword sqlparser knows (a test checks).
const KEYWORD_MAX_LEN: usize = 40;

/// The keyword a word spells, in any case, as sqlparser's lookup finds it.
pub fn keyword(word: &str) -> Keyword {
    static KEYWORDS: LazyLock<FxHashMap<&'static [u8], Keyword>> = LazyLock::new(|| {
        ALL_KEYWORDS
            .iter()
            .zip(ALL_KEYWORDS_INDEX)
            .map(|(text, keyword)| (text.as_bytes(), *keyword))
            .collect()
    });
    if word.len() > KEYWORD_MAX_LEN {
        return Keyword::NoKeyword;
    }
    let mut upper = [0u8; KEYWORD_MAX_LEN];
    for (to, from) in upper.iter_mut().zip(word.bytes()) {
        *to = from.to_ascii_uppercase();
    }
    KEYWORDS
        .get(&upper[..word.len()])
        .copied()
        .unwrap_or(Keyword::NoKeyword)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_found_as_sqlparser_finds_them() {
        for text in ALL_KEYWORDS {
            assert!(text.len() <= KEYWORD_MAX_LEN, "{text}");
            for spelled in [text.to_string(), text.to_lowercase()] {
                let Token::Word(word) = Token::make_word(&spelled, None) else {
                    unreachable!()
                };
                assert_eq!(keyword(&spelled), word.keyword, "{spelled}");
            }
        }
        assert_eq!(keyword("customer_id"), Keyword::NoKeyword);
        assert_eq!(keyword(&"x".repeat(100)), Keyword::NoKeyword);
    }
}
