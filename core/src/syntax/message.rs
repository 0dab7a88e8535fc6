//! CPython's wording for the errors users meet most.
//!
//! Ruff's messages are accurate but phrased for a linter ("Expected ':',
//! found newline"); a user whose deploy failed will search for what Python
//! printed (`expected ':'`). Where CPython has a sharper message than the
//! generic one (a Python 2 `print` statement), that one is used.

use ruff_python_ast::token::TokenKind;
use ruff_python_parser::semantic_errors::{SemanticSyntaxError, SemanticSyntaxErrorKind};
use ruff_python_parser::{ParseError, ParseErrorType, UnsupportedSyntaxError};

/// A parse error, the way CPython would put it.
pub(super) fn parse_error(text: &str, error: &ParseError) -> String {
    let start = error.location.start().to_usize();
    if let Some(statement) = python2_statement(text, start) {
        return format!(
            "Missing parentheses in call to '{statement}'. Did you mean {statement}(...)?"
        );
    }
    match &error.error {
        ParseErrorType::ExpectedToken { expected, .. } => match expected {
            TokenKind::Colon => "expected ':'".into(),
            TokenKind::Indent => "expected an indented block".into(),
            TokenKind::Rpar => "'(' was never closed".into(),
            TokenKind::Rsqb => "'[' was never closed".into(),
            TokenKind::Rbrace => "'{' was never closed".into(),
            _ => error.error.to_string(),
        },
        ParseErrorType::UnexpectedIndentation => "unexpected indent".into(),
        ParseErrorType::OtherError(text) if text.starts_with("Expected an indented block") => {
            // CPython: expected an indented block after 'if' statement on line 3
            format!("e{}", &text[1..]).replace('`', "'")
        }
        other => other.to_string(),
    }
}

/// `print "x"` or `exec "code"` on the line of `offset`: Python 2 statements.
fn python2_statement(text: &str, offset: usize) -> Option<&'static str> {
    let line_start = text[..offset.min(text.len())]
        .rfind(['\n', '\r'])
        .map_or(0, |i| i + 1);
    let line = text[line_start..].trim_start_matches([' ', '\t', '\x0c']);
    ["print", "exec"].into_iter().find(|keyword| {
        line.strip_prefix(keyword).is_some_and(|rest| {
            rest.starts_with([' ', '\t'])
                && !rest
                    .trim_start()
                    .starts_with(['(', '=', ',', '.', '[', ')', ':', '#', ';'])
                && !rest.trim_start().is_empty()
        })
    })
}

/// Syntax newer than the target version; Ruff's message names both
/// versions ("… on Python 3.9 (syntax was added in Python 3.10)").
pub(super) fn unsupported(error: &UnsupportedSyntaxError) -> String {
    error.to_string()
}

/// A symbol-table or compile-stage error, in CPython's words.
pub(super) fn semantic(error: &SemanticSyntaxError) -> String {
    use SemanticSyntaxErrorKind as K;
    match &error.kind {
        K::ReturnOutsideFunction => "'return' outside function".into(),
        K::YieldOutsideFunction(kind) if kind.is_await() => "'await' outside function".into(),
        K::YieldOutsideFunction(_) => "'yield' outside function".into(),
        K::AwaitOutsideAsyncFunction(_) => "'await' outside async function".into(),
        K::BreakOutsideLoop => "'break' outside loop".into(),
        K::ContinueOutsideLoop => "'continue' not properly in loop".into(),
        K::DuplicateKeywordArgument(name) => format!("keyword argument repeated: {name}"),
        K::DuplicateParameter(name) => {
            format!("duplicate argument '{name}' in function definition")
        }
        K::NonlocalWithoutBinding(name) => format!("no binding for nonlocal '{name}' found"),
        _ => error.to_string(),
    }
}
