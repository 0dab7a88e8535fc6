//! How deeply one statement nests, measured the way CPython recurses on it.
//!
//! CPython gives up on deeply nested source in three places, each with its
//! own budget (see `guard.rs` for the budgets per version):
//!
//! - **the syntax tree**: the AST validator, the optimizer, the symbol table
//!   and the compiler recurse once per tree level. A left-associative chain
//!   is a left-nested tree, so `a.b.c…`, `a[0][0]…`, `f()()…` and
//!   `a + b + c…` nest one level per link. `and`/`or` and comparison chains
//!   (`a < b < c`) are one flat node, and the elements of a literal, the
//!   arguments of a call and the statements of a block are siblings: breadth,
//!   not depth.
//! - **the PEG parser** (3.9 and later) keeps a counter of nested rule calls:
//!   one per unary operator, `not`, conditional expression or `elif`, two per
//!   `**` or `lambda`, about 28 per bracket, 6 per indented block; trailers and
//!   left-associative operators are parsed in a loop and cost nothing.
//! - **the LL(1) parser** of 3.8 has a stack of grammar states: one per unary
//!   operator, `not` or conditional expression, two per `**` or `lambda`, 17
//!   per bracket, 4 per block; trailers, binary operators and `elif` cost
//!   nothing.
//!
//! The scan below reads one logical line's tokens once, left to right, with
//! explicit stacks (an operator-precedence reduction per bracket level), so
//! its own memory and time are linear and it never recurses: a statement
//! nested 300,000 levels deep is measured, not parsed.

use crate::lexer::{StrTok, TokKind, Token};

/// What one subtree costs in each of CPython's three budgets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Cost {
    /// Levels of the syntax tree.
    pub ast: u32,
    /// Nested rule calls of the PEG parser (3.9+).
    pub peg: u32,
    /// Grammar states on the LL(1) parser's stack (3.8).
    pub pgen: u32,
}

impl Cost {
    pub(super) const fn new(ast: u32, peg: u32, pgen: u32) -> Cost {
        Cost { ast, peg, pgen }
    }

    /// The larger of each budget (two siblings: the deeper one counts).
    pub(super) fn max(self, other: Cost) -> Cost {
        Cost::new(
            self.ast.max(other.ast),
            self.peg.max(other.peg),
            self.pgen.max(other.pgen),
        )
    }

    /// One level more, weighing `w`.
    pub(super) fn plus(self, w: Cost) -> Cost {
        Cost::new(
            self.ast.saturating_add(w.ast),
            self.peg.saturating_add(w.peg),
            self.pgen.saturating_add(w.pgen),
        )
    }
}

/// A unary operator, `not`, `await`, `yield`, a star, a conditional's `else`
/// or a walrus.
const PREFIX: Cost = Cost::new(1, 1, 1);
/// `**` and `lambda`: two rule calls per level in both parsers.
const DOUBLE: Cost = Cost::new(1, 2, 2);
/// A left-associative binary operator, attribute, call or subscript: a
/// tree level, parsed in a loop.
const LINK: Cost = Cost::new(1, 0, 0);
/// A bracket: a tree level (a list, a call's arguments), and the whole
/// expression grammar again inside it.
const BRACKET: Cost = Cost::new(1, 28, 17);
/// No level at all (a conditional's `if`: its `else` counts the node).
const NONE: Cost = Cost::new(0, 0, 0);

/// Flat n-ary nodes: further operands of the same kind join the node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flat {
    Or,
    And,
    Compare,
}

/// A value on the operand stack: a finished subtree.
#[derive(Debug, Clone, Copy, Default)]
struct Val {
    cost: Cost,
    flat: Option<Flat>,
}

/// An operator waiting for its right operand.
#[derive(Debug, Clone, Copy)]
struct Op {
    prec: u8,
    right: bool,
    prefix: bool,
    weight: Cost,
    flat: Option<Flat>,
    /// A lambda's parameters (defaults may nest): siblings of its body.
    extra: Cost,
}

