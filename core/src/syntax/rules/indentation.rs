//! Indentation CPython's tokenizer refuses: tabs and spaces that only line
//! up under one tab width, a dedent to no outer level, too many levels.
//!
//! CPython measures every logical line's indentation twice: with tabs to the
//! next multiple of 8 (`col`) and with tabs as one column (`altcol`). A line
//! whose indentation compares differently under the two measures (deeper by
//! one, equal by the other) is `TabError: inconsistent use of tabs and
//! spaces in indentation`: its meaning would depend on the editor's tab
//! width. A form feed resets both counts. Blank and comment-only lines, and
//! lines inside brackets or after a backslash, do not count. Ruff measures
//! one way only, so it accepts files CPython refuses.

use ruff_python_ast::token::TokenKind;
use ruff_text_size::{Ranged, TextRange, TextSize};

use super::Source;
use crate::syntax::CompileError;

const TAB_SIZE: usize = 8;
/// CPython's `MAXINDENT`.
const MAX_LEVELS: usize = 100;

pub(super) fn check(source: &Source<'_>) -> Option<CompileError> {
    let mut stack: Vec<(usize, usize)> = vec![(0, 0)];
    let mut line_start = true;
    for token in source.tokens.iter() {
        match token.kind() {
            TokenKind::Newline => {
                line_start = true;
                continue;
            }
            TokenKind::NonLogicalNewline
            | TokenKind::Comment
            | TokenKind::Indent
            | TokenKind::Dedent
            | TokenKind::EndOfFile => continue,
            _ if !line_start => continue,
            _ => line_start = false,
        }
        let start = token.start().to_usize();
        let text = source.text;
        let begin = text[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let width = text[begin..]
            .bytes()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\x0c'))
            .count();
        if start > begin + width {
            // A backslash continuation: not a new logical line to CPython.
            continue;
        }
        let indent = &text[begin..begin + width];
        let range = TextRange::new(
            TextSize::try_from(begin).ok()?,
            TextSize::try_from(begin + width).ok()?,
        );
        if let Err(message) = step(&mut stack, measure(indent)) {
            return Some(CompileError::new(message, range));
        }
    }
    None
}

/// `(col, altcol)` of an indentation.
fn measure(indent: &str) -> (usize, usize) {
    let (mut col, mut alt) = (0, 0);
    for byte in indent.bytes() {
        match byte {
            b' ' => {
                col += 1;
                alt += 1;
            }
            b'\t' => {
                col = (col / TAB_SIZE + 1) * TAB_SIZE;
                alt += 1;
            }
            _ => (col, alt) = (0, 0),
        }
    }
    (col, alt)
}

fn step(stack: &mut Vec<(usize, usize)>, (col, alt): (usize, usize)) -> Result<(), &'static str> {
    const TAB_ERROR: &str = "inconsistent use of tabs and spaces in indentation";
    let &(top, top_alt) = stack.last().unwrap_or(&(0, 0));
    if col == top {
        if alt != top_alt {
            return Err(TAB_ERROR);
        }
    } else if col > top {
        if stack.len() >= MAX_LEVELS {
            return Err("too many levels of indentation");
        }
        if alt <= top_alt {
            return Err(TAB_ERROR);
        }
        stack.push((col, alt));
    } else {
        while stack.len() > 1 && stack.last().is_some_and(|&(c, _)| col < c) {
            stack.pop();
        }
        let &(top, top_alt) = stack.last().unwrap_or(&(0, 0));
        if col != top {
            return Err("unindent does not match any outer indentation level");
        }
        if alt != top_alt {
            return Err(TAB_ERROR);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::python::PythonVersion;
    use crate::syntax::validate;

    fn first(text: &str) -> Option<String> {
        validate(text, PythonVersion::DEFAULT)
            .first()
            .map(|e| e.message.clone())
    }

    #[test]
    fn a_tab_that_only_lines_up_at_width_8_is_refused() {
        // Eight spaces, then a tab: equal at width 8, not at width 1.
        let text = "def f():\n        x = 1\n\tx = 2\n";
        assert_eq!(
            first(text).as_deref(),
            Some("inconsistent use of tabs and spaces in indentation")
        );
    }

    #[test]
    fn consistent_tabs_and_form_feeds_pass() {
        assert_eq!(first("def f():\n\tx = 1\n\tif x:\n\t\tpass\n"), None);
        assert_eq!(first("x = 1\n\x0cdef f():\n    pass\n"), None);
        assert_eq!(first("def f():\n    x = (1,\n\t2)\n    return x\n"), None);
    }

    #[test]
    fn dedent_to_no_outer_level_is_refused() {
        assert_eq!(
            first("def f():\n        x = 1\n    y = 2\n").as_deref(),
            Some("unindent does not match any outer indentation level")
        );
    }
}
