//! The binding reader's tokenizer (step 1 of `docs/grammar.md`): Python,
//! just deep enough to find module-level statements safely. A leaf: the
//! binding reader (`parse`) and the whole-file validator's guards (`syntax`)
//! both tokenize with it, and it depends on nothing but [`crate::text`].
//!
//! It knows every string literal form (so docstrings and SQL in strings never
//! match), comments, bracket nesting, backslash continuations and logical
//! lines. Each token production is a small nom parser; the driver loop tracks
//! bracket depth and turns physical lines into logical lines.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_till, take_while, take_while1};
use nom::character::complete::char;
use nom::combinator::recognize;
use nom::sequence::preceded;
use nom::{IResult, Parser};

use crate::text::Span;

/// A token kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokKind {
    /// An identifier or keyword.
    Name,
    /// A numeric literal.
    Number,
    /// A string literal (one piece of a possibly concatenated string).
    Str(StrTok),
    /// An operator or delimiter, e.g. `=`, `(`, `:=`, `+=`.
    Op,
}

/// The parts of a string literal token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StrTok {
    /// `r`/`R` prefix: backslashes are literal.
    pub raw: bool,
    /// `b`/`B` prefix: a bytes literal.
    pub bytes: bool,
    /// `f`/`F` or `t`/`T` prefix: an interpolated string.
    pub interpolated: bool,
    /// The body between the quotes.
    pub body: Span,
}

/// A token with its byte span in the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokKind,
    pub span: Span,
}

/// One logical line: its tokens and whether its first physical line was
/// indented (so not a module-level statement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogicalLine {
    pub indented: bool,
    pub tokens: Vec<Token>,
}

/// A lexing failure: Python would refuse to import the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LexError {
    pub message: String,
    pub span: Span,
}

type Res<'a, T> = IResult<&'a str, T>;

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// `name := ident_start ident_continue*`
fn name(i: &str) -> Res<'_, &str> {
    // ASCII fast path: for ASCII, `is_alphabetic`/`is_alphanumeric` are the
    // ASCII classes, so the run of ASCII identifier bytes is the name unless
    // a non-ASCII character follows (then the general production decides).
    let b = i.as_bytes();
    if let Some(&first) = b.first()
        && (first == b'_' || first.is_ascii_alphabetic())
    {
        let end = b
            .iter()
            .position(|&c| !(c == b'_' || c.is_ascii_alphanumeric()))
            .unwrap_or(b.len());
        if b.get(end).is_none_or(|c| c.is_ascii()) {
            return Ok((&i[end..], &i[..end]));
        }
    }
    name_grammar(i)
}

/// The general identifier production (any Unicode letters).
fn name_grammar(i: &str) -> Res<'_, &str> {
    recognize((take_while1(is_ident_start), take_while(is_ident_continue))).parse(i)
}

/// `number := digit (alnum | '_' | '.' | sign-after-exponent)* | '.' digit ...`
/// Precise validation is Python's job; we only need the token's extent.
fn number(i: &str) -> Res<'_, &str> {
    let start = alt((
        recognize(take_while1(|c: char| c.is_ascii_digit())),
        recognize((char('.'), take_while1(|c: char| c.is_ascii_digit()))),
    ));
    recognize((start, number_tail)).parse(i)
}

/// The rest of a number: alphanumerics, `_`, `.`, and a sign after an exponent.
fn number_tail(i: &str) -> Res<'_, ()> {
    let mut rest = i;
    let mut prev = ' ';
    while let Some(c) = rest.chars().next() {
        let exponent_sign = (c == '+' || c == '-') && matches!(prev, 'e' | 'E');
        if c.is_ascii_alphanumeric() || c == '_' || c == '.' || exponent_sign {
            prev = c;
            rest = &rest[c.len_utf8()..];
        } else {
            break;
        }
    }
    Ok((rest, ()))
}