/// What opened a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opener {
    /// The statement itself.
    Line,
    /// `(`, `[` or `{` starting a value.
    Atom,
    /// `(` or `[` after a value: a call or a subscript.
    Trailer,
    /// A lambda's parameters, closed by its `:`.
    Params,
}

/// One bracket level: its own operator-precedence reduction.
#[derive(Debug)]
struct Frame {
    opener: Opener,
    ops: Vec<Op>,
    vals: Vec<Val>,
    /// The deepest finished element (before the last comma, colon…).
    done: Cost,
    expect_operand: bool,
}

impl Frame {
    fn new(opener: Opener) -> Frame {
        Frame {
            opener,
            ops: Vec::new(),
            vals: Vec::new(),
            done: Cost::default(),
            expect_operand: true,
        }
    }

    fn push_val(&mut self, val: Val) {
        if self.expect_operand {
            self.vals.push(val);
            self.expect_operand = false;
        } else if let Some(top) = self.vals.last_mut() {
            // Two values in a row: implicit string concatenation, a soft
            // keyword (`match x:`), or an error the parser reports. Either
            // way nothing nests.
            top.cost = top.cost.max(val.cost);
        }
    }

    /// Reduce the operators that bind tighter than an incoming one.
    fn reduce_while(&mut self, prec: u8, right: bool) {
        while let Some(top) = self.ops.last() {
            if top.prec > prec || (top.prec == prec && !right) {
                self.reduce_one();
            } else {
                break;
            }
        }
    }

    fn reduce_one(&mut self) {
        let Some(op) = self.ops.pop() else { return };
        let right = self.vals.pop().unwrap_or_default();
        if op.prefix {
            self.vals.push(Val {
                cost: right.cost.max(op.extra).plus(op.weight),
                flat: None,
            });
            return;
        }
        let left = self.vals.pop().unwrap_or_default();
        let cost = match op.flat {
            Some(kind) if left.flat == Some(kind) => left.cost.max(right.cost.plus(op.weight)),
            _ => left.cost.max(right.cost).plus(op.weight),
        };
        self.vals.push(Val {
            cost,
            flat: op.flat,
        });
    }

    /// Close the current element (a comma, a colon, `=`): everything in it
    /// is reduced, and what follows is its sibling.
    fn end_element(&mut self) {
        while !self.ops.is_empty() {
            self.reduce_one();
        }
        for val in self.vals.drain(..) {
            self.done = self.done.max(val.cost);
        }
        self.expect_operand = true;
    }

    fn push_op(&mut self, op: Op) {
        if !op.prefix {
            self.reduce_while(op.prec, op.right);
        }
        self.ops.push(op);
        self.expect_operand = true;
    }
}

/// The deepest cost of one logical line's tokens (without the block it is
/// in), and whether it holds any value: a statement without one (`pass`,
/// `else:`) is one level shallower than the expressions of its siblings.
pub(super) fn statement(src: &str, tokens: &[Token]) -> (Cost, bool) {
    if let Some(first) = tokens.first()
        && matches!(&src[first.span.start..first.span.end], "import" | "from")
    {
        // Dotted module names are plain names, not attribute chains.
        return (Cost::default(), true);
    }
    let mut scan = Scan {
        frames: vec![Frame::new(Opener::Line)],
        skip_name: false,
        after_is: false,
        values: false,
        deepest: Cost::default(),
    };
    for token in tokens {
        scan.token(src, token);
    }
    while scan.frames.len() > 1 {
        scan.close();
    }
    let mut line = scan
        .frames
        .pop()
        .unwrap_or_else(|| Frame::new(Opener::Line));
    line.end_element();
    (scan.deepest.max(line.done), scan.values)
}

struct Scan {
    frames: Vec<Frame>,
    /// The name after a `.` is an attribute, not a value.
    skip_name: bool,
    /// The last token was the comparison `is`.
    after_is: bool,
    /// A value (a name, a literal) was seen.
    values: bool,
    /// The deepest frame content seen so far.
    deepest: Cost,
}

