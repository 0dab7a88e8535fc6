//! Depth limits, checked before Ruff's recursive-descent parser runs.
//!
//! CPython refuses deeply nested source in four ways, measured with CPython
//! 3.8 to 3.13 (`docs/syntax.md` has the table):
//!
//! - more than 200 open brackets: the tokenizer's `too many nested
//!   parentheses`; more than 100 indentation levels: `too many levels of
//!   indentation`. Both are fixed limits.
//! - the parser's own stack: 3.8's LL(1) parser (`MemoryError`) and the PEG
//!   parser of 3.9+ (`MemoryError`, "Parser stack overflowed - Python source
//!   too complex to parse" since 3.12). Also fixed: they count grammar rules,
//!   not bytes of C stack, so the verdict is certain.
//! - the syntax tree's depth, in the AST validator, optimizer, symbol table and
//!   compiler (`RecursionError: maximum recursion depth exceeded during
//!   compilation`). Up to 3.11 that budget is three times the interpreter's
//!   recursion limit minus three per Python frame already on the stack, so
//!   it depends on the program that imports the file and on
//!   `sys.setrecursionlimit`: past a safe depth the verdict is not known
//!   statically. 3.12 and 3.13 count C recursion instead: fixed but for the
//!   few C frames of the importer, so only a narrow band is unknown.
//!
//! `depth.rs` measures each statement in the three budgets (nesting only:
//! the elements of a literal, the arguments of a call and the operands of
//! `and`/`or` or a comparison chain are breadth). Below every safe limit
//! the file goes to Ruff; past a certain limit the verdict is CPython's
//! error; in between it is "not validated statically" (reported, not
//! guessed). The safe limits also keep Ruff's recursion, and the recursive
//! walks over its tree, inside the guest's and the native threads' stacks.

use super::depth::{self, Cost};
use crate::lexer::{LineSink, LogicalLine, tokenize_into};
use crate::python::PythonVersion;
use crate::text::Span;

/// CPython's `MAXINDENT`.
const MAX_LEVELS: usize = 100;

/// Why the file is not handed to the parser.
pub(super) struct Refusal {
    pub message: String,
    pub span: Span,
    /// True when CPython's own verdict is unknown (it depends on the stack
    /// of the program that compiles the file).
    pub unsupported: bool,
}

/// One of CPython's budgets for one version.
#[derive(Debug, Clone, Copy)]
struct Limit {
    /// At or below: CPython compiles the statement (as far as this budget
    /// goes), whoever imports it.
    safe: u32,
    /// At or above: CPython always refuses it, with `error`. `None`: the
    /// limit depends on the importer's stack or recursion limit.
    certain: Option<u32>,
    /// CPython's error.
    error: &'static str,
}

/// The PEG budget's certain limit is the measured one (5968 rule calls for
/// `x = -…-1`) plus this margin, and the safe one is below it by
/// [`BAND_BELOW`]: a bracket costs 27.9 rule calls (counted as 28) and each
/// statement form has a few calls of its own (an `elif` chain fails 5 links
/// earlier). The LL(1) weights of 3.8 are exact (1680 states for `x = -…-1`,
/// for 50 blocks and 1480 minus signs, for 50 brackets and 830 minus signs).
const BAND_ABOVE: u32 = 32;
/// See [`BAND_ABOVE`].
const BAND_BELOW: u32 = 16;

const PARSER_3_8: &str =
    "MemoryError (CPython 3.8's parser stack overflowed: the statement is too deeply nested)";
const PARSER_3_9: &str =
    "MemoryError: Parser stack overflowed - Python source too complex to parse";
const RECURSION: &str = "RecursionError: maximum recursion depth exceeded during compilation";

/// The AST depth that is safe up to 3.11 whatever the importer: the budget
/// is 3 × 1000 (the default recursion limit) minus 3 per Python frame on the
/// stack; 2,000 leaves room for over 300 frames.
const AST_SAFE_OLD: u32 = 2_000;

/// The three budgets of `version`: (AST, PEG parser, LL(1) parser).
fn limits(version: PythonVersion) -> [Option<Limit>; 3] {
    let pgen = (version.minor == 8).then_some(Limit {
        safe: 1675,
        certain: Some(1680),
        error: PARSER_3_8,
    });
    // 3.14 checks the real C stack: its parser limit is not measured here.
    let peg = (version.minor >= 9).then_some(Limit {
        safe: 5968 - BAND_BELOW,
        certain: (version.minor <= 13).then_some(5968 + BAND_ABOVE),
        error: PARSER_3_9,
    });
    let ast = match version.minor {
        ..=11 => Limit {
            safe: AST_SAFE_OLD,
            certain: None,
            error: RECURSION,
        },
        // Measured from the shallowest caller (a script's module level):
        // a real importer has a few more C frames, hence the safe margin.
        12 => Limit {
            safe: 2_900,
            certain: Some(2_993),
            error: RECURSION,
        },
        13 => Limit {
            safe: 9_900,
            certain: Some(9_996),
            error: RECURSION,
        },
        _ => Limit {
            safe: 2_900,
            certain: None,
            error: RECURSION,
        },
    };
    [Some(ast), peg, pgen]
}

