//! The syntax error a file's facts carry: a leaf that the binding reader
//! (`parse`), the decoding of source bytes and the whole-file validator
//! (`syntax`) all produce, so neither of those imports the other for it.

use serde::{Deserialize, Serialize};

use crate::request::GivenSyntaxError;
use crate::text::Span;

/// A reason Python would refuse to import the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyntaxError {
    /// Python-like message.
    pub message: String,
    /// Where.
    pub span: Span,
    /// True when Python could read the file but revguard cannot (an encoding
    /// it does not decode): what Alembic does is then unknown.
    pub unsupported: bool,
}

impl From<SyntaxError> for GivenSyntaxError {
    fn from(error: SyntaxError) -> Self {
        GivenSyntaxError {
            message: error.message,
            start: error.span.start,
            end: error.span.end,
            unsupported: error.unsupported,
        }
    }
}

impl From<&GivenSyntaxError> for SyntaxError {
    fn from(given: &GivenSyntaxError) -> Self {
        SyntaxError {
            message: given.message.clone(),
            span: Span::new(given.start, given.end),
            unsupported: given.unsupported,
        }
    }
}
