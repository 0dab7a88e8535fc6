//! Byte offsets to editor positions.
//!
//! The core reports byte spans (and 1-based character columns). Browser
//! editors index JavaScript strings, which are UTF-16, so every position is
//! also given as a 1-based UTF-16 column and a 0-based UTF-16 offset.
//!
//! Lines are split on `\n` only; a `\r` before it belongs to the line's end.
//! A `<textarea>` normalises `\r\n` to `\n`, so editors should locate a span by
//! `(line, column_utf16)`, which is the same in both forms, rather than by
//! `offset_utf16`, which is exact only for the original text.

use serde::Serialize;

/// A position in a file, in every unit an editor may want.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// Line starts of one file, with their UTF-16 offsets, for repeated lookups.
#[derive(Debug)]
pub struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of each line's first byte.
    starts: Vec<usize>,
    /// UTF-16 offset of each line's first code unit.
    starts_utf16: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Index `text` in one pass.
    pub fn new(text: &'a str) -> LineIndex<'a> {
        let mut starts = vec![0];
        let mut starts_utf16 = vec![0];
        let mut utf16 = 0;
        for (at, ch) in text.char_indices() {
            utf16 += ch.len_utf16();
            if ch == '\n' {
                starts.push(at + 1);
                starts_utf16.push(utf16);
            }
        }
        LineIndex {
            text,
            starts,
            starts_utf16,
        }
    }

    /// The position of a byte offset. Offsets past the end clamp to the end;
    /// offsets inside a multi-byte character move back to its start.
    pub fn position(&self, offset: usize) -> PositionDto {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let before = &self.text[self.starts[line]..offset];
        let chars = before.chars().count();
        let units: usize = before.chars().map(char::len_utf16).sum();
        PositionDto {
            line: line + 1,
            column: chars + 1,
            column_utf16: units + 1,
            offset_utf16: self.starts_utf16[line] + units,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, offset: usize) -> (usize, usize, usize, usize) {
        let p = LineIndex::new(text).position(offset);
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
}
