//! Literal values on the right of an assignment.

use super::strings::{self, DecodeError};
use crate::lexer::{TokKind, Token};
use crate::text::Span;

/// Tuple or list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SeqKind {
    /// `(...)` or a bare `a, b`.
    Tuple,
    /// `[...]`.
    List,
}

/// A statically known value, or why it is not known.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// A `str` literal (implicit concatenation applied).
    Str {
        /// Decoded text.
        value: String,
        /// Span of the literal(s).
        span: Span,
    },
    /// `None`.
    None {
        /// Span of `None`.
        span: Span,
    },
    /// A tuple or list of values.
    Seq {
        /// Tuple or list.
        kind: SeqKind,
        /// Items.
        items: Vec<Value>,
        /// Span including brackets.
        span: Span,
    },
    /// A literal of a type Alembic cannot use (int, bytes, bool, dict...).
    Invalid {
        /// What it is, e.g. "an int".
        what: String,
        /// Where.
        span: Span,
    },
    /// Not knowable without running the code.
    Dynamic {
        /// Why, e.g. "computed by a call".
        reason: String,
        /// Where.
        span: Span,
    },
}

impl Value {
    /// The value's span.
    pub fn span(&self) -> Span {
        match self {
            Value::Str { span, .. }
            | Value::None { span }
            | Value::Seq { span, .. }
            | Value::Invalid { span, .. }
            | Value::Dynamic { span, .. } => *span,
        }
    }

    pub(super) fn remap(&mut self, to_file: &dyn Fn(usize) -> usize) {
        let span = match self {
            Value::Str { span, .. }
            | Value::None { span }
            | Value::Invalid { span, .. }
            | Value::Dynamic { span, .. }
            | Value::Seq { span, .. } => span,
        };
        span.start = to_file(span.start);
        span.end = to_file(span.end);
        if let Value::Seq { items, .. } = self {
            for item in items {
                item.remap(to_file);
            }
        }
    }
}

fn text<'s>(src: &'s str, tok: &Token) -> &'s str {
    &src[tok.span.start..tok.span.end]
}

fn covering(tokens: &[Token]) -> Span {
    match (tokens.first(), tokens.last()) {
        (Some(a), Some(b)) => Span::new(a.span.start, b.span.end),
        _ => Span::default(),
    }
}

/// Parse a value from the tokens right of `=`.
pub(crate) fn parse_value(src: &str, tokens: &[Token]) -> Value {
    let span = covering(tokens);
    if tokens.is_empty() {
        return Value::Dynamic {
            reason: "missing value".into(),
            span,
        };
    }
    // A bare tuple: `a, b` (a trailing comma makes a 1-tuple).
    let items = super::split_top(src, tokens, |t| {
        t.kind == TokKind::Op && text(src, t) == ","
    });
    if items.len() > 1 {
        return sequence(src, SeqKind::Tuple, &items, span);
    }
    let first = &tokens[0];
    let last = &tokens[tokens.len() - 1];
    let open = text(src, first);
    let close = text(src, last);
    if first.kind == TokKind::Op
        && matches!((open, close), ("(", ")") | ("[", "]"))
        && encloses(src, tokens)
    {
        let inner = &tokens[1..tokens.len() - 1];
        let kind = if open == "[" {
            SeqKind::List
        } else {
            SeqKind::Tuple
        };
        if inner.is_empty() {
            return Value::Seq {
                kind,
                items: Vec::new(),
                span,
            };
        }
        let items = super::split_top(src, inner, |t| t.kind == TokKind::Op && text(src, t) == ",");
        if kind == SeqKind::Tuple && items.len() == 1 {
            // `("a")` is just a parenthesised value.
            return parse_value(src, inner);
        }
        return sequence(src, kind, &items, span);
    }
    if tokens.iter().all(|t| matches!(t.kind, TokKind::Str(_))) {
        return string(src, tokens, span);
    }
    if tokens.len() == 1 {
        return single_token(src, first, span);
    }
    if first.kind == TokKind::Op && open == "{" && encloses(src, tokens) {
        return Value::Invalid {
            what: "a set or dict".into(),
            span,
        };
    }
    if first.kind == TokKind::Op
        && open == "-"
        && tokens.len() == 2
        && tokens[1].kind == TokKind::Number
    {
        return Value::Invalid {
            what: "a number".into(),
            span,
        };
    }
    Value::Dynamic {
        reason: dynamic_reason(src, tokens),
        span,
    }
}