impl Scan {
    fn frame(&mut self) -> &mut Frame {
        if self.frames.is_empty() {
            self.frames.push(Frame::new(Opener::Line));
        }
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    fn token(&mut self, src: &str, token: &Token) {
        let text = &src[token.span.start..token.span.end];
        let skip_name = std::mem::take(&mut self.skip_name);
        self.values |= !matches!(token.kind, TokKind::Op) && !is_keyword(text);
        match &token.kind {
            TokKind::Name if skip_name => {}
            TokKind::Name => self.name(text),
            TokKind::Number => self.frame().push_val(Val::default()),
            TokKind::Str(string) => {
                let cost = interpolated(src, string);
                self.frame().push_val(Val { cost, flat: None });
            }
            TokKind::Op => self.op(text),
        }
    }

    fn name(&mut self, text: &str) {
        let after_is = std::mem::take(&mut self.after_is);
        let frame = self.frame();
        let operand = frame.expect_operand;
        match text {
            // `is not` is one comparison.
            "not" if after_is => {}
            "not" if operand => frame.push_op(prefix(5, PREFIX)),
            // `not in`: the comparison is the `in`.
            "not" => {}
            "is" if !operand => {
                frame.push_op(binary(6, false, LINK, Some(Flat::Compare)));
                self.after_is = true;
            }
            "in" if !operand => frame.push_op(binary(6, false, LINK, Some(Flat::Compare))),
            "and" if !operand => frame.push_op(binary(4, false, LINK, Some(Flat::And))),
            "or" if !operand => frame.push_op(binary(3, false, LINK, Some(Flat::Or))),
            "if" if !operand => frame.push_op(binary(2, true, NONE, None)),
            "else" if !operand => frame.push_op(binary(2, true, PREFIX, None)),
            "await" => frame.push_op(prefix(15, PREFIX)),
            "yield" => frame.push_op(prefix(0, PREFIX)),
            "lambda" => {
                frame.push_op(prefix(0, DOUBLE));
                self.frames.push(Frame::new(Opener::Params));
            }
            "None" | "True" | "False" => frame.push_val(Val::default()),
            _ if is_keyword(text) => frame.end_element(),
            _ => frame.push_val(Val::default()),
        }
    }

    fn op(&mut self, text: &str) {
        match text {
            "(" | "[" | "{" => self.open(text),
            ")" | "]" | "}" => self.close(),
            "." => {
                let frame = self.frame();
                if !frame.expect_operand
                    && let Some(top) = frame.vals.last_mut()
                {
                    top.cost = top.cost.plus(LINK);
                    top.flat = None;
                    self.skip_name = true;
                }
            }
            "..." => self.frame().push_val(Val::default()),
            ":" => self.colon(),
            // A decorator's `@`.
            "@" if self.frame().expect_operand => self.frame().end_element(),
            "," | ";" | "=" | "->" => self.frame().end_element(),
            _ if text.len() >= 2 && text.ends_with('=') && text != ":=" && !is_comparison(text) => {
                // Augmented assignment: the target and the value are siblings.
                self.frame().end_element();
            }
            _ => self.operator(text),
        }
    }

    fn operator(&mut self, text: &str) {
        let frame = self.frame();
        if frame.expect_operand {
            // Unary `-x`, `+x`, `~x`, or a star: `*args`, `**kwargs`.
            let (prec, weight) = match text {
                "-" | "+" | "~" => (13, PREFIX),
                _ => (1, PREFIX),
            };
            frame.push_op(prefix(prec, weight));
            return;
        }
        let op = match text {
            "**" => binary(14, true, DOUBLE, None),
            "*" | "/" | "//" | "%" | "@" => binary(12, false, LINK, None),
            "+" | "-" => binary(11, false, LINK, None),
            "<<" | ">>" => binary(10, false, LINK, None),
            "&" => binary(9, false, LINK, None),
            "^" => binary(8, false, LINK, None),
            "|" => binary(7, false, LINK, None),
            ":=" => binary(1, true, PREFIX, None),
            _ if is_comparison(text) => binary(6, false, LINK, Some(Flat::Compare)),
            // `!` and anything else the parser will refuse: no nesting.
            _ => {
                frame.end_element();
                return;
            }
        };
        frame.push_op(op);
    }

    fn colon(&mut self) {
        if self.frame().opener == Opener::Params {
            // The end of a lambda's parameters: they become a sibling of
            // its body, which follows in the enclosing frame.
            let mut params = self
                .frames
                .pop()
                .unwrap_or_else(|| Frame::new(Opener::Params));
            params.end_element();
            let frame = self.frame();
            if let Some(lambda) = frame.ops.last_mut() {
                lambda.extra = lambda.extra.max(params.done);
            }
            frame.expect_operand = true;
        } else {
            // Slices, dict entries, annotations, block headers: siblings.
            self.frame().end_element();
        }
    }

    fn open(&mut self, text: &str) {
        let frame = self.frame();
        let opener = if text != "{" && !frame.expect_operand {
            Opener::Trailer
        } else {
            Opener::Atom
        };
        self.frames.push(Frame::new(opener));
    }

    fn close(&mut self) {
        if self.frames.len() <= 1 {
            return;
        }
        // A lambda whose `:` never came (the parser reports it).
        while self.frames.len() > 2 && self.frame().opener == Opener::Params {
            self.colon();
        }
        let mut inner = self
            .frames
            .pop()
            .unwrap_or_else(|| Frame::new(Opener::Atom));
        inner.end_element();
        let content = inner.done.plus(BRACKET);
        self.deepest = self.deepest.max(content);
        let frame = self.frame();
        match inner.opener {
            Opener::Trailer => {
                if let Some(top) = frame.vals.last_mut() {
                    top.cost = top.cost.plus(LINK).max(content);
                    top.flat = None;
                } else {
                    frame.push_val(Val {
                        cost: content,
                        flat: None,
                    });
                }
            }
            _ => frame.push_val(Val {
                cost: content,
                flat: None,
            }),
        }
    }
}

fn prefix(prec: u8, weight: Cost) -> Op {
    Op {
        prec,
        right: true,
        prefix: true,
        weight,
        flat: None,
        extra: Cost::default(),
    }
}

fn binary(prec: u8, right: bool, weight: Cost, flat: Option<Flat>) -> Op {
    Op {
        prec,
        right,
        prefix: false,
        weight,
        flat,
        extra: Cost::default(),
    }
}

fn is_comparison(text: &str) -> bool {
    matches!(text, "<" | ">" | "==" | "!=" | "<=" | ">=")
}

/// Keywords that start or separate statement parts rather than nest.
fn is_keyword(text: &str) -> bool {
    matches!(
        text,
        "return"
            | "del"
            | "assert"
            | "raise"
            | "global"
            | "nonlocal"
            | "pass"
            | "break"
            | "continue"
            | "if"
            | "elif"
            | "else"
            | "while"
            | "for"
            | "in"
            | "with"
            | "as"
            | "def"
            | "class"
            | "try"
            | "except"
            | "finally"
            | "async"
            | "import"
            | "from"
            | "and"
            | "or"
    )
}

/// An f-string's replacement fields are expressions the parser reads too
/// (since 3.12 with the same grammar). Their depth is bounded by the bytes
/// that can nest and the words (`not`, `lambda`) inside the fields; counting
/// those overestimates, which only matters for fields thousands of tokens long.
fn interpolated(src: &str, string: &StrTok) -> Cost {
    if !string.interpolated {
        return Cost::default();
    }
    let body = &src.as_bytes()[string.body.start..string.body.end];
    let (mut depth, mut count, mut i) = (0usize, 0u32, 0usize);
    while i < body.len() {
        let b = body[i];
        match b {
            b'{' if depth == 0 && body.get(i + 1) == Some(&b'{') => i += 1,
            b'{' => depth += 1,
            b'}' if depth > 0 => depth -= 1,
            _ => {}
        }
        if depth > 0 {
            let word_start = b.is_ascii_alphabetic()
                && !body
                    .get(i.wrapping_sub(1))
                    .is_some_and(|p| p.is_ascii_alphanumeric());
            if b.is_ascii_punctuation() || word_start {
                count = count.saturating_add(1);
            }
        }
        i += 1;
    }
    Cost::new(count, count.saturating_mul(2), count.saturating_mul(2))
}