/// `comment := '#' (not newline)*`
fn comment(i: &str) -> Res<'_, &str> {
    recognize(preceded(char('#'), take_till(|c| c == '\n' || c == '\r'))).parse(i)
}

/// `newline := '\r\n' | '\n' | '\r'`
fn newline(i: &str) -> Res<'_, &str> {
    alt((tag("\r\n"), tag("\n"), tag("\r"))).parse(i)
}

/// `continuation := '\\' newline`
fn continuation(i: &str) -> Res<'_, &str> {
    recognize((char('\\'), newline)).parse(i)
}

/// `blank := (' ' | '\t' | '\x0c')*`
fn blank(i: &str) -> Res<'_, &str> {
    let end = i
        .bytes()
        .position(|c| !matches!(c, b' ' | b'\t' | b'\x0c'))
        .unwrap_or(i.len());
    Ok((&i[end..], &i[..end]))
}

/// Operators and delimiters, longest first. A byte-level matcher with the
/// same results as [`operator_grammar`] (a test holds them to it): nom's
/// `alt` over 25 tags cost a failed comparison per tag for every `(` and `,`.
fn operator(i: &str) -> Res<'_, &str> {
    let b = i.as_bytes();
    let len = match b {
        [b'*', b'*', b'=', ..]
        | [b'/', b'/', b'=', ..]
        | [b'>', b'>', b'=', ..]
        | [b'<', b'<', b'=', ..]
        | [b'.', b'.', b'.', ..] => 3,
        [b'-', b'>', ..]
        | [b':', b'=', ..]
        | [b'=', b'=', ..]
        | [b'!', b'=', ..]
        | [b'<', b'=', ..]
        | [b'>', b'=', ..]
        | [b'*', b'*', ..]
        | [b'/', b'/', ..]
        | [b'<', b'<', ..]
        | [b'>', b'>', ..]
        | [
            b'+' | b'-' | b'*' | b'/' | b'%' | b'&' | b'|' | b'^' | b'@',
            b'=',
            ..,
        ] => 2,
        [
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b':' | b',' | b';' | b'.' | b'=' | b'+'
            | b'-' | b'*' | b'/' | b'%' | b'&' | b'|' | b'^' | b'~' | b'<' | b'>' | b'@' | b'!',
            ..,
        ] => 1,
        _ => {
            return Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::OneOf,
            )));
        }
    };
    Ok((&i[len..], &i[..len]))
}

/// The operator grammar as written in the language reference (the
/// specification [`operator`] implements).
#[cfg(test)]
fn operator_grammar(i: &str) -> Res<'_, &str> {
    alt((
        alt((
            tag("**="),
            tag("//="),
            tag(">>="),
            tag("<<="),
            tag("..."),
            tag("->"),
            tag(":="),
            tag("=="),
            tag("!="),
            tag("<="),
            tag(">="),
            tag("**"),
            tag("//"),
            tag("<<"),
            tag(">>"),
        )),
        alt((
            tag("+="),
            tag("-="),
            tag("*="),
            tag("/="),
            tag("%="),
            tag("&="),
            tag("|="),
            tag("^="),
            tag("@="),
        )),
        recognize(nom::character::complete::one_of("()[]{}:,;.=+-*/%&|^~<>@!")),
    ))
    .parse(i)
}

/// `prefix := [rRbBuUfFtT]{0,2}` followed by an opening quote. Returns the
/// prefix and the quote (`'`, `"`, `'''` or `"""`).
fn string_start(i: &str) -> Res<'_, (&str, &str)> {
    let prefix = take_while(|c: char| "rRbBuUfFtT".contains(c));
    let quote = alt((tag("'''"), tag("\"\"\""), tag("'"), tag("\"")));
    (prefix, quote)
        .parse(i)
        .and_then(|(rest, (prefix, quote))| {
            let lower = prefix.to_ascii_lowercase();
            let valid = matches!(
                lower.as_str(),
                "" | "r" | "u" | "b" | "f" | "t" | "br" | "rb" | "fr" | "rf" | "tr" | "rt"
            );
            if valid {
                Ok((rest, (prefix, quote)))
            } else {
                Err(nom::Err::Error(nom::error::Error::new(
                    i,
                    nom::error::ErrorKind::Tag,
                )))
            }
        })
}

