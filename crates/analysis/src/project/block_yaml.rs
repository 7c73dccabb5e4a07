//! A reader for the YAML that dbt properties files are made of: block
//! mappings and sequences, plain and quoted scalars (over several lines
//! too), flow sequences of scalars, and literal or folded block scalars. It
//! builds the value serde_yaml builds in 2.6 times fewer instructions (libyaml's
//! events and serde's visitors were a twelfth of the instructions of
//! `loupe lineage --all` on a documented project of 1,000 models). Anything
//! else (anchors, tags, flow mappings, tabs, more than one document, an
//! error) makes it give up with `None`, and serde_yaml reads the file.

use serde_yaml::{Mapping, Value as Yaml};

/// Nesting it follows before it hands the file to serde_yaml, whose own
/// bound reports what is too deep.
const MAX_DEPTH: usize = 64;

/// `text` read as serde_yaml reads it (a key written twice keeps its last
/// value, and is listed), or `None` when it holds anything this reader does
/// not follow.
pub(super) fn parse(text: &str) -> Option<(Yaml, Vec<String>)> {
    let (lines, end_spaces, end_comment) = lines(text)?;
    let mut reader = Reader {
        lines,
        end_spaces,
        end_comment,
        next: 0,
        duplicates: Vec::new(),
    };
    let first = reader.lines.first()?;
    if first.indent != 0 {
        return None;
    }
    let value = reader.node(0, 0)?;
    if reader.next != reader.lines.len() {
        return None;
    }
    Some((value, reader.duplicates))
}

/// A line with content: its indentation, the rest of it (no line break),
/// and what stood between it and the line with content before it.
struct Line<'a> {
    indent: usize,
    /// The rest without trailing spaces, and with them (a block scalar's).
    text: &'a str,
    full: &'a str,
    /// Lines of no content right before it (kept by block scalars): how
    /// many, the most spaces one holds, and the deepest comment among them
    /// (in a block scalar, a comment as indented as its text is text).
    blanks_before: usize,
    blank_spaces: usize,
    comment_indent: Option<usize>,
    ended: bool,
}

/// The lines that hold more than blanks or a comment; `None` for what this
/// reader leaves to serde_yaml (tabs, carriage returns alone, a byte order
/// mark, document markers past the first line, directives).
fn lines(text: &str) -> Option<(Vec<Line<'_>>, usize, Option<usize>)> {
    if text.starts_with('\u{feff}') || text.contains('\t') {
        return None;
    }
    let mut out = Vec::new();
    let (mut blanks, mut spaces, mut comment) = (0, 0, None::<usize>);
    for (number, raw) in text.split_inclusive('\n').enumerate() {
        let ended = raw.ends_with('\n');
        let raw = raw.strip_suffix('\n').unwrap_or(raw);
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if raw.contains('\r') {
            return None;
        }
        let body = raw.trim_start_matches(' ');
        let indent = raw.len() - body.len();
        if body.is_empty() {
            blanks += 1;
            spaces = spaces.max(indent);
            continue;
        }
        if body.starts_with('#') {
            comment = comment.max(Some(indent));
            continue;
        }
        if indent == 0
            && (body.starts_with("---") || body.starts_with("...") || body.starts_with('%'))
        {
            if number == 0 && body.trim_end() == "---" {
                continue;
            }
            return None;
        }
        out.push(Line {
            indent,
            text: body.trim_end_matches(' '),
            full: body,
            blanks_before: blanks,
            blank_spaces: spaces,
            comment_indent: comment,
            ended,
        });
        (blanks, spaces, comment) = (0, 0, None);
    }
    Some((out, spaces, comment))
}

struct Reader<'a> {
    lines: Vec<Line<'a>>,
    /// The most spaces, and the deepest comment, after the last line.
    end_spaces: usize,
    end_comment: Option<usize>,
    next: usize,
    duplicates: Vec<String>,
}

