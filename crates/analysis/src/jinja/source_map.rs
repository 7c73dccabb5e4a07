//! A source map from rendered SQL back to the Jinja template.
//!
//! Before rendering, the model template is instrumented: each literal text
//! segment and each `{{ ... }}` expression gets an invisible marker
//! (private-use characters) naming its template position. After rendering,
//! the markers are stripped and remembered, so every rendered offset maps to
//! the literal character it came from, or to the whole tag that printed it,
//! also inside loops and macro calls.

use crate::text::TextRange;

pub(crate) const SEGMENT_OPEN: char = '\u{E000}';
pub(crate) const SEGMENT_CLOSE: char = '\u{E001}';
pub(crate) const REF_OPEN: char = '\u{E002}';
pub(crate) const REF_MID: char = '\u{E003}';
pub(crate) const REF_CLOSE: char = '\u{E004}';
/// The first byte of every marker in UTF-8.
const MARKER_LEAD_BYTE: u8 = 0xEE;

/// A Jinja tag in the template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tag {
    pub kind: TagKind,
    pub range: TextRange,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TagKind {
    Expression,
    Statement,
    Comment,
}

/// What a marker stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Literal template text starting at this offset.
    Literal(usize),
    /// Output of the expression tag with this range.
    Tag(TextRange),
}

/// The instrumented template and what its markers mean.
pub(crate) struct Instrumented {
    pub text: String,
    origins: Vec<Origin>,
    /// (instrumented offset, original offset) at each insertion, ascending.
    shifts: Vec<(usize, usize)>,
    pub tags: Vec<Tag>,
}

impl Instrumented {
    /// Maps an offset in the instrumented template back to the original.
    pub fn original_offset(&self, instrumented: usize) -> usize {
        let i = self.shifts.partition_point(|&(at, _)| at <= instrumented);
        if i == 0 {
            return instrumented;
        }
        let (at, orig) = self.shifts[i - 1];
        orig + instrumented.saturating_sub(at)
    }
}

/// Finds the Jinja tags of a template (`{{ }}`, `{% %}`, `{# #}`), skipping raw blocks.
pub fn scan_tags(template: &str) -> Vec<Tag> {
    let bytes = template.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    let mut in_raw = false;
    while i + 1 < bytes.len() {
        // Most of a model is SQL: jump from brace to brace (memchr).
        let Some(brace) = template[i..].find('{') else {
            break;
        };
        i += brace;
        if i + 1 >= bytes.len() || !matches!(bytes[i + 1], b'{' | b'%' | b'#') {
            i += 1;
            continue;
        }
        let (kind, close) = match bytes[i + 1] {
            b'{' => (TagKind::Expression, "}}"),
            b'%' => (TagKind::Statement, "%}"),
            _ => (TagKind::Comment, "#}"),
        };
        let end = find_tag_end(template, i + 2, close, kind == TagKind::Comment);
        let range = TextRange::new(i, end);
        let inner = tag_inner(template, range).trim_matches(['-', '+', ' ', '\t', '\n', '\r']);
        if in_raw {
            if kind == TagKind::Statement && inner.starts_with("endraw") {
                in_raw = false;
                tags.push(Tag { kind, range });
            }
            i = end;
            continue;
        }
        if kind == TagKind::Statement && (inner == "raw" || inner.starts_with("raw ")) {
            in_raw = true;
        }
        tags.push(Tag { kind, range });
        i = end;
    }
    tags
}

/// The end (exclusive) of a tag whose body starts at `from`, skipping quoted strings.
fn find_tag_end(template: &str, from: usize, close: &str, comment: bool) -> usize {
    let bytes = template.as_bytes();
    let mut i = from;
    let mut quote: Option<u8> = None;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) => {
                if b == b'\\' {
                    i += 1;
                } else if b == q {
                    quote = None;
                }
            }
            None => {
                if !comment && (b == b'\'' || b == b'"') {
                    quote = Some(b);
                } else if bytes[i..].starts_with(close.as_bytes()) {
                    return i + 2;
                }
            }
        }
        i += 1;
    }
    template.len()
}

