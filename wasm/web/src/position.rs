//! Byte offsets to editor positions.
//!
//! The core reports byte spans (and 1-based character columns). Browser
//! editors index JavaScript strings, which are UTF-16, so every position is
//! also given as a 1-based UTF-16 column and a 0-based UTF-16 offset.
//!
//! Lines are the core's ([`revguard_core::text::LineIndex`]): `\n`, `\r\n`
//! and a lone `\r` each end a line, as in Python, so a label has the same
//! line number here as in the CLI. A `<textarea>` normalises both `\r\n` and
//! a lone `\r` to `\n`, so editors should locate a span by
//! `(line, column_utf16)`, which is the same in every form, rather than by
//! `offset_utf16`, which is exact only for the original text.

use revguard_core::text::LineIndex;
use serde::Serialize;

/// A position in a file, in every unit an editor may want.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "typescript", derive(ts_rs::TS))]
#[cfg_attr(feature = "typescript", ts(rename = "Position"))]
pub struct PositionDto {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in Unicode scalar values (as the CLI prints it).
    pub column: usize,
    /// 1-based column in UTF-16 code units (Monaco, CodeMirror, `<textarea>`).
    pub column_utf16: usize,
    /// 0-based offset from the start of the file in UTF-16 code units.
    pub offset_utf16: usize,
}

/// The core's line index of one file plus the UTF-16 offset of every line
/// start, for repeated lookups.
#[derive(Debug)]
pub struct EditorIndex<'a> {
    lines: LineIndex<'a>,
    /// UTF-16 offset of each line's first code unit.
    starts_utf16: Vec<usize>,
}

impl<'a> EditorIndex<'a> {
    /// Index `text`.
    pub fn new(text: &'a str) -> EditorIndex<'a> {
        let lines = LineIndex::new(text);
        let mut starts_utf16 = Vec::with_capacity(lines.line_starts().len());
        let (mut units, mut at) = (0, 0);
        for &start in lines.line_starts() {
            units += utf16_len(&text[at..start]);
            starts_utf16.push(units);
            at = start;
        }
        EditorIndex {
            lines,
            starts_utf16,
        }
    }

    /// The position of a byte offset. Offsets past the end clamp to the end;
    /// offsets inside a multi-byte character move back to its start.
    pub fn position(&self, offset: usize) -> PositionDto {
        let text = self.lines.text();
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let position = self.lines.position(offset);
        let line = position.line - 1;
        let units = utf16_len(&text[self.lines.line_starts()[line]..offset]);
        PositionDto {
            line: position.line,
            column: position.column,
            column_utf16: units + 1,
            offset_utf16: self.starts_utf16[line] + units,
        }
    }
}

fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, offset: usize) -> (usize, usize, usize, usize) {
        let p = EditorIndex::new(text).position(offset);
        (p.line, p.column, p.column_utf16, p.offset_utf16)
    }

    #[test]
    fn ascii() {
        let text = "ab\ncd\n";
        assert_eq!(at(text, 0), (1, 1, 1, 0));
        assert_eq!(at(text, 2), (1, 3, 3, 2));
        assert_eq!(at(text, 3), (2, 1, 1, 3));
        assert_eq!(at(text, 4), (2, 2, 2, 4));
        assert_eq!(at(text, 6), (3, 1, 1, 6));
        assert_eq!(at(text, 99), (3, 1, 1, 6));
    }

    #[test]
    fn astral_and_accented() {
        // 'é' is 2 bytes / 1 unit; '😀' is 4 bytes / 2 units.
        let text = "é😀x\n😀y";
        assert_eq!(at(text, 2), (1, 2, 2, 1));
        assert_eq!(at(text, 6), (1, 3, 4, 3));
        assert_eq!(at(text, 8), (2, 1, 1, 5));
        assert_eq!(at(text, 12), (2, 2, 3, 7));
        // Inside the emoji: back to its start.
        assert_eq!(at(text, 4), (1, 2, 2, 1));
    }

    #[test]
    fn crlf_keeps_columns() {
        let text = "a\r\nbc";
        assert_eq!(at(text, 4), (2, 2, 2, 4));
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_as_in_the_core() {
        // Python (and the core) split on a lone `\r`; this index used to
        // split on `\n` only and called `b` line 1, column 3.
        let text = "a\rb\r\nc😀\rd";
        assert_eq!(at(text, 2), (2, 1, 1, 2));
        assert_eq!(at(text, 5), (3, 1, 1, 5));
        assert_eq!(at(text, 11), (4, 1, 1, 9));
        for offset in 0..=text.len() {
            let core = LineIndex::new(text).position(offset);
            let editor = EditorIndex::new(text).position(offset);
            assert_eq!((editor.line, editor.column), (core.line, core.column));
        }
    }
}
