//! One template per macro.
//!
//! Calling a macro evaluates the top level of the file that defines it, and
//! that defines every macro of the file (each closing over the others): dbt's
//! own macro files hold dozens. A template holding the file with every other
//! macro blanked out keeps the file's top-level statements and line numbers,
//! and costs one definition per call.

use std::ops::Range;

use super::source_map::{scan_tags, split_trim, tag_inner, TagKind};

/// The macros defined at the top level of a (rewritten) macro file, with the
/// byte range from `{% macro` to the end of its `{% endmacro %}`; `None` when
/// the macro tags do not pair up (the whole file is used then).
pub(crate) fn top_level_macros(text: &str) -> Option<Vec<(String, Range<usize>)>> {
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut open: Option<(String, usize)> = None;
    for tag in scan_tags(text)
        .into_iter()
        .filter(|t| t.kind == TagKind::Statement)
    {
        let (_, body, _) = split_trim(tag_inner(text, tag.range));
        let mut words = body
            .trim_start()
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty());
        match words.next() {
            Some("macro") => {
                if depth == 0 {
                    open = Some((words.next()?.to_string(), tag.range.start));
                }
                depth += 1;
            }
            Some("endmacro") => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    let (name, start) = open.take()?;
                    spans.push((name, start..tag.range.end));
                }
            }
            _ => {}
        }
    }
    (depth == 0).then_some(spans)
}

/// `text` with every macro of `spans` but the `keep`th replaced by a Jinja
/// comment holding its newlines: the lines stay where they were, and defining
/// the macro (each call does) reads and prints none of the others. Macros
/// with only whitespace between them share one comment, so a file of
/// thousands of macros gives each a template of a few instructions.
/// The `top_level_output` tags go too (see [`top_level_output`]).
pub(crate) fn single_macro_text(
    text: &str,
    spans: &[Range<usize>],
    keep: usize,
    top_level_output: &[Range<usize>],
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    let mut in_comment = false;
    for (i, span) in spans.iter().enumerate() {
        if i == keep {
            continue;
        }
        let between = pos..span.start;
        if in_comment && text[between.clone()].trim().is_empty() {
            out.extend(newlines(&text[between]));
        } else {
            if in_comment {
                out.push_str("#}");
            }
            push_without(&mut out, text, between, top_level_output);
            out.push_str("{#");
            in_comment = true;
        }
        out.extend(newlines(&text[span.clone()]));
        pos = span.end;
    }
    if in_comment {
        out.push_str("#}");
    }
    push_without(&mut out, text, pos..text.len(), top_level_output);
    out
}

/// The output tags (`{{ ... }}`) of `text` outside every macro of `spans`,
/// in order. dbt never renders a macro file's top level; kept in a macro's
/// template, each call would print, and run, them again (a file calling its
/// own macro there recursed without end).
pub(crate) fn top_level_output(text: &str, spans: &[Range<usize>]) -> Vec<Range<usize>> {
    scan_tags(text)
        .into_iter()
        .filter(|t| t.kind == TagKind::Expression)
        .map(|t| t.range.start..t.range.end)
        .filter(|r| !spans.iter().any(|s| s.start <= r.start && r.end <= s.end))
        .collect()
}

fn newlines(s: &str) -> impl Iterator<Item = char> {
    std::iter::repeat_n('\n', s.matches('\n').count())
}

