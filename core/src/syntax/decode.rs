//! Source bytes to text, the way CPython's tokenizer decodes them: a UTF-8
//! BOM, a PEP 263 coding cookie (`# -*- coding: latin-1 -*-` on line 1 or
//! 2), and the invalid bytes CPython tolerates in comments (`utf8.rs`).
//! Which codecs exist is `encoding.rs`; this module decides how one file is
//! read, and says which way it chose, so the caller never reads the cookie
//! again.

use std::borrow::Cow;

use super::encoding::{Family, family, known};
use crate::syntax_error::SyntaxError;
use crate::text::Span;

/// A file's bytes, decoded.
pub(crate) struct Decoded<'a> {
    /// Bytes before the text in the file (3 for a UTF-8 BOM).
    pub offset: usize,
    /// The text (borrowed when the bytes are UTF-8), or why it cannot be read.
    pub text: Result<Cow<'a, str>, SyntaxError>,
    /// The decoding chosen; with [`Decoding::Latin1`] every byte is one
    /// character, so text offsets differ from file offsets.
    pub decoding: Decoding,
}

/// Decode a file's text the way CPython's tokenizer does.
pub(crate) fn decode(bytes: &[u8]) -> Decoded<'_> {
    let (offset, body) = match bytes.strip_prefix(b"\xEF\xBB\xBF") {
        Some(rest) => (3, rest),
        None => (0, bytes),
    };
    let decoding = cookie_decoding(body, offset);
    let text = match &decoding {
        Decoding::Utf8 { strict } => utf8(body, offset, *strict),
        Decoding::Latin1 => Ok(Cow::Owned(body.iter().map(|&b| char::from(b)).collect())),
        Decoding::Refused(error) => Err(error.clone()),
    };
    Decoded {
        offset,
        text,
        decoding,
    }
}

/// A UTF-8 body: borrowed when valid, else repaired around invalid bytes in
/// comments where CPython tolerates them.
fn utf8(body: &[u8], offset: usize, strict: bool) -> Result<Cow<'_, str>, SyntaxError> {
    match std::str::from_utf8(body) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(_) => match super::utf8::decode_tolerating_comments(body, strict) {
            Ok(text) => Ok(Cow::Owned(text)),
            Err(err) => {
                let at = offset + err.at;
                Err(SyntaxError {
                    message: err.message,
                    span: Span::new(at, at + 1),
                    unsupported: false,
                })
            }
        },
    }
}

/// How the body is decoded, by its PEP 263 cookie.
pub(crate) enum Decoding {
    /// UTF-8 (no cookie, a UTF-8 alias, or an ASCII body in an ASCII-compatible
    /// codec). `strict` when CPython decodes the whole file through a codec
    /// (a cookie naming `utf8` rather than `utf-8`), so that no invalid byte
    /// is tolerated, not even in a comment.
    Utf8 { strict: bool },
    /// One byte, one character.
    Latin1,
    /// CPython refuses the file, or revguard cannot decode it.
    Refused(SyntaxError),
}

fn cookie_decoding(body: &[u8], offset: usize) -> Decoding {
    let Some((encoding, at)) = coding_cookie(body) else {
        return Decoding::Utf8 { strict: false };
    };
    let span = Span::new(offset + at, offset + at + encoding.len());
    let refuse = |message: String, span: Span, unsupported: bool| {
        Decoding::Refused(SyntaxError {
            message,
            span,
            unsupported,
        })
    };
    let normal = cpython_normal_name(&encoding);
    let family = family(&normal);
    if offset == 3 && family != Family::Utf8 {
        return refuse(
            format!("encoding problem: {encoding} with BOM"),
            Span::new(0, 3),
            false,
        );
    }
    if !known(&normal) {
        return refuse(format!("unknown encoding: {encoding}"), span, false);
    }
    match family {
        Family::Utf8 => Decoding::Utf8 {
            strict: normal != "utf-8",
        },
        _ if body.is_ascii() && family != Family::NotAscii => Decoding::Utf8 { strict: true },
        Family::Latin1 => Decoding::Latin1,
        Family::Ascii => {
            let at = body.iter().position(|b| !b.is_ascii()).unwrap_or(0);
            refuse(
                format!(
                    "'ascii' codec can't decode byte 0x{:02x} in position {at}: ordinal not in range(128)",
                    body[at]
                ),
                Span::new(offset + at, offset + at + 1),
                false,
            )
        }
        Family::Other | Family::NotAscii => refuse(
            format!(
                "the file declares `coding: {encoding}`; revguard decodes UTF-8 and Latin-1 only, so it cannot read this file statically"
            ),
            span,
            true,
        ),
    }
}

/// CPython's tokenizer maps the common spellings of UTF-8 and Latin-1 to
/// their canonical names before it looks the codec up.
fn cpython_normal_name(name: &str) -> String {
    let head: String = name
        .chars()
        .take(12)
        .map(|c| {
            if c == '_' {
                '-'
            } else {
                c.to_ascii_lowercase()
            }
        })
        .collect();
    let is = |canonical: &str| head == canonical || head.starts_with(&format!("{canonical}-"));
    if is("utf-8") {
        "utf-8".into()
    } else if is("latin-1") || is("iso-8859-1") || is("iso-latin-1") {
        "iso-8859-1".into()
    } else {
        name.to_owned()
    }
}

/// A PEP 263 cookie on line 1 or 2 (`# -*- coding: latin-1 -*-`): the name
/// and its offset in `body`.
fn coding_cookie(body: &[u8]) -> Option<(String, usize)> {
    let mut line_start = 0;
    for (index, line) in body.split(|&b| b == b'\n').take(2).enumerate() {
        let this_start = line_start;
        line_start += line.len() + 1;
        let indent = line
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\x0c'))
            .count();
        let trimmed = &line[indent..];
        if !trimmed.starts_with(b"#") {
            // Line 2 only counts when line 1 is blank or a comment.
            if index == 0 && !trimmed.iter().all(|b| b.is_ascii_whitespace()) {
                return None;
            }
            continue;
        }
        // The first `coding` followed by `:` or `=` (CPython scans on past
        // a `coding` that is not).
        let found = trimmed
            .windows(7)
            .position(|w| w.starts_with(b"coding") && matches!(w[6], b':' | b'='));
        let Some(at) = found else {
            continue;
        };
        let rest = &trimmed[at + 7..];
        let spaces = rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        let name: Vec<u8> = rest[spaces..]
            .iter()
            .copied()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            .collect();
        if !name.is_empty() {
            let name_at = this_start + indent + at + 7 + spaces;
            return Some((String::from_utf8_lossy(&name).into_owned(), name_at));
        }
    }
    None
}
