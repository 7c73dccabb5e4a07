//! Where each gem stands in a model's template, and how the file is written
//! (keyword case, indentation, commas), read from the template itself so
//! that edits touch only the gems they change, Jinja and comments included.

use crate::gems::Gem;
use crate::text::TextRange;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum TokenKind {
    Word,
    Punct(u8),
    /// Quoted text, an expression or statement tag: code, but opaque.
    Opaque,
    /// `--`, `/* */` and `{# #}`.
    Comment,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub kind: TokenKind,
    pub range: TextRange,
}

/// The end (exclusive) of the quoted text, comment or Jinja tag starting at `i`.
fn skip_opaque(bytes: &[u8], i: usize) -> Option<(usize, TokenKind)> {
    if bytes[i] == b'{' {
        let close: &[u8] = match bytes.get(i + 1) {
            Some(b'{') => b"}}",
            Some(b'%') => b"%}",
            Some(b'#') => b"#}",
            _ => return None,
        };
        let end = bytes[i + 2..]
            .windows(2)
            .position(|w| w == close)
            .map_or(bytes.len(), |p| i + 2 + p + 2);
        let kind = if close == b"#}" {
            TokenKind::Comment
        } else {
            TokenKind::Opaque
        };
        return Some((end, kind));
    }
    let last = crate::syntax::skip_quoted_or_comment(bytes, i)?;
    let kind = if matches!(bytes[i], b'-' | b'/') {
        TokenKind::Comment
    } else {
        TokenKind::Opaque
    };
    Some(((last + 1).min(bytes.len()), kind))
}

/// The tokens of `range` of the template (whitespace dropped).
pub(super) fn tokens(text: &str, range: TextRange) -> Vec<Token> {
    let bytes = &text.as_bytes()[..range.end.min(text.len())];
    let mut out = Vec::new();
    let mut i = range.start;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let (end, kind) = if let Some(found) = skip_opaque(bytes, i) {
            found
        } else if b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80 {
            let len = bytes[i..]
                .iter()
                .position(|c| {
                    !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'$' || *c >= 0x80)
                })
                .unwrap_or(bytes.len() - i);
            (i + len.max(1), TokenKind::Word)
        } else {
            (i + 1, TokenKind::Punct(b))
        };
        out.push(Token {
            kind,
            range: TextRange::new(i, end),
        });
        i = end;
    }
    out
}

fn is_word(text: &str, t: &Token, word: &str) -> bool {
    t.kind == TokenKind::Word && text[t.range.start..t.range.end].eq_ignore_ascii_case(word)
}

/// A CTE as written: `name as ( body )`.
#[derive(Clone, Debug)]
pub(super) struct CteLayout {
    pub name: String,
    pub name_range: TextRange,
    /// Inside the parentheses.
    pub body: TextRange,
    /// From the name to the closing parenthesis included.
    pub extent: TextRange,
}

/// The gems of a model as they stand in its template.
#[derive(Clone, Debug)]
pub(super) struct Layout {
    pub with_keyword: Option<TextRange>,
    pub ctes: Vec<CteLayout>,
    /// The final SELECT, from its first keyword to its last token.
    pub final_extent: TextRange,
}

/// Where the gems of the analysis stand in `text`; `None` when a CTE's name
/// or parentheses come from Jinja (then only the code can be edited).
pub(super) fn layout(text: &str, gems: &[Gem]) -> Option<Layout> {
    let (final_gem, ctes) = gems.split_last()?;
    let mut out = Layout {
        with_keyword: None,
        ctes: Vec::new(),
        final_extent: TextRange::default(),
    };
    for gem in ctes {
        let written = text.get(gem.range.start..gem.range.end)?;
        if !written
            .trim_matches(['"', '`'])
            .eq_ignore_ascii_case(&gem.name)
        {
            return None;
        }
        let after = tokens(text, TextRange::new(gem.range.end, text.len()));
        let mut code = after.iter().filter(|t| t.kind != TokenKind::Comment);
        if !is_word(text, code.next()?, "as") {
            return None;
        }
        let mut open = code.next()?;
        while is_word(text, open, "not") || is_word(text, open, "materialized") {
            open = code.next()?;
        }
        if open.kind != TokenKind::Punct(b'(') {
            return None;
        }
        let mut depth = 0usize;
        let close = after
            .iter()
            .skip_while(|t| t.range.start < open.range.start)
            .find(|t| {
                match t.kind {
                    TokenKind::Punct(b'(') => depth += 1,
                    TokenKind::Punct(b')') => depth -= 1,
                    _ => {}
                }
                depth == 0
            })?;
        out.ctes.push(CteLayout {
            name: gem.name.clone(),
            name_range: gem.range,
            body: TextRange::new(open.range.end, close.range.start),
            extent: TextRange::new(gem.range.start, close.range.end),
        });
    }
    if let Some(first) = out.ctes.first() {
        let before = tokens(text, TextRange::new(0, first.name_range.start));
        let mut code = before.iter().rev().filter(|t| t.kind != TokenKind::Comment);
        let mut with = code.next()?;
        if is_word(text, with, "recursive") {
            with = code.next()?;
        }
        if !is_word(text, with, "with") {
            return None;
        }
        out.with_keyword = Some(with.range);
    }
    let start = final_gem.range.start.min(final_gem.body.start);
    if out.ctes.last().is_some_and(|c| c.extent.end > start) {
        return None;
    }
    let end = tokens(text, TextRange::new(start, text.len()))
        .iter()
        .rev()
        .find(|t| t.kind != TokenKind::Comment && t.kind != TokenKind::Punct(b';'))
        .map_or(final_gem.body.end, |t| t.range.end);
    out.final_extent = TextRange::new(start, end.max(final_gem.body.end));
    Some(out)
}

