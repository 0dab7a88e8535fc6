//! Depth limits, checked before Ruff's recursive-descent parser runs.
//!
//! CPython refuses deeply nested source: more than 200 open brackets is a
//! tokenizer error (`too many nested parentheses`), more than 100 indentation
//! levels is `too many levels of indentation`, and very long operator chains
//! (`- - - … 1`, `2 ** 2 ** …`, `lambda: lambda: …`) end in `MemoryError` or
//! `RecursionError` somewhere between about 1,000 and 3,000 levels, depending
//! on the version and the construct. Ruff's parser recurses once per level,
//! and inside the wasm sandbox its stack ends a little above 3,000 levels, so
//! a hostile file must not reach it: past [`MAX_OPERATORS`] nesting-capable
//! tokens in one statement the verdict is "cannot be validated statically"
//! (reported, not guessed), never a trap.

use crate::parse::lexer::{LineSink, LogicalLine, TokKind, tokenize_into};
use crate::text::Span;

/// Operators and keywords one statement may hold before revguard declines
/// to parse it (well inside the guest's stack; CPython 3.8 already fails
/// near 1,000 `**` or `lambda` levels, 3.13 near 3,000).
pub(super) const MAX_OPERATORS: usize = 2_000;
/// CPython's `MAXINDENT`.
const MAX_LEVELS: usize = 100;

/// Why the file is not handed to the parser.
pub(super) struct Refusal {
    pub message: String,
    pub span: Span,
    /// True when CPython's own verdict is unknown (only very likely a failure).
    pub unsupported: bool,
}

/// A file with few of the bytes that nest cannot nest deeply: skip the scan.
/// Keyword chains (`not not …`) need 4 bytes a level, so any file that could
/// hold [`MAX_OPERATORS`] of them is scanned too.
fn may_nest_deeply(text: &str) -> bool {
    text.len() > 4 * MAX_OPERATORS
        || text.bytes().filter(|b| b.is_ascii_punctuation()).count() > MAX_OPERATORS
}

pub(super) fn check(text: &str) -> Option<Refusal> {
    if !may_nest_deeply(text) {
        return None;
    }
    let mut scan = Scan {
        src: text,
        levels: vec![0],
        found: None,
    };
    if let Err(err) = tokenize_into(text, &mut scan)
        && err.message == "too many nested parentheses"
    {
        return Some(Refusal {
            message: err.message,
            span: err.span,
            unsupported: false,
        });
    }
    scan.found
}

struct Scan<'s> {
    src: &'s str,
    levels: Vec<usize>,
    found: Option<Refusal>,
}

impl LineSink for &mut Scan<'_> {
    fn wants(&self, _indented: bool) -> bool {
        self.found.is_none()
    }

    fn line(&mut self, line: &LogicalLine) {
        let Some(first) = line.tokens.first() else {
            return;
        };
        let start = first.span.start;
        let begin = self.src[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let width = start - begin;
        while self.levels.len() > 1 && self.levels.last().is_some_and(|&w| width < w) {
            self.levels.pop();
        }
        if self.levels.last().is_some_and(|&w| width > w) {
            self.levels.push(width);
        }
        if self.levels.len() > MAX_LEVELS + 1 {
            self.found = Some(Refusal {
                message: "too many levels of indentation".into(),
                span: first.span,
                unsupported: false,
            });
            return;
        }
        let operators = line
            .tokens
            .iter()
            .filter(|t| self.nests(&t.kind, &self.src[t.span.start..t.span.end]))
            .count();
        if operators > MAX_OPERATORS {
            self.found = Some(Refusal {
                message: format!(
                    "this statement nests {operators} operators; revguard validates up to {MAX_OPERATORS} (CPython itself fails on such files with MemoryError or RecursionError on most versions)"
                ),
                span: first.span,
                unsupported: true,
            });
        }
    }
}

impl Scan<'_> {
    fn nests(&self, kind: &TokKind, text: &str) -> bool {
        match kind {
            TokKind::Op => !matches!(text, "," | "." | ":" | ";" | "=" | ")" | "]" | "}" | "->"),
            TokKind::Name => matches!(
                text,
                "not" | "lambda" | "await" | "if" | "else" | "and" | "or" | "in" | "is" | "yield"
            ),
            _ => false,
        }
    }
}

#[cfg(all(test, feature = "python"))]
mod tests {
    use crate::python::PythonVersion;
    use crate::syntax::validate;

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let parens = format!("x = {}1{}\n", "(".repeat(100_000), ")".repeat(100_000));
        let errors = validate(&parens, PythonVersion::DEFAULT);
        assert_eq!(errors[0].message, "too many nested parentheses");
        let minus = format!("x = {}1\n", "-".repeat(50_000));
        let errors = validate(&minus, PythonVersion::DEFAULT);
        assert!(errors[0].unsupported, "{:?}", errors[0]);
        let mut blocks = String::new();
        for level in 0..150 {
            blocks.push_str(&format!("{}if x:\n", " ".repeat(level)));
        }
        blocks.push_str(&format!("{}pass\n", " ".repeat(150)));
        let errors = validate(&blocks, PythonVersion::DEFAULT);
        assert_eq!(errors[0].message, "too many levels of indentation");
    }

    #[test]
    fn long_flat_data_is_not_nesting() {
        let items: Vec<String> = (0..5_000).map(|i| format!("'c{i}'")).collect();
        let text = format!("COLUMNS = [{}]\n", items.join(", "));
        assert!(validate(&text, PythonVersion::DEFAULT).is_empty());
    }
}