/// The text between a tag's delimiters (all of the rest for an unterminated tag).
pub(crate) fn tag_inner(template: &str, range: TextRange) -> &str {
    let text = &template[range.start..range.end];
    let body = text.get(2..).unwrap_or("");
    match body.len().checked_sub(2) {
        Some(n) if text.ends_with("}}") || text.ends_with("%}") || text.ends_with("#}") => {
            &body[..n]
        }
        _ => body,
    }
}

/// A tag's inner text split into its whitespace-control marks and body:
/// `- x -` gives `("-", " x ", "-")`.
pub(crate) fn split_trim(inner: &str) -> (&str, &str, &str) {
    let (ltrim, body) = match inner.strip_prefix(['-', '+']) {
        Some(rest) => (&inner[..1], rest),
        None => ("", inner),
    };
    match body.strip_suffix(['-', '+']) {
        Some(rest) => (ltrim, rest, &body[body.len() - 1..]),
        None => (ltrim, body, ""),
    }
}

/// Builds the instrumented text, remembering what each marker stands for.
struct Instrumenter {
    text: String,
    origins: Vec<Origin>,
    shifts: Vec<(usize, usize)>,
}

impl Instrumenter {
    /// Copies literal template text; outside raw blocks, a marker goes after
    /// its leading whitespace so that `-%}` trimming still works.
    fn literal(&mut self, template: &str, from: usize, to: usize, in_raw: bool) {
        let literal = &template[from..to];
        let lead = literal.len() - literal.trim_start().len();
        if in_raw || lead == literal.len() {
            self.text.push_str(literal);
            return;
        }
        self.text.push_str(&literal[..lead]);
        let id = self.origins.len();
        self.origins.push(Origin::Literal(from + lead));
        self.text.push(SEGMENT_OPEN);
        self.text.push_str(&id.to_string());
        self.text.push(SEGMENT_CLOSE);
        self.shifts.push((self.text.len(), from + lead));
        self.text.push_str(&literal[lead..]);
    }

    /// Copies a tag as it is, or rewritten, mapping it to its original range.
    fn tag(&mut self, range: TextRange, text: &str) {
        self.shifts.push((self.text.len(), range.start));
        self.text.push_str(text);
        self.shifts.push((self.text.len(), range.end));
    }
}

/// Inserts markers before literal segments and inside expression tags.
pub(crate) fn instrument(template: &str) -> Instrumented {
    let tags = scan_tags(template);
    let mut out = Instrumenter {
        text: String::with_capacity(template.len() + tags.len() * 8),
        origins: Vec::new(),
        shifts: Vec::new(),
    };
    let mut pos = 0;
    let mut in_raw = false;
    for tag in &tags {
        out.literal(template, pos, tag.range.start, in_raw);
        let tag_text = &template[tag.range.start..tag.range.end];
        let inner = tag_inner(template, tag.range);
        if tag.kind == TagKind::Statement {
            let word = inner.trim_matches(['-', '+', ' ', '\t', '\n', '\r']);
            if word == "raw" || word.starts_with("raw ") {
                in_raw = true;
            } else if word.starts_with("endraw") {
                in_raw = false;
            }
        }
        if tag.kind == TagKind::Expression
            && !in_raw
            && tag_text.ends_with("}}")
            && tag_text.len() >= 4
        {
            // `{{- expr -}}` becomes `{{- "<marker>" ~ (expr) -}}`.
            let (ltrim, body, rtrim) = split_trim(inner);
            let id = out.origins.len();
            out.origins.push(Origin::Tag(tag.range));
            let marker = format!("{SEGMENT_OPEN}{id}{SEGMENT_CLOSE}");
            out.tag(
                tag.range,
                &format!("{{{{{ltrim} \"{marker}\" ~ ({body}){rtrim}}}}}"),
            );
        } else {
            out.tag(tag.range, tag_text);
        }
        pos = tag.range.end;
    }
    out.literal(template, pos, template.len(), in_raw);
    Instrumented {
        text: out.text,
        origins: out.origins,
        shifts: out.shifts,
        tags,
    }
}

/// A rendered ref() or source() call's place in the rendered SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RenderedCall {
    pub call: usize,
    pub range: TextRange,
}

/// Maps rendered SQL offsets to template ranges.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SourceMap {
    /// (rendered offset, origin) ascending.
    points: Vec<(usize, MapOrigin)>,
    template_len: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum MapOrigin {
    Literal(usize),
    Tag(TextRange),
    Unknown,
}