/// A value of one token: `None`, a name, a number, a bool, …
fn single_token(src: &str, first: &Token, span: Span) -> Value {
    let word = text(src, first);
    match (&first.kind, word) {
        (TokKind::Name, "None") => Value::None { span },
        (TokKind::Name, "True" | "False") => Value::Invalid {
            what: "a bool".into(),
            span,
        },
        (TokKind::Name, "Ellipsis") => Value::Invalid {
            what: "Ellipsis".into(),
            span,
        },
        (TokKind::Name, name) => Value::Dynamic {
            reason: format!("refers to the name `{name}`"),
            span,
        },
        (TokKind::Number, _) => Value::Invalid {
            what: "a number".into(),
            span,
        },
        _ => Value::Dynamic {
            reason: "not a literal".into(),
            span,
        },
    }
}

/// Why a value that is no literal is not statically known.
fn dynamic_reason(src: &str, tokens: &[Token]) -> String {
    let first = &tokens[0];
    let callee_end = tokens.iter().position(|t| text(src, t) == "(");
    let dotted = |part: &[Token]| {
        !part.is_empty()
            && part.iter().enumerate().all(|(i, t)| {
                if i % 2 == 0 {
                    t.kind == TokKind::Name
                } else {
                    text(src, t) == "."
                }
            })
    };
    if let Some(at) = callee_end.filter(|&at| dotted(&tokens[..at]) && encloses(src, &tokens[at..]))
    {
        format!(
            "computed by calling `{}`",
            &src[first.span.start..tokens[at - 1].span.end]
        )
    } else if tokens
        .iter()
        .any(|t| t.kind == TokKind::Name && text(src, t) == "if")
    {
        "a conditional expression".into()
    } else {
        "computed by an expression".into()
    }
}

/// True when the first token's bracket closes at the last token.
fn encloses(src: &str, tokens: &[Token]) -> bool {
    let mut depth = 0i32;
    for (i, tok) in tokens.iter().enumerate() {
        if tok.kind == TokKind::Op {
            match text(src, tok) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => {
                    depth -= 1;
                    if depth == 0 {
                        return i == tokens.len() - 1;
                    }
                }
                _ => {}
            }
        }
    }
    false
}

fn sequence(src: &str, kind: SeqKind, items: &[&[Token]], span: Span) -> Value {
    let mut values = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        if item.is_empty() {
            // Only a trailing comma may leave an empty item.
            if i == items.len() - 1 && i > 0 {
                continue;
            }
            return Value::Dynamic {
                reason: "invalid syntax in a sequence".into(),
                span,
            };
        }
        values.push(parse_value(src, item));
    }
    Value::Seq {
        kind,
        items: values,
        span,
    }
}

fn string(src: &str, tokens: &[Token], span: Span) -> Value {
    let mut out = String::new();
    let mut any_bytes = false;
    let mut any_str = false;
    for tok in tokens {
        let TokKind::Str(s) = &tok.kind else { continue };
        if s.interpolated {
            return Value::Dynamic {
                reason: "an f-string is evaluated at import time".into(),
                span,
            };
        }
        if s.bytes {
            any_bytes = true;
        } else {
            any_str = true;
        }
        match strings::decode(&src[s.body.start..s.body.end], s.raw) {
            Ok(part) => out.push_str(&part),
            Err(DecodeError::NamedEscape) => {
                return Value::Dynamic {
                    reason: "uses a \\N{...} escape, which this build does not evaluate".into(),
                    span,
                };
            }
            Err(DecodeError::BadEscape(what)) => {
                return Value::Invalid {
                    what: format!("a string with a {what}"),
                    span,
                };
            }
        }
    }
    if any_bytes && any_str {
        return Value::Invalid {
            what: "bytes mixed with str".into(),
            span,
        };
    }
    if any_bytes {
        return Value::Invalid {
            what: "bytes".into(),
            span,
        };
    }
    Value::Str { value: out, span }
}
