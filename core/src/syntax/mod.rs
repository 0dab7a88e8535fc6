//! Whole-file validation: does CPython's `compile()` accept this module?
//!
//! Alembic imports every revision file before any command runs, so a file
//! that does not compile crashes `alembic upgrade head` wherever the slip is,
//! not only near the four bindings the graph is built from. The verdict comes
//! from three layers, all run on the decoded text of the whole file:
//!
//! 1. Ruff's parser (`ruff_python_parser`) for the grammar of the target
//!    Python version: syntax errors and "unsupported syntax" (valid only on
//!    a newer Python than the project's);
//! 2. Ruff's `SemanticSyntaxChecker`, fed by `scope.rs`, for the errors CPython
//!    raises while building the symbol table and compiling (`return` outside
//!    a function, a repeated keyword argument, `nonlocal` without binding, …);
//! 3. `rules.rs`: what CPython's `compile()` rejects and the two layers above
//!    leave out, one rule per file.
//!
//! The first error in source order wins, as in CPython; its message is
//! reworded the way CPython says it where that helps (`message.rs`).
//! See `docs/syntax.md` for the version rule and the differential test.

pub(crate) mod decode;
mod depth;
mod encoding;
mod guard;
#[cfg(feature = "python")]
mod message;
#[cfg(feature = "python")]
mod rules;
#[cfg(feature = "python")]
mod scope;
mod utf8;

#[cfg(feature = "python")]
use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};
#[cfg(feature = "python")]
use ruff_text_size::{Ranged, TextRange};

use crate::python::PythonVersion;
use crate::text::Span;

/// One reason CPython refuses the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// CPython-like message (`expected ':'`, `'(' was never closed`, …).
    pub message: String,
    /// Where, as offsets into the validated text.
    pub span: Span,
    /// True when revguard declines to decide (a statement nested past what
    /// it parses): CPython's own verdict is then unknown.
    pub unsupported: bool,
}

#[cfg(feature = "python")]
impl CompileError {
    fn new(message: impl Into<String>, range: TextRange) -> CompileError {
        CompileError {
            message: message.into(),
            span: Span::new(range.start().to_usize(), range.end().to_usize()),
            unsupported: false,
        }
    }
}

/// Every error in the file, first (in source order) first. Without the
/// `python` feature only the depth limits are checked: the caller passes
/// verdicts computed by a build with it (`Options::verdicts`).
pub fn validate(text: &str, version: PythonVersion) -> Vec<CompileError> {
    validate_visiting(text, version, None)
}

/// The module Ruff's parser builds (`()` without the `python` feature).
#[cfg(feature = "python")]
pub type Module = ruff_python_ast::ModModule;
/// The module Ruff's parser builds (`()` without the `python` feature).
#[cfg(not(feature = "python"))]
pub type Module = ();

/// [`validate`], handing the parsed module to `visit` when the file parses
/// (no parse error), so a reader that needs the tree does not parse the
/// file a second time.
pub fn validate_visiting(
    text: &str,
    version: PythonVersion,
    visit: Option<&mut dyn FnMut(&Module)>,
) -> Vec<CompileError> {
    if let Some(refusal) = guard::check(text, version) {
        return vec![CompileError {
            message: refusal.message,
            span: refusal.span,
            unsupported: refusal.unsupported,
        }];
    }
    full(text, version, visit)
}

#[cfg(not(feature = "python"))]
fn full(
    _text: &str,
    _version: PythonVersion,
    _visit: Option<&mut dyn FnMut(&Module)>,
) -> Vec<CompileError> {
    Vec::new()
}

#[cfg(feature = "python")]
fn full(
    text: &str,
    version: PythonVersion,
    visit: Option<&mut dyn FnMut(&Module)>,
) -> Vec<CompileError> {
    let options = ParseOptions::from(Mode::Module).with_target_version(version.to_ruff());
    let parsed = parse_unchecked(text, options);
    if parsed.errors().is_empty()
        && let (Some(visit), Some(module)) = (visit, parsed.syntax().as_module())
    {
        visit(module);
    }
    // The rules first: at the same offset, their CPython-exact message
    // (TabError) wins over the parser's (the sort below is stable).
    let mut errors = rules::check(text, parsed.tokens());
    let rules_found = errors.len();
    errors.extend(
        parsed
            .errors()
            .iter()
            .map(|e| CompileError::new(message::parse_error(text, e), e.location)),
    );
    errors.extend(
        parsed
            .unsupported_syntax_errors()
            .iter()
            .map(|e| CompileError::new(message::unsupported(e), e.range())),
    );
    // The symbol-table errors need a whole tree; after a parse error the tree
    // is a recovery guess, and CPython never gets that far anyway.
    if errors.len() == rules_found
        && let Some(module) = parsed.syntax().as_module()
    {
        let version = version.to_ruff();
        errors.extend(
            scope::semantic_errors(&module.body, text, version)
                .iter()
                .map(|e| CompileError::new(message::semantic(e), e.range)),
        );
    }
    errors.sort_by_key(|e| e.span.start);
    errors
}

#[cfg(all(test, feature = "python"))]
mod tests;