/// The verdict on one statement's cost, or `None` when it can be parsed.
fn judge(cost: Cost, version: PythonVersion, span: Span) -> Option<Refusal> {
    let [ast, peg, pgen] = limits(version);
    // The parsers run first: their error is the one CPython reports.
    let budgets = [(pgen, cost.pgen), (peg, cost.peg), (ast, cost.ast)];
    for (limit, used) in budgets {
        if let Some(limit) = limit
            && limit.certain.is_some_and(|certain| used >= certain)
        {
            return Some(Refusal {
                message: format!(
                    "{} (a statement nested {} levels deep, too deep for CPython {version})",
                    limit.error, cost.ast
                ),
                span,
                unsupported: false,
            });
        }
    }
    let over = budgets
        .iter()
        .any(|(limit, used)| limit.is_some_and(|l| *used > l.safe));
    over.then(|| Refusal {
        message: format!(
            "this statement nests {} levels deep: whether CPython {version} compiles it depends on the recursion limit and the stack of the program that imports it, so revguard does not validate it (safe up to {} levels)",
            cost.ast,
            ast.map_or(0, |l| l.safe)
        ),
        span,
        unsupported: true,
    })
}

/// The first statement CPython refuses (or that revguard cannot decide) for
/// its depth, before anything recursive runs.
pub(super) fn check(text: &str, version: PythonVersion) -> Option<Refusal> {
    let mut scan = Scan {
        src: text,
        version,
        levels: vec![0],
        elifs: vec![0],
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
    version: PythonVersion,
    /// Indentation widths of the open blocks.
    levels: Vec<usize>,
    /// Per open block, the `elif`s of the `if` statement being read at that
    /// level: each nests the next one inside the previous one's `orelse`.
    elifs: Vec<u32>,
    found: Option<Refusal>,
}

impl LineSink for &mut Scan<'_> {
    fn wants(&self, _indented: bool) -> bool {
        // After a statement revguard cannot decide, a later one CPython
        // certainly refuses still decides the file.
        self.found.as_ref().is_none_or(|found| found.unsupported)
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
            self.elifs.pop();
        }
        if self.levels.last().is_some_and(|&w| width > w) {
            self.levels.push(width);
            self.elifs.push(0);
        }
        if self.levels.len() > MAX_LEVELS + 1 {
            self.found = Some(Refusal {
                message: "too many levels of indentation".into(),
                span: first.span,
                unsupported: false,
            });
            return;
        }
        let keyword = &self.src[first.span.start..first.span.end];
        if let Some(count) = self.elifs.last_mut() {
            match keyword {
                "elif" => *count += 1,
                "else" => {}
                _ => *count = 0,
            }
        }
        let blocks = (self.levels.len() - 1) as u32;
        let elifs: u32 = self.elifs.iter().sum();
        let (cost, values) = depth::statement(self.src, &line.tokens);
        let ast = (blocks + elifs).saturating_sub(u32::from(!values));
        let cost = cost.plus(Cost::new(ast, 6 * blocks + elifs, 4 * blocks));
        if let Some(refusal) = judge(cost, self.version, first.span)
            && self.found.as_ref().is_none_or(|_| !refusal.unsupported)
        {
            self.found = Some(refusal);
        }
    }
}

#[cfg(test)]
mod limits {
    use super::depth::Cost;
    use super::*;
    use crate::lexer::tokenize_each;

    /// The deepest statement of `text`, as the guard measures it.
    fn cost(text: &str) -> Cost {
        let mut deepest = Cost::default();
        tokenize_each(text, |line| {
            deepest = deepest.max(depth::statement(text, &line.tokens).0);
        })
        .expect("tokenizes");
        deepest
    }

    /// `x = <chain>` with `n` links of each kind CPython nests on, and the
    /// cost in (tree levels, PEG rule calls, LL(1) states) per link.
    fn chains(n: usize) -> Vec<(&'static str, String, Cost)> {
        let n32 = n as u32;
        vec![
            (
                "unary minus",
                format!("x = {}1\n", "-".repeat(n)),
                Cost::new(n32, n32, n32),
            ),
            (
                "not",
                format!("x = {}a\n", "not ".repeat(n)),
                Cost::new(n32, n32, n32),
            ),
            (
                "power",
                format!("x = {}2\n", "2 ** ".repeat(n)),
                Cost::new(n32, 2 * n32, 2 * n32),
            ),
            (
                "lambda",
                format!("x = {}1\n", "lambda: ".repeat(n)),
                Cost::new(n32, 2 * n32, 2 * n32),
            ),
            (
                "conditional",
                format!("x = {}c\n", "a if b else ".repeat(n)),
                Cost::new(n32, n32, n32),
            ),
            (
                "attribute",
                format!("x = a{}\n", ".b".repeat(n)),
                Cost::new(n32, 0, 0),
            ),
            (
                "subscript",
                format!("x = a{}\n", "[0]".repeat(n)),
                Cost::new(n32, 28, 17),
            ),
            (
                "call",
                format!("x = f{}\n", "()".repeat(n)),
                Cost::new(n32, 28, 17),
            ),
            (
                "addition",
                format!("x = a{}\n", " + a".repeat(n)),
                Cost::new(n32, 0, 0),
            ),
        ]
    }

