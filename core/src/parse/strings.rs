//! Decoding the body of a Python `str` literal.

use nom::branch::alt;
use nom::bytes::complete::take_while_m_n;
#[cfg(feature = "python")]
use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::{anychar, char, one_of};
use nom::combinator::{map, map_opt, recognize};
#[cfg(feature = "python")]
use nom::sequence::delimited;
use nom::sequence::preceded;
use nom::{IResult, Parser};

/// Why a literal's value cannot be decoded statically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DecodeError {
    /// `\N{...}` in a build without the Unicode name table (the browser's
    /// first module): the value is not known there.
    #[cfg_attr(feature = "python", allow(dead_code))]
    NamedEscape,
    /// `\u`/`\U`/`\x` with too few digits, or an invalid code point: Python
    /// refuses to compile the file.
    BadEscape(String),
}

/// One piece of a string body.
enum Piece<'a> {
    Literal(&'a str),
    Char(char),
    Newline,
    Skip,
}

fn hex_digits(n: usize) -> impl FnMut(&str) -> IResult<&str, &str> {
    move |i| take_while_m_n(n, n, |c: char| c.is_ascii_hexdigit()).parse(i)
}

/// `escape := '\\' ( newline | simple | octal | 'x' hh | 'u' hhhh | 'U' hhhhhhhh )`
fn escape(i: &str) -> IResult<&str, Piece<'_>> {
    preceded(
        char('\\'),
        alt((
            map(
                alt((
                    recognize((char('\r'), char('\n'))),
                    recognize(one_of("\r\n")),
                )),
                |_| Piece::Skip,
            ),
            map(one_of("\\'\"abfnrtv"), |c| {
                Piece::Char(match c {
                    'a' => '\x07',
                    'b' => '\x08',
                    'f' => '\x0c',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'v' => '\x0b',
                    other => other,
                })
            }),
            map_opt(
                take_while_m_n(1, 3, |c: char| ('0'..='7').contains(&c)),
                |d: &str| {
                    u32::from_str_radix(d, 8)
                        .ok()
                        .and_then(char::from_u32)
                        .map(Piece::Char)
                },
            ),
            named_escape,
            map_opt(preceded(char('x'), hex_digits(2)), hex_char),
            map_opt(preceded(char('u'), hex_digits(4)), hex_char),
            map_opt(preceded(char('U'), hex_digits(8)), hex_char),
        )),
    )
    .parse(i)
}

/// `N{BULLET}` after the backslash: a character by its Unicode name or
/// alias, any case. Without the name table (no `python` feature) it never
/// matches, and [`decode`] reports the value as unknown.
fn named_escape(i: &str) -> IResult<&str, Piece<'static>> {
    #[cfg(feature = "python")]
    {
        map_opt(
            delimited(
                tag("N{"),
                take_while1(|c: char| c != '}' && c != '\n'),
                char('}'),
            ),
            named_char,
        )
        .parse(i)
    }
    #[cfg(not(feature = "python"))]
    {
        nom::combinator::fail().parse(i)
    }
}

#[cfg(feature = "python")]
fn named_char(name: &str) -> Option<Piece<'static>> {
    unicode_names2::character(&name.to_ascii_uppercase()).map(Piece::Char)
}

fn hex_char(digits: &str) -> Option<Piece<'static>> {
    u32::from_str_radix(digits, 16)
        .ok()
        .and_then(char::from_u32)
        .map(Piece::Char)
}

/// Decode a literal body. Source newlines (`\r\n`, `\r`) become `\n`, as
/// Python's tokenizer does.
pub(crate) fn decode(body: &str, raw: bool) -> Result<String, DecodeError> {
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while !rest.is_empty() {
        let piece;
        if let Some(after) = rest.strip_prefix("\r\n") {
            piece = Piece::Newline;
            rest = after;
        } else if let Some(after) = rest.strip_prefix('\r') {
            piece = Piece::Newline;
            rest = after;
        } else if !raw && rest.starts_with('\\') {
            match escape(rest) {
                Ok((after, p)) => {
                    piece = p;
                    rest = after;
                }
                Err(_) => {
                    let next = rest[1..].chars().next();
                    match next {
                        Some('N') if cfg!(not(feature = "python")) => {
                            return Err(DecodeError::NamedEscape);
                        }
                        Some('N') => {
                            return Err(DecodeError::BadEscape(
                                "malformed or unknown \\N character name".into(),
                            ));
                        }
                        Some(c @ ('x' | 'u' | 'U')) => {
                            return Err(DecodeError::BadEscape(format!("truncated \\{c} escape")));
                        }
                        // An unknown escape keeps its backslash (a SyntaxWarning in Python).
                        _ => {
                            let (after, c) =
                                preceded(char::<&str, nom::error::Error<&str>>('\\'), anychar)
                                    .parse(rest)
                                    .unwrap_or(("", '\\'));
                            out.push('\\');
                            piece = Piece::Char(c);
                            rest = after;
                        }
                    }
                }
            }
        } else {
            let end = rest
                .find(|c| c == '\r' || (!raw && c == '\\'))
                .unwrap_or(rest.len());
            // A raw string's backslash is kept, with the character after it.
            let end = if end == 0 {
                rest.chars().next().map_or(1, char::len_utf8)
            } else {
                end
            };
            piece = Piece::Literal(&rest[..end]);
            rest = &rest[end..];
        }
        match piece {
            Piece::Literal(s) => out.push_str(s),
            Piece::Char(c) => out.push(c),
            Piece::Newline => out.push('\n'),
            Piece::Skip => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_escapes() {
        assert_eq!(decode("abc", false).unwrap(), "abc");
        assert_eq!(decode(r"a\'b\\c\n", false).unwrap(), "a'b\\c\n");
        assert_eq!(decode(r"\x41\u00e9\U0001F600\101", false).unwrap(), "Aé😀A");
        assert_eq!(decode("a\\\nb", false).unwrap(), "ab");
        assert_eq!(decode(r"\d", false).unwrap(), "\\d");
    }

    #[test]
    fn raw_keeps_backslashes() {
        assert_eq!(decode(r"a\nb\'", true).unwrap(), r"a\nb\'");
    }

    #[test]
    fn newlines_are_normalised() {
        assert_eq!(decode("a\r\nb\rc", false).unwrap(), "a\nb\nc");
        assert_eq!(decode("a\r\nb", true).unwrap(), "a\nb");
    }

    #[test]
    #[cfg(feature = "python")]
    fn named_and_bad_escapes() {
        assert_eq!(decode(r"\N{BULLET}x", false).unwrap(), "\u{2022}x");
        assert_eq!(decode(r"\N{bullet}", false).unwrap(), "\u{2022}");
        assert!(matches!(
            decode(r"\N{NOT A NAME}", false),
            Err(DecodeError::BadEscape(_))
        ));
        assert!(matches!(
            decode(r"\x4", false),
            Err(DecodeError::BadEscape(_))
        ));
    }
}