/// How the file is written, for new SQL to look like the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Style {
    pub upper_keywords: bool,
    pub indent_unit: String,
    /// Indentation of a CTE's name line.
    pub cte_indent: String,
    pub leading_commas: bool,
    /// What stands between one CTE's `)` and the next one's name.
    pub cte_separator: String,
}

const KEYWORDS: &[&str] = &[
    "select", "from", "where", "with", "as", "join", "on", "group", "by", "order", "and", "left",
    "inner", "union", "all", "limit", "distinct", "case", "when", "then", "end", "having",
];

fn indentation_at(text: &str, offset: usize) -> &str {
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &text[line_start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

pub(super) fn style(text: &str, layout: &Layout) -> Style {
    let all = tokens(text, TextRange::new(0, text.len()));
    let (mut upper, mut lower) = (0, 0);
    for t in all.iter().filter(|t| t.kind == TokenKind::Word) {
        let word = &text[t.range.start..t.range.end];
        if KEYWORDS.iter().any(|k| word.eq_ignore_ascii_case(k)) {
            if word.bytes().all(|b| b.is_ascii_uppercase()) {
                upper += 1;
            } else {
                lower += 1;
            }
        }
    }
    // A comma that starts its line (after indentation) is the leading style.
    let (mut leading, mut trailing) = (0, 0);
    for (i, t) in all.iter().enumerate() {
        if t.kind != TokenKind::Punct(b',') {
            continue;
        }
        let line_before =
            &text[text[..t.range.start].rfind('\n').map_or(0, |n| n + 1)..t.range.start];
        if line_before.trim().is_empty() {
            leading += 1;
        } else if all
            .get(i + 1)
            .is_some_and(|next| text[t.range.end..next.range.start].contains('\n'))
        {
            trailing += 1;
        }
    }
    let cte_indent = layout
        .ctes
        .last()
        .map(|c| {
            let own = indentation_at(text, c.name_range.start);
            let line_start = text[..c.name_range.start].rfind('\n').map_or(0, |i| i + 1);
            // `with name as (` on one line: the name line is the `with` line.
            if text[line_start..c.name_range.start].trim().is_empty() {
                own.to_string()
            } else {
                indentation_at(text, line_start).to_string()
            }
        })
        .unwrap_or_default();
    let indent_unit = layout
        .ctes
        .iter()
        .find_map(|c| {
            let body = &text[c.body.start..c.body.end];
            body.lines()
                .skip(1)
                .find(|l| !l.trim().is_empty())
                .map(|l| l[..l.len() - l.trim_start_matches([' ', '\t']).len()].to_string())
                .filter(|i| i.len() > cte_indent.len())
                .map(|i| i[cte_indent.len()..].to_string())
        })
        .unwrap_or_else(|| "    ".to_string());
    let cte_separator = layout
        .ctes
        .windows(2)
        .map(|w| &text[w[0].extent.end..w[1].name_range.start])
        .find(|sep| sep.trim() == ",")
        .map(str::to_string)
        .unwrap_or_else(|| {
            if leading > trailing {
                format!("\n{cte_indent}, ")
            } else {
                format!(",\n\n{cte_indent}")
            }
        });
    Style {
        upper_keywords: upper > lower,
        indent_unit,
        cte_indent,
        leading_commas: leading > trailing,
        cte_separator,
    }
}

impl Style {
    pub fn kw(&self, keyword: &str) -> String {
        if self.upper_keywords {
            keyword.to_uppercase()
        } else {
            keyword.to_lowercase()
        }
    }
}

/// The first word at parenthesis depth 0 of `range` equal to one of `words`.
pub(super) fn top_level_word(text: &str, range: TextRange, words: &[&str]) -> Option<Token> {
    let mut depth = 0i32;
    for t in tokens(text, range) {
        match t.kind {
            TokenKind::Punct(b'(') => depth += 1,
            TokenKind::Punct(b')') => depth -= 1,
            TokenKind::Word if depth == 0 && words.iter().any(|w| is_word(text, &t, w)) => {
                return Some(t)
            }
            _ => {}
        }
    }
    None
}

/// Whether a Jinja tag stands in `range`: such text is the user's to edit.
pub(super) fn has_jinja(text: &str, range: TextRange) -> bool {
    let slice = &text[range.start..range.end];
    slice.contains("{{") || slice.contains("{%")
}

/// Whether an alias follows the table name ending at `end` (`t as x`, `t x`).
pub(super) fn alias_follows(text: &str, end: usize) -> bool {
    const NOT_ALIASES: &[&str] = &[
        "where",
        "join",
        "on",
        "using",
        "left",
        "right",
        "inner",
        "outer",
        "full",
        "cross",
        "natural",
        "group",
        "order",
        "limit",
        "having",
        "qualify",
        "window",
        "union",
        "intersect",
        "except",
        "minus",
        "lateral",
        "pivot",
        "unpivot",
        "offset",
        "fetch",
        "asof",
        "positional",
        "semi",
        "anti",
        "tablesample",
    ];
    let after = tokens(text, TextRange::new(end, text.len()));
    let mut code = after.iter().filter(|t| t.kind != TokenKind::Comment);
    match code.next() {
        Some(t) if is_word(text, t, "as") => true,
        Some(t) if t.kind == TokenKind::Word => !NOT_ALIASES.iter().any(|w| is_word(text, t, w)),
        _ => false,
    }
}

/// The comments between and around the items of a list (`items` as
/// `split_list` gives them): a comment on the line an item ends on, past its
/// comma, trails that item; one on the lines before an item leads it; one
/// after the last item's line is the list's own (`after`). Comments inside
/// an item stay in its text.
#[derive(Debug, Default)]
pub(super) struct ListComments {
    pub leading: Vec<Vec<String>>,
    pub trailing: Vec<Vec<String>>,
    pub after: Vec<String>,
}

pub(super) fn list_comments(text: &str, range: TextRange, items: &[TextRange]) -> ListComments {
    let mut out = ListComments {
        leading: vec![Vec::new(); items.len()],
        trailing: vec![Vec::new(); items.len()],
        after: Vec::new(),
    };
    for t in tokens(text, range) {
        if t.kind != TokenKind::Comment || items.iter().any(|i| i.contains_range(t.range)) {
            continue;
        }
        let written = text[t.range.start..token_end(text, &t)].to_string();
        let before = items.iter().rposition(|i| i.end <= t.range.start);
        let next = items.iter().position(|i| i.start >= t.range.end);
        match (before, next) {
            (Some(b), _) if !text[items[b].end..t.range.start].contains('\n') => {
                out.trailing[b].push(written)
            }
            (_, Some(n)) => out.leading[n].push(written),
            _ => out.after.push(written),
        }
    }
    out
}

/// The start of the line holding `at`.
pub(super) fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The end of a token, short of the line break a `--` comment ends with.
pub(super) fn token_end(text: &str, t: &Token) -> usize {
    if text[t.range.start..t.range.end].ends_with('\n') {
        t.range.end - 1
    } else {
        t.range.end
    }
}

/// Where the comments written directly above the line of `at` begin: each
/// on a line of its own, with no blank line down to `at`'s line, after
/// `floor`. `None` when there are none, or `at` does not begin its line.
/// Such comments document what `at` begins (a gem).
pub(super) fn comments_above(text: &str, floor: usize, at: usize) -> Option<usize> {
    let mut cur = line_start(text, at);
    if !text[cur..at].trim().is_empty() || cur < floor {
        return None;
    }
    let mut found = None;
    for t in tokens(text, TextRange::new(floor, cur)).iter().rev() {
        if t.kind != TokenKind::Comment {
            break;
        }
        let gap = &text[token_end(text, t)..cur];
        let own_line = text[line_start(text, t.range.start)..t.range.start]
            .trim()
            .is_empty()
            && line_start(text, t.range.start) >= floor;
        if !gap.trim().is_empty() || gap.matches('\n').count() != 1 || !own_line {
            break;
        }
        cur = line_start(text, t.range.start);
        found = Some(cur);
    }
    found
}

/// The items of a comma-separated list in `range` (commas inside
/// parentheses do not count), each from its first to its last code token.
pub(super) fn split_list(text: &str, range: TextRange) -> Vec<TextRange> {
    let mut items = Vec::new();
    let mut depth = 0i32;
    let mut current: Option<TextRange> = None;
    for t in tokens(text, range) {
        match t.kind {
            TokenKind::Comment => continue,
            TokenKind::Punct(b',') if depth == 0 => {
                items.extend(current.take());
                continue;
            }
            TokenKind::Punct(b'(' | b'[' | b'{') => depth += 1,
            TokenKind::Punct(b')' | b']' | b'}') => depth -= 1,
            _ => {}
        }
        current = Some(match current {
            Some(c) => TextRange::new(c.start, t.range.end),
            None => t.range,
        });
    }
    items.extend(current);
    items
}