impl SourceMap {
    /// The template range a rendered range came from.
    pub fn to_template(&self, rendered: TextRange, template: &str) -> TextRange {
        let start = self.point(rendered.start, template);
        if rendered.is_empty() {
            return TextRange::empty(start.start);
        }
        let end = self.point(rendered.end - 1, template);
        TextRange::new(start.start.min(end.start), end.end.max(start.start))
    }

    /// A rendered offset that came from template offset `t` (literal text only;
    /// the first occurrence when a loop repeats it).
    pub fn to_rendered(&self, t: usize, rendered_len: usize) -> Option<usize> {
        for (i, (at, origin)) in self.points.iter().enumerate() {
            if let MapOrigin::Literal(start) = origin {
                let end = self
                    .points
                    .get(i + 1)
                    .map_or(rendered_len, |(next, _)| *next);
                if *start <= t && t <= start + (end - at) {
                    return Some(at + (t - start));
                }
            }
        }
        None
    }

    /// The template range of the character at a rendered offset.
    fn point(&self, offset: usize, template: &str) -> TextRange {
        let i = self.points.partition_point(|(at, _)| *at <= offset);
        if i == 0 {
            return TextRange::empty(0);
        }
        let (at, origin) = self.points[i - 1];
        match origin {
            MapOrigin::Literal(t) => {
                // The offset may fall inside a character (a range's last byte).
                let mut t = (t + (offset - at))
                    .min(self.template_len)
                    .min(template.len());
                while !template.is_char_boundary(t) {
                    t -= 1;
                }
                let len = template[t..].chars().next().map_or(0, char::len_utf8);
                TextRange::new(t, t + len)
            }
            MapOrigin::Tag(r) => r,
            MapOrigin::Unknown => TextRange::empty(0),
        }
    }
}

/// Strips the markers from rendered output, returning the SQL, its source map
/// and where each ref/source call landed.
pub(crate) fn strip_markers(
    rendered: &str,
    instrumented: &Instrumented,
    template_len: usize,
) -> (String, SourceMap, Vec<RenderedCall>) {
    let mut sql = String::with_capacity(rendered.len());
    let mut points = Vec::new();
    let mut calls = Vec::new();
    let mut open_calls: Vec<(usize, usize)> = Vec::new();
    let bytes = rendered.as_bytes();
    let mut i = 0;
    while i < rendered.len() {
        // Copy up to the next character that may be a marker: each is
        // U+E000..U+E004, whose UTF-8 starts with 0xEE (a lead byte).
        let next = bytes[i..]
            .iter()
            .position(|&b| b == MARKER_LEAD_BYTE)
            .map_or(rendered.len(), |n| i + n);
        sql.push_str(&rendered[i..next]);
        let Some(c) = rendered[next..].chars().next() else {
            break;
        };
        i = next + c.len_utf8();
        match c {
            SEGMENT_OPEN | REF_OPEN => {
                let close = if c == SEGMENT_OPEN {
                    SEGMENT_CLOSE
                } else {
                    REF_MID
                };
                let end = rendered[i..].find(close).map_or(rendered.len(), |n| i + n);
                let id = &rendered[i..end];
                i = (end + close.len_utf8()).min(rendered.len());
                let Ok(id) = id.parse::<usize>() else {
                    continue;
                };
                if c == SEGMENT_OPEN {
                    let origin = match instrumented.origins.get(id) {
                        Some(Origin::Literal(t)) => MapOrigin::Literal(*t),
                        Some(Origin::Tag(r)) => MapOrigin::Tag(*r),
                        None => MapOrigin::Unknown,
                    };
                    points.push((sql.len(), origin));
                } else {
                    open_calls.push((id, sql.len()));
                }
            }
            REF_CLOSE => {
                if let Some((call, start)) = open_calls.pop() {
                    calls.push(RenderedCall {
                        call,
                        range: TextRange::new(start, sql.len()),
                    });
                }
            }
            SEGMENT_CLOSE | REF_MID => {}
            other => sql.push(other),
        }
    }
    (
        sql,
        SourceMap {
            points,
            template_len,
        },
        calls,
    )
}