    #[test]
    fn every_kind_of_nesting_counts_one_level_per_link() {
        for n in [1, 7, 3_000, 300_000] {
            for (kind, text, expected) in chains(n) {
                assert_eq!(cost(&text), expected, "{kind} x {n}");
            }
        }
    }

    #[test]
    fn breadth_is_not_depth() {
        let items = "{'id': 1, 'name': 'n', 'tags': ['a', 'b']}, ".repeat(100_000);
        let wide = format!("def rows():\n    return [{items}]\n");
        assert_eq!(
            cost(&wide).ast,
            3,
            "a dict in a list: two levels and the dict's list"
        );
        for flat in [" and a", " or a", " < a", " == a", " is not a", " not in a"] {
            let text = format!("x = a{}\n", flat.repeat(50_000));
            assert_eq!(cost(&text), Cost::new(1, 0, 0), "{flat}");
        }
        let calls = format!("f({})\n", "g(x), ".repeat(50_000));
        assert_eq!(cost(&calls), Cost::new(2, 56, 34));
        let imports = format!("import {}\n", ["a"; 5_000].join("."));
        assert_eq!(cost(&imports), Cost::default());
    }

    #[test]
    fn mixtures_and_brackets_add_up() {
        // -(-(…(1)…)): a bracket and a unary operator per level.
        let text = format!("x = {}1{}\n", "-(".repeat(150), ")".repeat(150));
        assert_eq!(cost(&text), Cost::new(300, 150 * 29, 150 * 18));
        let mixed = format!("x = a{}\n", ".b[0]()".repeat(1_000));
        assert_eq!(cost(&mixed).ast, 3_000);
        // A lambda's body is inside it, its defaults beside it.
        let text = format!("f = lambda x={}: {}x\n", "-".repeat(10), "-".repeat(20));
        assert_eq!(cost(&text).ast, 21);
        // The fields of an f-string are expressions too.
        let text = format!("x = f'{{{}}}'\n", "-".repeat(5_000));
        assert!(cost(&text).ast >= 5_000);
    }

    #[test]
    fn blocks_and_elif_chains_nest() {
        let mut text = String::from("if a:\n    pass\n");
        text.push_str(&"elif a:\n    pass\n".repeat(3_000));
        let refusal = check(&text, PythonVersion::new(3, 12)).expect("too deep for 3.12");
        assert!(
            refusal.message.starts_with(RECURSION),
            "{}",
            refusal.message
        );
        assert!(check(&text, PythonVersion::new(3, 13)).is_none());
        // CPython 3.12 compiles 2,992 `elif`s and refuses 2,993.
        let chain = |n: usize| format!("if a:\n    pass\n{}", "elif a:\n    pass\n".repeat(n));
        let at = |n: usize| check(&chain(n), PythonVersion::new(3, 12)).map(|r| r.unsupported);
        assert_eq!(at(2_993), Some(false));
        assert_eq!(at(2_992), Some(true), "in the band, not refused");
    }

    #[test]
    fn verdicts_follow_the_version() {
        let attr = |n: usize| format!("x = a{}\n", ".b".repeat(n));
        let verdict = |text: &str, minor: u8| {
            check(text, PythonVersion::new(3, minor)).map(|r| (r.unsupported, r.message))
        };
        // Under every safe limit: parsed.
        for minor in 8..=14 {
            assert!(verdict(&attr(1_990), minor).is_none(), "3.{minor}");
        }
        // 3.12 always fails at 2,993 links; 3.10 depends on the importer.
        let (unsupported, message) = verdict(&attr(2_993), 12).expect("refused");
        assert!(!unsupported && message.starts_with(RECURSION), "{message}");
        assert!(verdict(&attr(2_950), 12).expect("band").0);
        assert!(verdict(&attr(10_000), 10).expect("unknown").0);
        assert!(verdict(&attr(9_000), 13).is_none());
        assert!(!verdict(&attr(10_000), 13).expect("refused").0);
        // The PEG parser's budget is fixed: certain everywhere it is measured.
        let minus = format!("x = {}1\n", "-".repeat(6_000));
        for minor in 9..=13 {
            let (unsupported, message) = verdict(&minus, minor).expect("refused");
            assert!(
                !unsupported && message.starts_with("MemoryError"),
                "3.{minor}"
            );
        }
        assert!(verdict(&minus, 14).expect("unmeasured").0);
        // 3.8's LL(1) parser: 99 nested brackets are too many.
        let parens = format!("x = {}1{}\n", "(".repeat(99), ")".repeat(99));
        assert!(!verdict(&parens, 8).expect("refused").0);
        assert!(verdict(&parens, 9).is_none());
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
        assert!(
            !errors[0].unsupported && errors[0].message.starts_with("MemoryError"),
            "{:?}",
            errors[0]
        );
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