/// `text[range]` onto `out`, each of `dropped` (sorted) within it left as
/// its newlines.
fn push_without(out: &mut String, text: &str, range: Range<usize>, dropped: &[Range<usize>]) {
    let mut pos = range.start;
    let first = dropped.partition_point(|d| d.start < range.start);
    for d in dropped[first..].iter().take_while(|d| d.end <= range.end) {
        out.push_str(&text[pos..d.start]);
        out.extend(newlines(&text[d.clone()]));
        pos = d.end;
    }
    out.push_str(&text[pos..range.end]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn macro_ranges(text: &str) -> Vec<Range<usize>> {
        top_level_macros(text)
            .unwrap()
            .into_iter()
            .map(|(_, r)| r)
            .collect()
    }

    #[test]
    fn finds_top_level_macros_and_skips_nested_and_raw_ones() {
        let text = "{% set x = 1 %}\n{%- macro a(n) -%}{% macro inner() %}{% endmacro %}{{ n }}{%- endmacro %}\n\
                    {% raw %}{% macro fake() %}{% endraw %}\n{% macro b() %}b{% endmacro %}\n";
        let spans = top_level_macros(text).unwrap();
        let names: Vec<&str> = spans.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert!(text[spans[0].1.clone()].starts_with("{%- macro a(n)"));
        assert!(text[spans[1].1.clone()].ends_with("{% endmacro %}"));
    }

    #[test]
    fn unpaired_macro_tags_give_up() {
        assert!(top_level_macros("{% macro a() %}no end").is_none());
        assert!(top_level_macros("{% endmacro %}").is_none());
    }

    #[test]
    fn other_macros_are_blanked_keeping_lines() {
        let text =
            "{% set x = 1 %}\n{% macro a() %}\nA\n{% endmacro %}\n{% macro b() %}B{% endmacro %}\n";
        let spans = macro_ranges(text);
        let only_b = single_macro_text(text, &spans, 1, &top_level_output(text, &spans));
        assert_eq!(only_b.lines().count(), text.lines().count());
        let line_of_b = |t: &str| t.lines().position(|l| l.contains("macro b"));
        assert_eq!(line_of_b(&only_b), line_of_b(text));
        assert!(only_b.contains("{% set x = 1 %}"));
        assert!(only_b.contains("{% macro b() %}B{% endmacro %}"));
        assert!(!only_b.contains("macro a"));
        // The blanked macro prints nothing when the file is rendered.
        let mut env = minijinja::Environment::new();
        env.add_template("only_b", &only_b).unwrap();
        let printed = env.get_template("only_b").unwrap().render(()).unwrap();
        assert!(printed.chars().all(|c| c == '\n'), "{printed:?}");
        assert!(printed.matches('\n').count() < only_b.matches('\n').count());
    }

    #[test]
    fn output_at_the_top_level_is_dropped_and_the_macros_own_kept() {
        let text = "{% macro a(n) %}{{ n }}{% endmacro %}\n{{ a(1) }}\n{{-\n a(2)\n-}}{% set x = a(3) %}\n";
        let spans = macro_ranges(text);
        let only_a = single_macro_text(text, &spans, 0, &top_level_output(text, &spans));
        assert_eq!(
            only_a,
            "{% macro a(n) %}{{ n }}{% endmacro %}\n\n\n\n{% set x = a(3) %}\n"
        );
    }

    #[test]
    fn macros_side_by_side_are_blanked_in_one_comment() {
        let text: String = (0..1000)
            .map(|i| format!("{{% macro m{i}(x) %}}\n  {{{{ x }}}}{i}\n{{% endmacro %}}\n\n"))
            .collect::<String>()
            + "{% set tail = 1 %}\n";
        let spans = macro_ranges(&text);
        let only = single_macro_text(&text, &spans, 500, &top_level_output(&text, &spans));
        assert_eq!(
            only.matches("{#").count(),
            2,
            "one comment before m500, one after"
        );
        assert_eq!(only.lines().count(), text.lines().count());
        let line_of = |t: &str, what: &str| t.lines().position(|l| l.contains(what));
        assert_eq!(line_of(&only, "macro m500("), line_of(&text, "macro m500("));
        assert_eq!(line_of(&only, "{% set tail"), line_of(&text, "{% set tail"));
        let mut env = minijinja::Environment::new();
        env.add_template("only", &only).unwrap();
        let printed = env.get_template("only").unwrap().render(()).unwrap();
        assert!(printed.chars().all(|c| c == '\n'), "{printed:?}");
    }
}
