//! Deep-and-narrow and wide-and-shallow statements, against CPython.
//!
//! Every kind of nesting CPython recurses on (brackets, unary operators,
//! `not`, `**`, `lambda`, conditional expressions, attribute, subscript and
//! call chains, left-associative operator chains, `elif` chains and
//! mixtures), each just below and just above the limits measured per
//! version, and breadth that must never count as depth (a 100,000-element
//! literal, 30,000-operand `and` and comparison chains, 50,000 arguments).

/// One shape: its name and the module text for `n`.
type Shape = (&'static str, fn(usize) -> String);

fn nested(open: &str, leaf: &str, close: &str, n: usize) -> String {
    format!("x = {}{leaf}{}\n", open.repeat(n), close.repeat(n))
}

/// The deep-and-narrow shapes.
pub const DEEP: &[Shape] = &[
    ("unary minus", |n| nested("-", "1", "", n)),
    ("unary invert of a name", |n| nested("~", "a", "", n)),
    ("not", |n| nested("not ", "a", "", n)),
    ("power", |n| nested("2 ** ", "2", "", n)),
    ("lambda", |n| nested("lambda: ", "1", "", n)),
    ("conditional", |n| nested("a if b else ", "c", "", n)),
    ("attribute chain", |n| format!("x = a{}\n", ".b".repeat(n))),
    ("subscript chain", |n| format!("x = a{}\n", "[0]".repeat(n))),
    ("call chain", |n| format!("x = f{}\n", "()".repeat(n))),
    ("mixed trailers", |n| {
        format!("x = a{}{}\n", ".b[0]()".repeat(n / 3), ".b".repeat(n % 3))
    }),
    ("addition chain", |n| format!("x = a{}\n", " + a".repeat(n))),
    ("string concatenation", |n| {
        format!("x = 'a'{}\n", " + 'a'".repeat(n))
    }),
    ("elif chain", |n| {
        format!("if a:\n    pass\n{}", "elif a:\n    pass\n".repeat(n))
    }),
    ("chain in a function", |n| {
        format!("def upgrade():\n    return a{}\n", ".b".repeat(n))
    }),
    ("minus inside 150 brackets", |n| {
        format!(
            "x = {}{}1{}\n",
            "(".repeat(150),
            "-".repeat(n),
            ")".repeat(150)
        )
    }),
];

/// Depths around every limit of `docs/syntax.md`.
pub const DEPTHS: &[usize] = &[
    1_500, 1_660, 1_700, 1_990, 2_890, 2_950, 2_995, 3_100, 5_900, 6_050, 9_850, 10_050,
];

/// Brackets: 3.8's parser stops at 99 levels, the tokenizer at 201.
pub const BRACKETS: &[usize] = &[98, 99, 150, 200, 201];

/// The wide-and-shallow shapes: breadth CPython handles in a loop.
pub fn wide() -> Vec<(&'static str, String)> {
    vec![
        (
            "100,000-element list",
            format!("x = [{}]\n", "1, ".repeat(100_000)),
        ),
        (
            "4,300 dicts returned by a function",
            format!(
                "def rows():\n    return [\n{}    ]\n",
                "        {'id': 1, 'name': 'n', 'tags': ['a', 'b']},\n".repeat(4_300)
            ),
        ),
        (
            "30,000-operand and",
            format!("x = a{}\n", " and a".repeat(30_000)),
        ),
        (
            "30,000-operand or",
            format!("x = a{}\n", " or a".repeat(30_000)),
        ),
        (
            "30,000-link comparison",
            format!("x = a{}\n", " < a".repeat(30_000)),
        ),
        ("50,000 arguments", format!("f({})\n", "a, ".repeat(50_000))),
        (
            "50,000 dict entries",
            format!("x = {{{}}}\n", "'k': -1, ".repeat(50_000)),
        ),
        ("20,000 statements", "x = -a.b[0]()\n".repeat(20_000)),
    ]
}
