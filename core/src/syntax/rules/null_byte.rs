//! A NUL byte anywhere in the file.
//!
//! CPython refuses source with a NUL byte wherever it sits, in a string or a
//! comment too: Python 3.12+ raises `SyntaxError: source code cannot contain
//! null bytes`, older versions `ValueError: source code string cannot contain
//! null bytes` from `compile()`. Either way the import fails. Ruff's lexer
//! reads a NUL inside a string or comment as an ordinary character.

use ruff_text_size::{TextRange, TextSize};

use super::Source;
use crate::syntax::CompileError;

pub(super) fn check(source: &Source<'_>) -> Option<CompileError> {
    let at = source.text.bytes().position(|b| b == 0)?;
    let start = TextSize::try_from(at).ok()?;
    Some(CompileError::new(
        "source code cannot contain null bytes",
        TextRange::at(start, TextSize::from(1)),
    ))
}

#[cfg(test)]
mod tests {
    use crate::python::PythonVersion;
    use crate::syntax::validate;

    #[test]
    fn nul_in_a_string_or_comment_is_refused() {
        for text in ["x = 'a\0b'\n", "# a\0b\nx = 1\n", "x = 1\n\0"] {
            let errors = validate(text, PythonVersion::DEFAULT);
            assert!(
                errors
                    .iter()
                    .any(|e| e.message == "source code cannot contain null bytes"),
                "{text:?}: {errors:?}"
            );
        }
    }

    #[test]
    fn a_file_without_nul_passes() {
        assert!(validate("x = '\\0'\n", PythonVersion::DEFAULT).is_empty());
    }
}