/// The innermost block tag left open at the end of a template, for
/// "unexpected end of template" errors.
pub fn unclosed_block(template: &str, tags: &[Tag]) -> Option<TextRange> {
    const BLOCKS: &[&str] = &[
        "if",
        "for",
        "macro",
        "call",
        "filter",
        "with",
        "block",
        "raw",
        "materialization",
        "test",
        "snapshot",
        "docs",
    ];
    let mut stack: Vec<(String, TextRange)> = Vec::new();
    for tag in tags.iter().filter(|t| t.kind == TagKind::Statement) {
        let inner = tag_inner(template, tag.range).trim_matches(['-', '+', ' ', '\t', '\n', '\r']);
        let word = inner
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .next()
            .unwrap_or("");
        if let Some(block) = word.strip_prefix("end") {
            if let Some(i) = stack.iter().rposition(|(b, _)| b == block) {
                stack.truncate(i);
            }
        } else if BLOCKS.contains(&word) || (word == "set" && !inner.contains('=')) {
            stack.push((word.to_string(), tag.range));
        }
    }
    stack.last().map(|(_, r)| *r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_survive_whitespace_control() {
        let t = "select\n  {%- for x in [1, 2] %}\n  {{ x }} as c{{ x }},\n  {%- endfor %}\n  1";
        let ins = instrument(t);
        let env = minijinja::Environment::new();
        let out = env.render_str(&ins.text, ()).unwrap();
        let (sql, map, _) = strip_markers(&out, &ins, t.len());
        assert_eq!(sql, "select\n  1 as c1,\n  2 as c2,\n  1");
        // "as c" of the second iteration maps to the literal in the loop body.
        let at = sql.find("2 as").unwrap() + 2;
        let r = map.to_template(TextRange::new(at, at + 2), t);
        assert_eq!(&t[r.start..r.end], "as");
        // The printed value maps to its whole tag.
        let r = map.to_template(TextRange::new(at - 2, at - 1), t);
        assert_eq!(&t[r.start..r.end], "{{ x }}");
    }

    /// The markers read one character at a time, as strip_markers once did.
    fn strip_markers_by_char(rendered: &str) -> (String, Vec<usize>, Vec<RenderedCall>) {
        let (mut sql, mut points, mut calls, mut open) = (String::new(), vec![], vec![], vec![]);
        let mut chars = rendered.chars();
        while let Some(c) = chars.next() {
            match c {
                SEGMENT_OPEN | REF_OPEN => {
                    let close = if c == SEGMENT_OPEN {
                        SEGMENT_CLOSE
                    } else {
                        REF_MID
                    };
                    let id: String = chars.by_ref().take_while(|d| *d != close).collect();
                    let Ok(id) = id.parse::<usize>() else {
                        continue;
                    };
                    if c == SEGMENT_OPEN {
                        points.push(sql.len());
                    } else {
                        open.push((id, sql.len()));
                    }
                }
                REF_CLOSE => {
                    if let Some((call, start)) = open.pop() {
                        calls.push(RenderedCall {
                            call,
                            range: TextRange::new(start, sql.len()),
                        });
                    }
                }
                SEGMENT_CLOSE | REF_MID => {}
                other => sql.push(other),
            }
        }
        (sql, points, calls)
    }

    #[test]
    fn markers_among_other_private_use_and_non_ascii_characters() {
        let (o, c, r, m, e) = (SEGMENT_OPEN, SEGMENT_CLOSE, REF_OPEN, REF_MID, REF_CLOSE);
        let cases = [
            format!("select {o}0{c}é as \u{E005}x{o}1{c}, {r}0{m}\"db\".\"t\"{e} from z"),
            format!("\u{E000}\u{EFFF}{o}x{c}ab{r}7{m}{r}8{m}q{e}{e}{c}{m}{e}"),
            format!("{o}12"),
            format!("tail {r}3"),
            format!("日本{o}0{c}語\u{E0FF}{e}"),
            String::new(),
        ];
        let ins = instrument("");
        for case in &cases {
            let (sql, map, calls) = strip_markers(case, &ins, 0);
            let (want_sql, want_points, want_calls) = strip_markers_by_char(case);
            assert_eq!(sql, want_sql, "{case:?}");
            let points: Vec<usize> = map.points.iter().map(|(at, _)| *at).collect();
            assert_eq!(points, want_points, "{case:?}");
            assert_eq!(calls, want_calls, "{case:?}");
        }
    }
}
