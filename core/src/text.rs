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

/// What line/column positions need of a text, without the text: where each
/// line starts and where the multi-byte characters are. The per-file phase
/// stores it in a file's facts, so a label on a file whose facts came from
/// the cache is placed without the file's bytes ever reaching the check
/// (see `docs/performance.md`). It gives exactly the positions of a
/// [`LineIndex`] of the same text.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LineTable {
    /// The text's length in bytes.
    len: u32,
    /// Byte offset of each line after the first (the first starts at 0).
    starts: Vec<u32>,
    /// Each non-ASCII character: its byte offset and its length in bytes.
    wide: Vec<(u32, u8)>,
}

impl LineTable {
    /// The table of `text` (texts over 4 GiB are refused by the host long
    /// before).
    pub fn new(text: &str) -> LineTable {
        let index = LineIndex::new(text);
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let wide = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .filter(|(_, c)| !c.is_ascii())
                .map(|(i, c)| (to_u32(i), c.len_utf8() as u8))
                .collect()
        };
        LineTable {
            len: to_u32(text.len()),
            starts: index.starts[1..].iter().map(|&s| to_u32(s)).collect(),
            wide,
        }
    }

    /// The 1-based position of a byte offset, as [`LineIndex::position`].
    pub fn position(&self, offset: usize) -> Position {
        let mut offset = offset.min(self.len as usize);
        // Snap back to a character boundary.
        let at = self
            .wide
            .partition_point(|&(start, _)| (start as usize) < offset);
        if at > 0 {
            let (start, len) = self.wide[at - 1];
            if offset < start as usize + len as usize {
                offset = start as usize;
            }
        }
        let line = self.starts.partition_point(|&s| s as usize <= offset);
        let line_start = if line == 0 {
            0
        } else {
            self.starts[line - 1] as usize
        };
        let first = self
            .wide
            .partition_point(|&(start, _)| (start as usize) < line_start);
        let last = self
            .wide
            .partition_point(|&(start, _)| (start as usize) < offset);
        let extra: usize = self.wide[first..last]
            .iter()
            .map(|&(_, len)| len as usize - 1)
            .sum();
        Position {
            line: line + 1,
            column: offset - line_start - extra + 1,
        }
    }

    /// Start and end positions of a span.
    pub fn span(&self, span: Span) -> (Position, Position) {
        (self.position(span.start), self.position(span.end))
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

    proptest::proptest! {
        #[test]
        fn a_line_table_places_offsets_as_the_index_does(
            text in "[a\\n\\ré€😀\\t ]{0,40}",
            offsets in proptest::collection::vec(0usize..200, 1..8),
        ) {
            let index = LineIndex::new(&text);
            let table = LineTable::new(&text);
            for offset in offsets {
                proptest::prop_assert_eq!(table.position(offset), index.position(offset));
            }
        }
    }
}