/// Where logical lines go.
pub(crate) trait LineSink {
    /// Whether the next logical line (indented or not) is wanted; asked at
    /// its first token. An unwanted line is still lexed (its errors and
    /// brackets count) but its tokens are not kept and [`LineSink::line`]
    /// is not called for it.
    fn wants(&self, indented: bool) -> bool;
    /// A finished logical line.
    fn line(&mut self, line: &LogicalLine);
}

/// Every line, to a closure.
#[cfg(test)]
struct EveryLine<F>(F);

#[cfg(test)]
impl<F: FnMut(&LogicalLine)> LineSink for EveryLine<F> {
    fn wants(&self, _indented: bool) -> bool {
        true
    }
    fn line(&mut self, line: &LogicalLine) {
        (self.0)(line)
    }
}

/// The tokenizer state.
struct Lexer<'a, S> {
    src: &'a str,
    pos: usize,
    depth: Vec<(char, usize)>,
    /// Receives each logical line as soon as it ends.
    sink: S,
    /// The line being built; its token buffer is reused for the next line.
    current: LogicalLine,
    /// A line has started (it has a first token).
    in_line: bool,
    /// The current line is not wanted by the sink.
    skipping: bool,
    at_line_start: bool,
}

/// Tokenize a whole module into logical lines.
#[cfg(test)]
pub(crate) fn tokenize(src: &str) -> Result<Vec<LogicalLine>, (Vec<LogicalLine>, LexError)> {
    let mut lines = Vec::new();
    match tokenize_each(src, |line| lines.push(line.clone())) {
        Ok(()) => Ok(lines),
        Err(err) => Err((lines, err)),
    }
}

/// Tokenize a whole module, handing each logical line to `on_line`.
#[cfg(test)]
pub(crate) fn tokenize_each(src: &str, on_line: impl FnMut(&LogicalLine)) -> Result<(), LexError> {
    tokenize_into(src, EveryLine(on_line))
}

/// Tokenize a whole module, handing each wanted logical line to the sink as
/// soon as it ends (then reusing its buffer): no per-line allocation and no
/// list of every line of the file. On an error, the lines before it (and
/// the partial line the error is in) have been handed over.
pub(crate) fn tokenize_into(src: &str, sink: impl LineSink) -> Result<(), LexError> {
    let mut lexer = Lexer {
        src,
        pos: 0,
        depth: Vec::new(),
        sink,
        current: LogicalLine {
            indented: false,
            tokens: Vec::new(),
        },
        in_line: false,
        skipping: false,
        at_line_start: true,
    };
    match lexer.run() {
        Ok(()) => Ok(()),
        Err(err) => {
            lexer.finish_line();
            Err(err)
        }
    }
}

