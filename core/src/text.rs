//! Text primitives every phase shares: byte spans, line/column positions
//! (computed only at the edges), the way messages list names and the edit
//! distance behind every "did you mean".
//!
//! A leaf module: it depends on nothing else in the crate, so the parser,
//! the graph and the checks can all use it without depending on the report.
//! Its line index is the one line index of the project: the core's labels
//! and the browser binding's editor positions both split lines here, so a
//! file gets the same line numbers in every face.

use serde::{Deserialize, Serialize};

/// A byte range in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Span {
    /// Start offset in bytes.
    pub start: usize,
    /// End offset in bytes (exclusive).
    pub end: usize,
}

impl Span {
    /// A span from two offsets.
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// A 1-based line and column (column counted in Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

/// Format names as `` `a`, `b` and `c` `` (empty for none).
pub(crate) fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} and {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

/// Line starts of a text, for converting byte offsets to positions.
#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Index the line starts (`\n`, `\r\n` and lone `\r` end a line, as in Python).
    pub fn new(text: &'a str) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\n' => starts.push(i + 1),
                b'\r' if bytes.get(i + 1) != Some(&b'\n') => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        LineIndex { text, starts }
    }

    /// The 1-based position of a byte offset (clamped to the text, snapped
    /// back to a character boundary).
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let column = self.text[self.starts[line]..offset].chars().count() + 1;
        Position {
            line: line + 1,
            column,
        }
    }

    /// Start and end positions of a span.
    pub fn span(&self, span: Span) -> (Position, Position) {
        (self.position(span.start), self.position(span.end))
    }

    /// The text this index was built for.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The byte offset where each line starts (the first is 0), in order.
    pub fn line_starts(&self) -> &[usize] {
        &self.starts
    }
}

/// Levenshtein distance in characters: the one edit distance behind every
/// "did you mean" (the core's suggested ids, the host's configuration keys).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_read_as_prose() {
        let names = |n: &[&str]| n.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(list(&[]), "");
        assert_eq!(list(&names(&["a"])), "`a`");
        assert_eq!(list(&names(&["a", "b"])), "`a` and `b`");
        assert_eq!(list(&names(&["a", "b", "c"])), "`a`, `b` and `c`");
    }

    #[test]
    fn levenshtein_counts_edits_in_characters() {
        assert_eq!(levenshtein("abcd", "abed"), 1);
        assert_eq!(levenshtein("abcd", "abcde"), 1);
        assert_eq!(levenshtein("abcd", "abcd"), 0);
        assert_eq!(levenshtein("ab", "abcd"), 2);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("é", "e"), 1);
    }

    #[test]
    fn positions_count_characters_and_all_newline_kinds() {
        let index = LineIndex::new("ab\r\ncé\rx\ny");
        assert_eq!(index.position(0), Position { line: 1, column: 1 });
        assert_eq!(index.position(4), Position { line: 2, column: 1 });
        // 'é' is two bytes; the offset after it is column 3.
        assert_eq!(index.position(7), Position { line: 2, column: 3 });
        assert_eq!(index.position(8), Position { line: 3, column: 1 });
        assert_eq!(index.position(10), Position { line: 4, column: 1 });
        // Inside a multi-byte character snaps back.
        assert_eq!(index.position(6), Position { line: 2, column: 2 });
        assert_eq!(index.position(999), Position { line: 4, column: 2 });
    }
}
