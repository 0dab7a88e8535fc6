//! Bytes that are not UTF-8, where CPython tolerates them.
//!
//! CPython's `compile()` of source bytes decodes tokens as it reads them
//! and skips comments without decoding: a Latin-1 `é` in a comment of an
//! otherwise UTF-8 file compiles on 3.8–3.13, while the same byte in a
//! string literal or in code is `SyntaxError: (unicode error) 'utf-8' codec
//! can't decode byte …`. Such a file is read here with each invalid byte
//! replaced by `?` (one byte for one byte, so every offset still points into
//! the file) when every invalid byte sits in a comment.

/// The first invalid byte outside a comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidUtf8 {
    /// Offset of the byte.
    pub at: usize,
    /// CPython's message.
    pub message: String,
}

/// The text with invalid bytes in comments replaced by `?`, or the first
/// invalid byte that is not in a comment (with `strict`, the first at all:
/// CPython decodes a file whose cookie names a codec other than its own
/// `utf-8` whole, comments included).
pub(crate) fn decode_tolerating_comments(body: &[u8], strict: bool) -> Result<String, InvalidUtf8> {
    let mut text = String::with_capacity(body.len());
    let mut invalid: Vec<(usize, usize)> = Vec::new();
    for chunk in body.utf8_chunks() {
        text.push_str(chunk.valid());
        if !chunk.invalid().is_empty() {
            invalid.push((text.len(), chunk.invalid().len()));
            text.extend(std::iter::repeat_n('?', chunk.invalid().len()));
        }
    }
    if strict && let Some(&(at, len)) = invalid.first() {
        return Err(InvalidUtf8 {
            at,
            message: message(body, at, len),
        });
    }
    let comments = comments(&text);
    let in_comment = |at: usize| {
        let index = comments.partition_point(|&(_, end)| end <= at);
        comments.get(index).is_some_and(|&(start, _)| start <= at)
    };
    match invalid.iter().find(|(at, _)| strict || !in_comment(*at)) {
        None => Ok(text),
        Some(&(at, len)) => Err(InvalidUtf8 {
            at,
            message: message(body, at, len),
        }),
    }
}

/// The comments' byte ranges, in order (Ruff's tokens).
#[cfg(feature = "python")]
fn comments(text: &str) -> Vec<(usize, usize)> {
    use ruff_python_ast::token::TokenKind;
    use ruff_python_parser::{Mode, ParseOptions, parse_unchecked};
    use ruff_text_size::Ranged;
    let parsed = parse_unchecked(text, ParseOptions::from(Mode::Module));
    parsed
        .tokens()
        .iter()
        .filter(|t| t.kind() == TokenKind::Comment)
        .map(|t| (t.start().to_usize(), t.end().to_usize()))
        .collect()
}

/// Without a tokenizer no byte is known to sit in a comment: every invalid
/// byte is an error until a build with the `python` feature decides.
#[cfg(not(feature = "python"))]
fn comments(_text: &str) -> Vec<(usize, usize)> {
    Vec::new()
}

/// `(unicode error) 'utf-8' codec can't decode byte 0xe9 in position 3: …`
fn message(body: &[u8], at: usize, len: usize) -> String {
    let byte = body[at];
    let reason = if at + len >= body.len() && matches!(byte, 0xc2..=0xf4) {
        "unexpected end of data"
    } else if matches!(byte, 0xc2..=0xf4) {
        "invalid continuation byte"
    } else {
        "invalid start byte"
    };
    format!(
        "(unicode error) 'utf-8' codec can't decode byte 0x{byte:02x} in position {at}: {reason}"
    )
}

#[cfg(all(test, feature = "python"))]
mod tests {
    use super::*;

    #[test]
    fn invalid_bytes_in_comments_are_tolerated() {
        let text =
            decode_tolerating_comments(b"x = 1  # caf\xe9\n# \xff\xfe\ny = 2\n", false).unwrap();
        assert_eq!(text, "x = 1  # caf?\n# ??\ny = 2\n");
    }

    #[test]
    fn invalid_bytes_in_strings_or_code_are_not() {
        let err = decode_tolerating_comments(b"s = 'caf\xe9'\n", false).unwrap_err();
        assert_eq!(err.at, 8);
        assert!(err.message.contains("byte 0xe9"), "{}", err.message);
        assert!(decode_tolerating_comments(b"x = 1 \xc3\n", false).is_err());
        assert!(decode_tolerating_comments(b"# caf\xe9\n", true).is_err());
        // A `#` inside a string is no comment.
        assert!(decode_tolerating_comments(b"s = '# \xe9'\n", false).is_err());
    }
}