impl<'a, S: LineSink> Lexer<'a, S> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn offset_of(&self, rest: &str) -> usize {
        self.src.len() - rest.len()
    }

    fn push(&mut self, kind: TokKind, start: usize, end: usize) {
        if !self.in_line {
            self.in_line = true;
            let indented = self.current_indented_flag(start);
            self.skipping = !self.sink.wants(indented);
            self.current.indented = indented;
        }
        if !self.skipping {
            self.current.tokens.push(Token {
                kind,
                span: Span::new(start, end),
            });
        }
    }

    /// A logical line is indented when blanks stand between its first token
    /// and the line break before it. A form feed resets the indentation to
    /// column 0 (as CPython's tokenizer does), so only the blanks after the
    /// last form feed count: `\x0c` at the start of a module-level line is
    /// no indent.
    fn current_indented_flag(&self, start: usize) -> bool {
        let bytes = self.src.as_bytes();
        let mut at = start;
        while at > 0 && matches!(bytes[at - 1], b' ' | b'\t') {
            at -= 1;
        }
        at < start
    }

    fn finish_line(&mut self) {
        if self.in_line {
            if !self.skipping {
                self.sink.line(&self.current);
            }
            self.current.tokens.clear();
            self.in_line = false;
            self.skipping = false;
        }
    }

    fn run(&mut self) -> Result<(), LexError> {
        loop {
            let (rest, _) = blank(self.rest()).unwrap_or((self.rest(), ""));
            self.pos = self.offset_of(rest);
            let rest = self.rest();
            if rest.is_empty() {
                break;
            }
            // Dispatch on the first byte: each production below can only
            // match text starting with certain bytes, so trying them in
            // turn (as the grammar lists them) found the same token, slower.
            let first = rest.as_bytes()[0];
            if first == b'#'
                && let Ok((after, _)) = comment(rest)
            {
                self.pos = self.offset_of(after);
                continue;
            }
            if (first == b'\n' || first == b'\r')
                && let Ok((after, _)) = newline(rest)
            {
                self.pos = self.offset_of(after);
                if self.depth.is_empty() {
                    self.finish_line();
                    self.at_line_start = true;
                }
                continue;
            }
            if first == b'\\'
                && let Ok((after, _)) = continuation(rest)
            {
                self.pos = self.offset_of(after);
                continue;
            }
            self.at_line_start = false;
            let start = self.pos;
            let may_start_string = matches!(
                first,
                b'\'' | b'"' | b'r' | b'R' | b'b' | b'B' | b'u' | b'U' | b'f' | b'F' | b't' | b'T'
            );
            if may_start_string && let Ok((after, (prefix, quote))) = string_start(rest) {
                let body_start = self.offset_of(after);
                let lower = prefix.to_ascii_lowercase();
                let interpolated = lower.contains('f') || lower.contains('t');
                let raw = lower.contains('r');
                let body_end = self.scan_string(start, body_start, quote, raw, interpolated)?;
                let end = body_end + quote.len();
                self.pos = end;
                let tok = StrTok {
                    raw,
                    bytes: lower.contains('b'),
                    interpolated,
                    body: Span::new(body_start, body_end),
                };
                self.push(TokKind::Str(tok), start, end);
                continue;
            }
            // Names start with `_` or a letter (ASCII or not); digits, `.`
            // and ASCII punctuation never do.
            let may_be_name = first == b'_' || first.is_ascii_alphabetic() || !first.is_ascii();
            if may_be_name && let Ok((after, _)) = name(rest) {
                let end = self.offset_of(after);
                self.pos = end;
                self.push(TokKind::Name, start, end);
                continue;
            }
            if (first.is_ascii_digit() || first == b'.')
                && let Ok((after, _)) = number(rest)
            {
                let end = self.offset_of(after);
                self.pos = end;
                self.push(TokKind::Number, start, end);
                continue;
            }
            if let Ok((after, op)) = operator(rest) {
                let end = self.offset_of(after);
                self.bracket(op, start)?;
                self.pos = end;
                self.push(TokKind::Op, start, end);
                continue;
            }
            let c = rest.chars().next().unwrap_or('\0');
            let what = if c == '\\' {
                "unexpected character after line continuation character".to_string()
            } else if c == '\0' {
                "source code cannot contain null bytes".to_string()
            } else {
                format!("invalid character {c:?} (U+{:04X})", c as u32)
            };
            return Err(LexError {
                message: what,
                span: Span::new(start, start + c.len_utf8()),
            });
        }
        if let Some(&(open, at)) = self.depth.last() {
            return Err(LexError {
                message: format!("'{open}' was never closed"),
                span: Span::new(at, at + 1),
            });
        }
        self.finish_line();
        Ok(())
    }

    fn bracket(&mut self, op: &str, at: usize) -> Result<(), LexError> {
        // Match on the byte: a `match` on `&str` compares with memcmp.
        let op = if op.len() == 1 { op.as_bytes()[0] } else { 0 };
        match op {
            b'(' | b'[' | b'{' => {
                // CPython's tokenizer refuses more than 200 levels (MAXLEVEL).
                if self.depth.len() >= 200 {
                    return Err(LexError {
                        message: "too many nested parentheses".into(),
                        span: Span::new(at, at + 1),
                    });
                }
                self.depth.push((char::from(op), at));
                Ok(())
            }
            b')' | b']' | b'}' => {
                let close = char::from(op);
                let expected = match self.depth.pop() {
                    Some(('(', _)) => ')',
                    Some(('[', _)) => ']',
                    Some(('{', _)) => '}',
                    _ => {
                        return Err(LexError {
                            message: format!("unmatched '{close}'"),
                            span: Span::new(at, at + 1),
                        });
                    }
                };
                if expected == close {
                    Ok(())
                } else {
                    Err(LexError {
                        message: format!(
                            "closing parenthesis '{close}' does not match '{expected}'"
                        ),
                        span: Span::new(at, at + 1),
                    })
                }
            }
            _ => Ok(()),
        }
    }

    /// Scan a string body starting at `body_start`; returns the offset of the
    /// closing quote. Backslash always escapes the next character for the
    /// purpose of finding the end (also in raw strings, as in Python).
    fn scan_string(
        &self,
        start: usize,
        body_start: usize,
        quote: &str,
        raw: bool,
        interpolated: bool,
    ) -> Result<usize, LexError> {
        let bytes = self.src.as_bytes();
        let triple = quote.len() == 3;
        let q = quote.as_bytes()[0];
        let mut i = body_start;
        let mut braces = 0usize;
        let _ = raw;
        while i < bytes.len() {
            let b = bytes[i];
            if b == b'\\' {
                // A backslash escapes the next character (both bytes of a CRLF).
                i += if bytes.get(i + 1) == Some(&b'\r') && bytes.get(i + 2) == Some(&b'\n') {
                    3
                } else {
                    2
                };
                continue;
            }
            if interpolated {
                if b == b'{' {
                    if braces == 0 && bytes.get(i + 1) == Some(&b'{') {
                        i += 2;
                        continue;
                    }
                    braces += 1;
                    i += 1;
                    continue;
                }
                if b == b'}' && braces > 0 {
                    braces -= 1;
                    i += 1;
                    continue;
                }
                if braces > 0 && (b == b'\'' || b == b'"') {
                    // A nested string inside a replacement field (PEP 701).
                    let rest = &self.src[i..];
                    if let Ok((after, (_, inner))) = string_start(rest) {
                        let inner_body = self.offset_of(after);
                        let end = self.scan_string(i, inner_body, inner, false, false)?;
                        i = end + inner.len();
                        continue;
                    }
                }
            }
            if b == q {
                if !triple {
                    return Ok(i);
                }
                if bytes.get(i + 1) == Some(&q) && bytes.get(i + 2) == Some(&q) {
                    return Ok(i);
                }
            } else if !triple && (b == b'\n' || b == b'\r') && braces == 0 {
                return Err(LexError {
                    message: "unterminated string literal".into(),
                    span: Span::new(start, i),
                });
            }
            i += 1;
        }
        Err(LexError {
            message: if triple {
                "unterminated triple-quoted string literal".into()
            } else {
                "unterminated string literal".into()
            },
            span: Span::new(start, bytes.len().min(start + 80).max(start)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Vec<String>> {
        tokenize(src)
            .unwrap()
            .iter()
            .map(|line| {
                line.tokens
                    .iter()
                    .map(|t| src[t.span.start..t.span.end].to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn name_production() {
        assert_eq!(name("revision = 1"), Ok((" = 1", "revision")));
        assert_eq!(name("_x1y"), Ok(("", "_x1y")));
        assert!(name("1x").is_err());
    }

    #[test]
    fn number_production() {
        assert_eq!(number("1_000.5e-3)"), Ok((")", "1_000.5e-3")));
        assert_eq!(number("0xFF,"), Ok((",", "0xFF")));
        assert_eq!(number(".5"), Ok(("", ".5")));
    }

    #[test]
    fn comment_and_newline_productions() {
        assert_eq!(comment("# hi\nx"), Ok(("\nx", "# hi")));
        assert_eq!(newline("\r\nx"), Ok(("x", "\r\n")));
        assert_eq!(continuation("\\\r\nx"), Ok(("x", "\\\r\n")));
    }

    #[test]
    fn operator_matches_its_grammar() {
        let alphabet = [
            "", "(", ")", "[", "]", "{", "}", ":", ",", ";", ".", "=", "+", "-", "*", "/", "%",
            "&", "|", "^", "~", "<", ">", "@", "!", "a", " ", "1",
        ];
        for a in alphabet {
            for b in alphabet {
                for c in alphabet {
                    let text = format!("{a}{b}{c}x");
                    assert_eq!(operator(&text), operator_grammar(&text), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn name_matches_its_grammar() {
        for text in [
            "abc",
            "_a1 ",
            "a\u{e9}b",
            "\u{e9}t\u{e9}",
            "x\u{2028}",
            "ab_9(",
            "1x",
            "",
            "a\u{301}",
        ] {
            assert_eq!(name(text), name_grammar(text), "{text:?}");
        }
    }

    #[test]
    fn operator_production_is_longest_match() {
        assert_eq!(operator(":= 1"), Ok((" 1", ":=")));
        assert_eq!(operator("**= 1"), Ok((" 1", "**=")));
        assert_eq!(operator("= 1"), Ok((" 1", "=")));
        assert_eq!(operator("== 1"), Ok((" 1", "==")));
    }

    #[test]
    fn string_start_production() {
        assert_eq!(string_start("rb'x'"), Ok(("x'", ("rb", "'"))));
        assert_eq!(string_start("\"\"\"doc"), Ok(("doc", ("", "\"\"\""))));
        assert!(string_start("revision").is_err());
        assert!(string_start("xr'a'").is_err());
    }

    #[test]
    fn logical_lines_join_brackets_and_continuations() {
        let src = "a = (1,\n  2)  # c\nb = \\\n  3\n\n  c = 4\n";
        let lines = tokenize(src).unwrap();
        assert_eq!(lines.len(), 3);
        assert!(!lines[0].indented);
        assert!(!lines[1].indented);
        assert!(lines[2].indented);
        assert_eq!(kinds(src)[1], ["b", "=", "3"]);
    }

    #[test]
    fn strings_hide_their_contents() {
        let src = "x = '''\nrevision = \"no\"\n'''\ny = 'it\\'s'\n";
        assert_eq!(
            kinds(src),
            [
                vec!["x", "=", "'''\nrevision = \"no\"\n'''"],
                vec!["y", "=", "'it\\'s'"]
            ]
        );
    }

    #[test]
    fn fstring_with_nested_quotes() {
        let src = "x = f\"{d[\"k\"]}\"\n";
        assert_eq!(kinds(src), [vec!["x", "=", "f\"{d[\"k\"]}\""]]);
    }

    #[test]
    fn errors_carry_spans() {
        let (_, err) = tokenize("x = 'abc\ny = 1\n").unwrap_err();
        assert_eq!(err.message, "unterminated string literal");
        assert_eq!(err.span.start, 4);
        let (_, err) = tokenize("x = (1,\n").unwrap_err();
        assert_eq!(err.message, "'(' was never closed");
        let (_, err) = tokenize("x = 1)\n").unwrap_err();
        assert_eq!(err.message, "unmatched ')'");
        let (_, err) = tokenize("x = \"\"\"abc").unwrap_err();
        assert_eq!(err.message, "unterminated triple-quoted string literal");
    }
}