impl<'a> Reader<'a> {
    /// The node starting at the next line, whose indentation is taken as the
    /// node's own (at least `min_indent`).
    fn node(&mut self, min_indent: usize, depth: usize) -> Option<Yaml> {
        if depth > MAX_DEPTH {
            return None;
        }
        let line = self.lines.get(self.next)?;
        if line.indent < min_indent {
            return None;
        }
        if is_sequence_entry(line.text) {
            self.sequence(line.indent, depth)
        } else {
            self.mapping(line.indent, depth)
        }
    }

    /// A block sequence whose entries (`- `) stand at `indent`.
    fn sequence(&mut self, indent: usize, depth: usize) -> Option<Yaml> {
        let mut items = Vec::new();
        while let Some(line) = self.lines.get(self.next) {
            if line.indent != indent || !is_sequence_entry(line.text) {
                break;
            }
            let rest = line.text[1..].trim_start_matches(' ');
            if rest.is_empty() || rest.starts_with('#') {
                self.next += 1;
                items.push(self.nested_value(indent, depth)?);
                continue;
            }
            // `- key: value` opens a mapping (or `- - x` a sequence) whose
            // first line is the rest of this one, at its own column.
            let column = indent + (line.text.len() - rest.len());
            let line = &mut self.lines[self.next];
            line.indent = column;
            line.text = rest;
            line.full = rest;
            if is_sequence_entry(rest) || key_end(rest).is_some() {
                items.push(self.node(column, depth + 1)?);
            } else {
                self.next += 1;
                items.push(self.inline_value(rest, indent)?);
            }
        }
        Some(Yaml::Sequence(items))
    }

    /// A block mapping whose keys stand at `indent`.
    fn mapping(&mut self, indent: usize, depth: usize) -> Option<Yaml> {
        let mut mapping = Mapping::new();
        while let Some(line) = self.lines.get(self.next) {
            if line.indent != indent {
                break;
            }
            let text = line.text;
            let end = key_end(text)?;
            let key = scalar(text[..end].trim_end_matches(' '))?;
            let rest = text[end + 1..].trim_start_matches(' ');
            self.next += 1;
            let value = if rest.is_empty() || rest.starts_with('#') {
                match self.lines.get(self.next) {
                    // A sequence may stand at its key's indentation.
                    Some(next) if next.indent == indent && is_sequence_entry(next.text) => {
                        self.sequence(indent, depth + 1)?
                    }
                    _ => self.nested_value(indent, depth)?,
                }
            } else {
                self.inline_value(rest, indent)?
            };
            if mapping.contains_key(&key) {
                // Only string keys are shown as Loupe shows them.
                self.duplicates.push(key.as_str()?.to_string());
            }
            // Last wins, in the place of the first (as `lenient_yaml` reads it).
            mapping.insert(key, value);
        }
        Some(Yaml::Mapping(mapping))
    }

    /// The node on the lines below one at `indent` (null when there is none).
    fn nested_value(&mut self, indent: usize, depth: usize) -> Option<Yaml> {
        match self.lines.get(self.next) {
            Some(next) if next.indent > indent => self.node(indent + 1, depth + 1),
            _ => Some(Yaml::Null),
        }
    }

    /// A value that starts on its key's or dash's line: a scalar (which may go
    /// on over the lines below), a flow sequence of scalars, or a block
    /// scalar's header. Nothing more indented may follow it.
    fn inline_value(&mut self, text: &str, indent: usize) -> Option<Yaml> {
        let value = match text.as_bytes()[0] {
            b'|' | b'>' => return self.block_scalar(text, indent),
            b'[' => flow_sequence(text)?,
            b'{' if without_comment(text)? == "{}" => Yaml::Mapping(Mapping::new()),
            b'\'' | b'"' => self.quoted_lines(text, indent)?,
            _ => plain(&self.plain_lines(text, indent)?)?,
        };
        match self.lines.get(self.next) {
            Some(next) if next.indent > indent => None,
            _ => Some(value),
        }
    }

