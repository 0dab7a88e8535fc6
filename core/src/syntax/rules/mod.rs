//! What CPython's `compile()` rejects that Ruff's parser and semantic checker
//! accept: one rule per file, each with the CPython behaviour it mirrors in
//! its doc comment and a test of its own.

mod indentation;
mod null_byte;

use ruff_python_ast::token::Tokens;

use super::CompileError;

/// The input every rule sees.
pub(super) struct Source<'a> {
    /// The decoded module text.
    pub text: &'a str,
    /// Ruff's tokens of it.
    pub tokens: &'a Tokens,
}

type Rule = fn(&Source<'_>) -> Option<CompileError>;

const RULES: &[Rule] = &[null_byte::check, indentation::check];

/// The first finding of each rule.
pub(super) fn check(text: &str, tokens: &Tokens) -> Vec<CompileError> {
    let source = Source { text, tokens };
    RULES.iter().filter_map(|rule| rule(&source)).collect()
}
