//! Byte ranges and line/column conversion.

use serde::Serialize;

/// A half-open byte range in one text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct TextRange {
    pub start: usize,
    pub end: usize,
}

impl TextRange {
    pub fn new(start: usize, end: usize) -> Self {
        TextRange {
            start,
            end: end.max(start),
        }
    }

    pub fn empty(at: usize) -> Self {
        TextRange { start: at, end: at }
    }

    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn contains_range(self, other: TextRange) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn len(self) -> usize {
        self.end - self.start
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// A position as humans count it: 1-based line, 1-based column in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Line starts of a text, for offset <-> line/column conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineIndex {
    starts: Vec<usize>,
    /// Whether each line is ASCII, where a column is a byte offset: generated
    /// SQL can be one line of megabytes, and counting characters along it
    /// for every position would be quadratic.
    ascii: Vec<bool>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        // Most texts are ASCII throughout: one check, not one per line.
        let ascii = if text.is_ascii() {
            vec![true; starts.len()]
        } else {
            starts
                .iter()
                .enumerate()
                .map(|(i, &start)| {
                    let end = starts.get(i + 1).copied().unwrap_or(bytes.len());
                    bytes[start..end].is_ascii()
                })
                .collect()
        };
        LineIndex { starts, ascii }
    }

    /// Byte offset of a 1-based line and 1-based character column.
    pub fn offset(&self, text: &str, line: u64, col: u64) -> usize {
        if line == 0 {
            return 0;
        }
        let Some(&start) = self.starts.get(line as usize - 1) else {
            return text.len();
        };
        let line_text = &text[start..];
        let chars = col.saturating_sub(1) as usize;
        if self.ascii[line as usize - 1] {
            return floor_char_boundary(text, (start + chars).min(text.len()));
        }
        start
            + line_text
                .char_indices()
                .nth(chars)
                .map_or(line_text.len(), |(i, _)| i)
    }

    /// The 0-based line holding the byte `offset`, where that line starts,
    /// and whether it is ASCII (a column there is a byte count).
    pub fn line_at(&self, offset: usize) -> (usize, usize, bool) {
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        (line, self.starts[line], self.ascii[line])
    }

    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let (line, start, ascii) = self.line_at(offset);
        let col = if ascii {
            offset - start
        } else {
            text[start..offset].chars().count()
        };
        LineCol {
            line: line as u32 + 1,
            col: col as u32 + 1,
        }
    }

    /// The text of the 1-based line, without its newline.
    pub fn line_text<'a>(&self, text: &'a str, line: u32) -> &'a str {
        let Some(&start) = self.starts.get(line as usize - 1) else {
            return "";
        };
        let end = self.starts.get(line as usize).map_or(text.len(), |&e| e);
        text[start..end].trim_end_matches(['\n', '\r'])
    }
}

pub fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::LineIndex;

    #[test]
    fn line_starts_and_ascii_lines_of_a_text() {
        for text in [
            "",
            "\n",
            "select 1",
            "select 1\n",
            "select\r\n  'é' as x,\n  2\n\nfrom t",
            "é",
            "a\né\nb",
        ] {
            let index = LineIndex::new(text);
            let mut starts = vec![0];
            starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
            let ascii: Vec<bool> = text.split('\n').map(str::is_ascii).collect();
            assert_eq!(index.starts, starts, "{text:?}");
            assert_eq!(index.ascii, ascii, "{text:?}");
        }
    }
}