    /// A plain scalar starting with `first` and going on over the lines
    /// below, more indented than `indent`: lines joined by a space, empty
    /// lines kept as line breaks.
    fn plain_lines(&mut self, first: &str, indent: usize) -> Option<String> {
        let mut text = without_comment(first)?.to_string();
        let commented = first.contains(" #");
        while let Some(line) = self.lines.get(self.next) {
            if line.indent <= indent {
                break;
            }
            // A comment ends the scalar: what follows is serde_yaml's to judge.
            if commented || line.comment_indent.is_some() {
                return None;
            }
            let more = line.text;
            // Indicators count at the start of the scalar only, but a line
            // that reads as an entry or a key is left to serde_yaml.
            if more.starts_with(['-', '?', ':'])
                || more.contains(" #")
                || more.contains(": ")
                || more.ends_with(':')
            {
                return None;
            }
            fold_line_break(&mut text, line.blanks_before);
            text.push_str(more);
            self.next += 1;
        }
        Some(text)
    }

    /// A quoted scalar starting with `first`, closed on a line below more
    /// indented than `indent` if not on its own: lines joined by a space,
    /// empty lines kept as line breaks.
    fn quoted_lines(&mut self, first: &str, indent: usize) -> Option<Yaml> {
        if quoted_end(first).is_some() || first.starts_with('"') && first.contains('\\') {
            return scalar(first);
        }
        let quote = first.as_bytes()[0];
        let mut text = first.to_string();
        loop {
            let line = self.lines.get(self.next)?;
            // A `#` line in quotes is text, and a `\` may escape a line break.
            if line.indent <= indent || line.comment_indent.is_some() || line.text.contains('\\') {
                return None;
            }
            fold_line_break(&mut text, line.blanks_before);
            // Looked for in the new line only: a long quote stays linear.
            let close = closing_quote(line.text, quote);
            text.push_str(line.text);
            self.next += 1;
            if close.is_some() {
                return scalar(&text);
            }
        }
    }

    /// A literal (`|`) or folded (`>`) block scalar under a key or dash at
    /// `indent`, clipped or stripped (`-`) of its final line break.
    fn block_scalar(&mut self, header: &str, indent: usize) -> Option<Yaml> {
        let folded = header.starts_with('>');
        let strip = match without_comment(&header[1..])? {
            "" => false,
            "-" => true,
            // Kept line breaks and explicit indentation are serde_yaml's.
            _ => return None,
        };
        let first = self.lines.get(self.next)?;
        let block_indent = first.indent;
        if block_indent <= indent || first.blanks_before > 0 || first.comment_indent.is_some() {
            return None;
        }
        let mut text = String::new();
        while let Some(line) = self.lines.get(self.next) {
            // Spaces past the indentation are text; so is a comment inside.
            if line.blank_spaces > block_indent {
                return None;
            }
            if line.indent <= indent {
                if line.comment_indent.is_some_and(|c| c >= block_indent) {
                    return None;
                }
                break;
            }
            if line.comment_indent.is_some() {
                return None;
            }
            // Less indented is an error; more indented folds by rules of its own.
            if line.indent < block_indent || folded && line.indent != block_indent {
                return None;
            }
            if !text.is_empty() {
                if folded {
                    fold_line_break(&mut text, line.blanks_before);
                } else {
                    text.extend(std::iter::repeat_n('\n', line.blanks_before + 1));
                }
            }
            text.extend(std::iter::repeat_n(' ', line.indent - block_indent));
            text.push_str(line.full);
            self.next += 1;
            if !line.ended {
                // The file ends in the scalar, with no line break to clip.
                return None;
            }
        }
        if self.next == self.lines.len()
            && (self.end_spaces > block_indent
                || self.end_comment.is_some_and(|c| c >= block_indent))
        {
            return None;
        }
        // Blank lines after it are not content when clipped or stripped.
        if !strip {
            text.push('\n');
        }
        Some(Yaml::String(text))
    }
}

/// A line break between two lines of a folded scalar: a space, or the
/// empty lines between them as line breaks.
fn fold_line_break(text: &mut String, blanks: usize) {
    match blanks {
        0 => text.push(' '),
        blanks => text.extend(std::iter::repeat_n('\n', blanks)),
    }
}

