//! Engine data to LSP types and back. LSP counts columns in UTF-16 code
//! units; the engine counts bytes.

use tower_lsp_server::ls_types::{Position, Range};

use loupe_analysis::text::{LineIndex, TextRange};

/// The byte offset of an LSP position in `text` (clamped to the text).
pub fn offset(text: &str, position: Position) -> usize {
    let mut line_start = 0;
    for _ in 0..position.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut units = 0;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= position.character {
            return line_start + i;
        }
        units += c.len_utf16() as u32;
    }
    line_end
}

/// The LSP position of a byte offset.
pub fn position(text: &str, offset: usize) -> Position {
    let offset = loupe_analysis::text::floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = text[line_start..offset]
        .chars()
        .map(|c| c.len_utf16() as u32)
        .sum();
    Position { line, character }
}

pub fn range(text: &str, range: TextRange) -> Range {
    Range {
        start: position(text, range.start),
        end: position(text, range.end),
    }
}

/// LSP positions of one text, for many conversions (a model's symbols,
/// hints, diagnostics): [`position`] alone scans the text from its start,
/// and a wide model has thousands of ranges.
pub struct Positions<'a> {
    text: &'a str,
    lines: LineIndex,
}

impl<'a> Positions<'a> {
    pub fn new(text: &'a str) -> Self {
        Positions {
            text,
            lines: LineIndex::new(text),
        }
    }

    /// The text's lines, to place the engine's line and column too.
    pub fn lines(&self) -> &LineIndex {
        &self.lines
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset =
            loupe_analysis::text::floor_char_boundary(self.text, offset.min(self.text.len()));
        let (line, start, ascii) = self.lines.line_at(offset);
        let character = if ascii {
            (offset - start) as u32
        } else {
            self.text[start..offset]
                .chars()
                .map(|c| c.len_utf16() as u32)
                .sum()
        };
        Position {
            line: line as u32,
            character,
        }
    }

    pub fn range(&self, range: TextRange) -> Range {
        Range {
            start: self.position(range.start),
            end: self.position(range.end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_agree_with_one_conversion_at_every_offset() {
        for text in [
            "",
            "\n",
            "select 'é😀' as x,\n  amount\r\nfrom t\n",
            "with a as (select 1)\n\nselect * from a",
            "ü\n\nx",
        ] {
            let positions = Positions::new(text);
            for offset in 0..=text.len() + 2 {
                assert_eq!(
                    positions.position(offset),
                    position(text, offset),
                    "{text:?} at {offset}"
                );
            }
        }
    }

    #[test]
    fn utf16_columns_after_multibyte_characters() {
        let text = "select 'é😀' as x,\n  amount";
        // `x` sits after a 2-byte char and a 4-byte char (2 UTF-16 units).
        let x = text.find("x,").unwrap();
        let p = position(text, x);
        assert_eq!(
            p,
            Position {
                line: 0,
                character: 16
            }
        );
        assert_eq!(offset(text, p), x);
        let amount = text.find("amount").unwrap();
        assert_eq!(
            offset(
                text,
                Position {
                    line: 1,
                    character: 2
                }
            ),
            amount
        );
    }
}

/// A breaking change as a diagnostic on the gem that makes it, with each
/// broken use downstream as related information.
pub fn impact_diagnostic(
    host: &loupe_analysis::host::AnalysisHost,
    text: &str,
    impact: &loupe_analysis::diff::Impact,
    at: &loupe_analysis::diff::Place,
    base_label: &str,
) -> tower_lsp_server::ls_types::Diagnostic {
    use tower_lsp_server::ls_types::{
        Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString, Uri,
    };
    let related = impact
        .uses
        .iter()
        .filter(|u| u.breaks)
        .filter_map(|u| {
            let path = host.root().join(&u.place.file);
            let file = host.file(&path)?;
            let gem = u
                .place
                .gem
                .as_deref()
                .map(|g| format!(" (gem `{g}`)"))
                .unwrap_or_default();
            Some(DiagnosticRelatedInformation {
                location: Location {
                    uri: Uri::from_file_path(&path)?,
                    range: range(file.text(host.db()), u.place.range),
                },
                message: format!("`{}` still reads it here{gem}", u.model),
            })
        })
        .collect::<Vec<_>>();
    let gem = at
        .gem
        .as_deref()
        .map(|g| format!(" (gem `{g}`)"))
        .unwrap_or_default();
    Diagnostic {
        range: range(text, at.range),
        severity: Some(DiagnosticSeverity::ERROR),
        code: Some(NumberOrString::String("L015".into())),
        source: Some("loupe".into()),
        message: format!("{}{gem}; against {base_label}", impact.message),
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}