fn is_sequence_entry(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// Where the key of a mapping entry ends (its `:`), if `text` is one this
/// reader follows: a plain key, or a quoted one with nothing after it.
fn key_end(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    match bytes.first()? {
        b'\'' | b'"' => {
            let close = quoted_end(text)?;
            (bytes.get(close) == Some(&b':') && matches!(bytes.get(close + 1), None | Some(b' ')))
                .then_some(close)
        }
        b'?' | b'&' | b'*' | b'!' | b'[' | b'{' | b'|' | b'>' | b'%' | b'@' | b'`' | b'#'
        | b',' | b']' | b'}' | b':' => None,
        _ => {
            let end = (0..bytes.len())
                .find(|&i| bytes[i] == b':' && matches!(bytes.get(i + 1), None | Some(b' ')))?;
            // A comment in the key is serde_yaml's to judge.
            (!text[..end].contains(" #")).then_some(end)
        }
    }
}

/// The byte after a quoted scalar's closing quote, if it closes on this line.
fn quoted_end(text: &str) -> Option<usize> {
    closing_quote(&text[1..], text.as_bytes()[0]).map(|at| at + 2)
}

/// Where a quote open before `line` closes in it (`''` is a quote in single
/// quotes, `\` escapes in double quotes).
fn closing_quote(line: &str, quote: u8) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// `text` without a trailing comment, if what precedes it is plain.
fn without_comment(text: &str) -> Option<&str> {
    let text = match text.find(" #") {
        Some(at) => &text[..at],
        None => text,
    };
    Some(text.trim_end_matches(' '))
}

/// A one-line scalar (a value or a key) with its comment, if any, after it.
fn scalar(text: &str) -> Option<Yaml> {
    match text.as_bytes().first()? {
        b'\'' | b'"' => {
            let end = quoted_end(text)?;
            if !without_comment(&text[end..])?.is_empty() {
                return None;
            }
            quoted(&text[..end]).map(Yaml::String)
        }
        _ => plain(without_comment(text)?),
    }
}

/// A quoted scalar's text: `''` in single quotes, the common escapes in
/// double quotes (others are serde_yaml's).
fn quoted(text: &str) -> Option<String> {
    let inner = &text[1..text.len() - 1];
    if text.starts_with('\'') {
        return Some(inner.replace("''", "'"));
    }
    if !inner.contains('\\') {
        return Some(inner.to_string());
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            '"' => '"',
            '/' => '/',
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            ' ' => ' ',
            _ => return None,
        });
    }
    Some(out)
}

/// A plain scalar resolved as serde_yaml resolves it: null, a boolean, a
/// string; numbers (and anything that may be one) are read by serde_yaml.
fn plain(text: &str) -> Option<Yaml> {
    let first = *text.as_bytes().first()?;
    if matches!(
        first,
        b'?' | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    ) || (first == b'-' && (text.len() == 1 || text.as_bytes()[1] == b' '))
        || text.contains(": ")
        || text.ends_with(':')
    {
        return None;
    }
    Some(match text {
        "null" | "Null" | "NULL" | "~" => Yaml::Null,
        "true" | "True" | "TRUE" => Yaml::Bool(true),
        "false" | "False" | "FALSE" => Yaml::Bool(false),
        // Alone, serde_yaml would fold the lines of a multi-line one again.
        _ if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') => {
            return super::lenient_yaml::scalar(text).filter(|_| !text.contains('\n'));
        }
        _ => Yaml::String(text.to_string()),
    })
}

/// `[a, 'b', c]` on one line, of scalars only.
fn flow_sequence(text: &str) -> Option<Yaml> {
    let close = text.find(']')?;
    if !without_comment(&text[close + 1..])?.is_empty() {
        return None;
    }
    let inner = text[1..close].trim_matches(' ');
    if inner.is_empty() {
        return Some(Yaml::Sequence(Vec::new()));
    }
    if inner.contains(['[', '{', '#']) {
        return None;
    }
    let mut items = Vec::new();
    for item in inner.split(',') {
        let item = item.trim_matches(' ');
        // Quoted items holding a comma, and empty items, are serde_yaml's.
        if item.is_empty() || item.starts_with(['\'', '"']) && quoted_end(item) != Some(item.len())
        {
            return None;
        }
        items.push(scalar(item)?);
    }
    Some(Yaml::Sequence(items))
}

#[cfg(test)]
mod tests {
    use super::parse;
    use serde_yaml::Value as Yaml;

    /// Reads `text` here and with serde_yaml, and asserts they agree.
    fn same_as_serde(text: &str) -> Yaml {
        let (fast, _) = parse(text).unwrap_or_else(|| panic!("not read here:\n{text}"));
        let serde: Yaml = serde_yaml::from_str(text).unwrap();
        assert_eq!(fast, serde, "{text}");
        fast
    }

    #[test]
    fn a_properties_file_reads_as_serde_yaml_reads_it() {
        let yaml = same_as_serde(
            "version: 2\n\nmodels:\n  - name: orders  # the mart\n    description: \"Orders, one row each: {{ doc('orders') }}\"\n    config:\n      materialized: table\n      tags: ['nightly', finance]\n    columns:\n      - name: id\n        data_tests: [unique, not_null]\n      - name: status\n        data_tests:\n          - accepted_values:\n              values: ['placed', 'shipped', 'it''s']\n              quote: false\n      - name: amount\n        meta: {}\n        data_type: numeric(10, 2)\n",
        );
        assert_eq!(
            yaml["models"][0]["config"]["tags"][1].as_str(),
            Some("finance")
        );
        same_as_serde(
            "a: 1\nb: -2\nc: 1.5\nd: true\ne: ~\nf: null\ng: 0755\nh: .inf\ni: +3\nj: 'x'\n",
        );
        same_as_serde("a: ---\nb: ...\nc: [1, -2, .5, 0x1F, -.inf, 1e3]\nd: -\"x\"\n");
        same_as_serde("---\nsources:\n- name: raw\n  tables:\n  - name: t\n    identifier: T\n");
        same_as_serde(
            "key: value with spaces\nurl: http://example.com/a#b\nempty:\nlist:\n  -\n  - a\n",
        );
        same_as_serde("windows: line\r\nendings: too\r\n");
        same_as_serde("a: plain text\n  going on\n\n  over lines\nb : spaced key\nc: 1\n  2\n");
        same_as_serde("- plain\n  entry\n- next\n");
        same_as_serde("a: 'quoted **Note: over\n    lines'' end\n\n    and a paragraph'\nb: \"double\n  too\" # c\n");
    }

    #[test]
    fn block_scalars_read_as_serde_yaml_reads_them() {
        same_as_serde("d: |\n  line one\n    indented\n\n  after a blank\nnext: x\n");
        same_as_serde("d: >\n  folded\n  into one\n\n  paragraph two\n\n\nnext: x\n");
        same_as_serde("d: >-\n  stripped\n  text\nn: |-\n  kept\n  lines\n");
        same_as_serde("- |\n  in a sequence\n- >\n  folded # not a comment\n");
        same_as_serde("a:\n  b: |\n    text\n  # a comment after it\n  c: 1\n# at the left\nd: >\n  x\n\n## heading\n\ne: 2\n");
    }

    #[test]
    fn a_duplicated_key_keeps_its_last_value_in_its_first_place() {
        let (yaml, duplicates) = parse("a: 1\nb: 2\na: 3\n").unwrap();
        let keys: Vec<_> = yaml
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(keys, ["a", "b"]);
        assert_eq!(yaml["a"].as_u64(), Some(3));
        assert_eq!(duplicates, ["a"]);
    }

    /// Every YAML file of the real projects in `../shared/corpora` and of
    /// Loupe's own fixtures reads here as serde_yaml reads it, or not here.
    #[test]
    fn real_projects_read_as_serde_yaml_reads_them() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let shared = root.join("../shared/corpora");
        if !shared.is_dir() {
            eprintln!(
                "SKIPPED the corpora's YAML: {} is not there",
                shared.display()
            );
        }
        let (mut read, mut left) = (0, 0);
        for dir in [shared, root.join("crates"), root.join("editors")] {
            for entry in walkdir::WalkDir::new(&dir).into_iter().flatten() {
                let path = entry.path();
                let is_yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml");
                let Some(text) = is_yaml
                    .then(|| std::fs::read_to_string(path).ok())
                    .flatten()
                else {
                    continue;
                };
                match parse(&text) {
                    Some(fast) => {
                        let serde = super::super::lenient_yaml::parse_with_serde_yaml(&text)
                            .unwrap_or_else(|e| {
                                panic!("{}: read here, not by serde_yaml: {e}", path.display())
                            });
                        assert_eq!(fast, serde, "{}", path.display());
                        read += 1;
                    }
                    None => left += 1,
                }
            }
        }
        eprintln!("{read} YAML files read here, {left} left to serde_yaml");
        assert!(read > 0);
    }

    /// Random documents made of the pieces properties files hold, and of
    /// pieces this reader leaves: whatever it reads, serde_yaml reads the same.
    #[test]
    fn random_documents_read_here_read_the_same_by_serde_yaml() {
        let indents = [0, 0, 1, 2, 2, 3, 4, 4, 6];
        let keys = [
            "a", "b", "name", "a b", "'k'", "\"k\"", "1", "true", "a#b", "k ", "é",
        ];
        let values = [
            "x",
            "two words",
            "x: y",
            "1",
            "-1",
            "0x1F",
            "1.5",
            "true",
            "null",
            "~",
            "'q''t'",
            "\"d\\n\"",
            "'open",
            "close'",
            "[a, b]",
            "[]",
            "{}",
            "[a, [b]]",
            "a #c",
            "&x a",
            "*x",
            "!t a",
            "`a`",
            "@a",
            "%a",
            "|",
            ">-",
            "'a'  # c",
            "\"{{ x }}\"",
            "-x",
            "- x",
            "x:",
            "a,b",
            "#",
            ".inf",
            "007",
            "---",
            "...",
            "-0x1",
            "+.5",
            "1e3",
            "",
        ];
        let mut seed: u64 = 0x9e3779b97f4a7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let mut read = 0;
        for _ in 0..60_000 {
            let mut doc = String::new();
            for _ in 0..1 + next(6) {
                doc.push_str(&" ".repeat(indents[next(indents.len())]));
                let (key, value) = (keys[next(keys.len())], values[next(values.len())]);
                let line = match next(8) {
                    0 => format!("{key}:"),
                    1 => format!("- {value}"),
                    2 => format!("- {key}: {value}"),
                    3 => "# note".to_string(),
                    4 => String::new(),
                    _ => format!("{key}: {value}"),
                };
                doc.push_str(&line);
                doc.push('\n');
            }
            let Some(fast) = parse(&doc) else { continue };
            let serde = super::super::lenient_yaml::parse_with_serde_yaml(&doc);
            assert_eq!(Some(&fast), serde.as_ref().ok(), "{doc}");
            read += 1;
        }
        assert!(read > 2_000, "{read}");
    }

    #[test]
    fn what_it_does_not_follow_is_left_to_serde_yaml() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !tag 1\n",
            "a: {b: c}\n",
            "a: plain # comment\n  continued\n",
            "a: |\n  text\n  # inside\n",
            "a: |\n  text\n      \n",
            "a:\tb\n",
            "a: |+\n  kept\n\n",
            "a: |2\n   indented\n",
            "a: 1\n---\nb: 2\n",
            "a: [b, [c]]\n",
            "a: b: c\n",
            "a: 'open\n# a hash in quotes\n  quote'\n",
            "a: \"escaped\\\n  break\"\n",
            "a: \"\\x41\"\n",
            "? complex\n: key\n",
            "a: |\n  no final line break",
            "  indented: start\n",
            "a:\n  b: 1\n c: 2\n",
        ] {
            assert!(parse(text).is_none(), "read here:\n{text}");
        }
    }
}
