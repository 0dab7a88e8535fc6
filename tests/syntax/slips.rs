//! Realistic slips: what a hurried edit, a bad merge or an old file does to a
//! migration. Each slip returns the broken bytes (some slips leave the file
//! valid, e.g. a tab that happens to line up: the oracle decides, not us).

use crate::generate::Rng;

/// A named slip.
pub struct Slip {
    pub name: &'static str,
    pub apply: fn(&mut Rng, &str) -> Vec<u8>,
}

pub const SLIPS: &[Slip] = &[
    slip("none", |_, t| t.into()),
    slip("lost-colon", lost_colon),
    slip("lost-bracket", |r, t| delete_char(r, t, &[')', ']', '}'])),
    slip("lost-open-bracket", |r, t| delete_char(r, t, &['(', '['])),
    slip("extra-bracket", |r, t| {
        insert_in_body(r, t, &[")", "]", "(", "}"])
    }),
    slip("unterminated-string", |r, t| {
        delete_char(r, t, &['"', '\''])
    }),
    slip("python2-print", |r, t| {
        add_line(
            r,
            t,
            &[
                "print \"migrating\"",
                "print >>sys.stderr, \"x\"",
                "print 'done', 1",
            ],
        )
    }),
    slip("python2-syntax", |r, t| {
        add_line(
            r,
            t,
            &[
                "exec \"x = 1\"",
                "x = 0777",
                "x = 10L",
                "s = ur\"raw\"",
                "raise ValueError, \"bad\"",
            ],
        )
    }),
    slip("python2-except", |r, t| {
        add_line(
            r,
            t,
            &["try:\n        pass\n    except Exception, e:\n        pass"],
        )
    }),
    slip("bad-indent", bad_indent),
    slip("bad-dedent", bad_dedent),
    slip("tab-for-spaces", tab_for_spaces),
    slip("stray-token", |r, t| {
        insert_in_body(r, t, &["$", "?", "!", "`", " = ", ", ,", "::", "@"])
    }),
    slip("repeated-keyword", |r, t| {
        add_line(
            r,
            t,
            &[
                "op.f(name=1, name=2)",
                "sa.Column(\"x\", nullable=True, nullable=False)",
            ],
        )
    }),
    slip("duplicate-parameter", |r, t| {
        replace_once(
            r,
            t,
            "def upgrade(",
            &["def upgrade(a, a", "def upgrade(x, *, x=1"],
        )
    }),
    slip("module-return", |r, t| {
        append(
            r,
            t,
            &[
                "return None",
                "yield 1",
                "await op.f()",
                "break",
                "continue",
                "nonlocal x",
            ],
        )
    }),
    slip("misplaced-keyword", |r, t| {
        add_line(
            r,
            t,
            &[
                "await op.f()",
                "yield",
                "break",
                "continue",
                "nonlocal missing",
                "async with x:\n        pass",
                "[(yield) for x in y]",
            ],
        )
    }),
    slip("assign-to-literal", |r, t| {
        add_line(
            r,
            t,
            &[
                "1 = x",
                "\"a\" = b",
                "None = 1",
                "f() = 1",
                "x + 1 = 2",
                "del f()",
                "(a, 1) = b",
            ],
        )
    }),
    slip("newer-syntax", |r, t| add_line(r, t, NEWER)),
    slip("nul-byte", nul_byte),
    slip("invalid-utf8", invalid_utf8),
    slip("bad-cookie", bad_cookie),
    slip("form-feed", form_feed),
    slip("line-endings", line_endings),
    slip("continuation", |r, t| {
        add_line(
            r,
            t,
            &["x = 1 + \\ \n        2", "x = 1 + \\\n2", "x = (1 +\n2)"],
        )
    }),
    slip("escapes", |r, t| {
        add_line(
            r,
            t,
            &[
                "s = \"\\N{BULLET}\"",
                "s = \"\\N{NOT A NAME}\"",
                "s = \"\\x4\"",
                "s = b\"caf\u{e9}\"",
                "s = \"\\u12\"",
                "s = \"\\d\"",
            ],
        )
    }),
];

const NEWER: &[&str] = &[
    "op.execute(f\"{\"x\"}\")",
    "op.execute(f'{'x'}')",
    "op.execute(f\"{x!r:>{width}}\")",
    "match x:\n        case 1:\n            pass",
    "try:\n        pass\n    except* ValueError:\n        pass",
    "type Alias = int",
    "def f[T](x: T) -> T:\n        return x",
    "class C[T]:\n        pass",
    "if (n := 10) > 5:\n        pass",
    "def f(a, /, b):\n        pass",
    "with (open(\"a\") as a, open(\"b\") as b):\n        pass",
    "x = [*a, *b]",
    "try:\n        pass\n    except ValueError, TypeError:\n        pass",
    "return *a, b",
    "@buttons[0].clicked.connect\n    def f():\n        pass",
    "x = f(**a, b=1)",
    "print(f\"{x=}\")",
    "lambda: (yield)",
];

const fn slip(name: &'static str, apply: fn(&mut Rng, &str) -> Vec<u8>) -> Slip {
    Slip { name, apply }
}

/// Byte offsets of the lines inside `def upgrade()`/`def downgrade()` bodies.
fn body_lines(text: &str) -> Vec<(usize, &str)> {
    let mut lines = Vec::new();
    let mut inside = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("def upgrade") || line.starts_with("def downgrade") {
            inside = true;
        } else if !line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            inside = false;
        } else if inside && !line.trim().is_empty() {
            lines.push((offset, line));
        }
        offset += line.len();
    }
    lines
}

fn pick_line<'t>(rng: &mut Rng, text: &'t str) -> (usize, &'t str) {
    let lines = body_lines(text);
    if lines.is_empty() {
        return (text.len(), "");
    }
    lines[rng.below(lines.len())]
}

fn splice(text: &str, at: usize, remove: usize, insert: &str) -> Vec<u8> {
    let mut out = text.as_bytes()[..at].to_vec();
    out.extend_from_slice(insert.as_bytes());
    out.extend_from_slice(&text.as_bytes()[at + remove..]);
    out
}

fn lost_colon(rng: &mut Rng, text: &str) -> Vec<u8> {
    let candidates: Vec<usize> = text
        .match_indices(":\n")
        .map(|(i, _)| i)
        .filter(|&i| !text[..i].ends_with('"'))
        .collect();
    if candidates.is_empty() {
        return text.into();
    }
    splice(text, *rng.pick(&candidates), 1, "")
}

fn delete_char(rng: &mut Rng, text: &str, chars: &[char]) -> Vec<u8> {
    let (start, line) = pick_line(rng, text);
    let hits: Vec<usize> = line
        .char_indices()
        .filter(|(_, c)| chars.contains(c))
        .map(|(i, _)| i)
        .collect();
    if hits.is_empty() {
        return delete_char_anywhere(rng, text, chars);
    }
    splice(text, start + *rng.pick(&hits), 1, "")
}

fn delete_char_anywhere(rng: &mut Rng, text: &str, chars: &[char]) -> Vec<u8> {
    let hits: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| chars.contains(c))
        .map(|(i, _)| i)
        .collect();
    if hits.is_empty() {
        return text.into();
    }
    splice(text, *rng.pick(&hits), 1, "")
}

fn insert_in_body(rng: &mut Rng, text: &str, tokens: &[&str]) -> Vec<u8> {
    let (start, line) = pick_line(rng, text);
    let content = line.trim_end_matches(['\n', '\r']);
    let chars: Vec<usize> = content.char_indices().map(|(i, _)| i).collect();
    let at = if chars.is_empty() {
        0
    } else {
        chars[rng.below(chars.len())]
    };
    splice(text, start + at, 0, rng.pick::<&str>(tokens))
}

fn indentation(line: &str) -> &str {
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// A statement added after a random body line, at that line's indentation.
fn add_line(rng: &mut Rng, text: &str, statements: &[&str]) -> Vec<u8> {
    let (start, line) = pick_line(rng, text);
    let indent = indentation(line).to_owned();
    let statement = rng
        .pick(statements)
        .replace("\n    ", &format!("\n{indent}"));
    let statement = statement.replace("\n        ", &format!("\n{indent}    "));
    let at = start + line.len();
    let newline = if line.ends_with('\n') { "" } else { "\n" };
    splice(text, at, 0, &format!("{newline}{indent}{statement}\n"))
}

fn append(rng: &mut Rng, text: &str, statements: &[&str]) -> Vec<u8> {
    let mut out = text.as_bytes().to_vec();
    out.extend_from_slice(format!("\n{}\n", rng.pick(statements)).as_bytes());
    out
}

fn replace_once(rng: &mut Rng, text: &str, from: &str, to: &[&str]) -> Vec<u8> {
    match text.find(from) {
        Some(at) => splice(text, at, from.len(), to[rng.below(to.len())]),
        None => text.into(),
    }
}

fn bad_indent(rng: &mut Rng, text: &str) -> Vec<u8> {
    let (start, _) = pick_line(rng, text);
    let pad = *rng.pick(&[" ", "  ", "    ", "\t"]);
    splice(text, start, 0, pad)
}

fn bad_dedent(rng: &mut Rng, text: &str) -> Vec<u8> {
    let (start, line) = pick_line(rng, text);
    let indent = indentation(line).len();
    let remove = rng.range(1, indent.max(1) + 1).min(indent);
    splice(text, start, remove, "")
}

fn tab_for_spaces(rng: &mut Rng, text: &str) -> Vec<u8> {
    let (start, line) = pick_line(rng, text);
    let spaces = indentation(line).len().min(8);
    let take = rng.range(1, spaces.max(1) + 1).min(spaces);
    let with = *rng.pick(&["\t", "\t ", " \t", "\t\t"]);
    splice(text, start, take, with)
}

fn nul_byte(rng: &mut Rng, text: &str) -> Vec<u8> {
    let at = rng.below(text.len().max(1));
    let at = (0..=at)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    splice(text, at, 0, "\0")
}

fn invalid_utf8(rng: &mut Rng, text: &str) -> Vec<u8> {
    let (start, _) = pick_line(rng, text);
    let mut out = text.as_bytes()[..start].to_vec();
    let choices: [&[u8]; 3] = [b"    # caf\xe9\n", b"    s = '\xff'\n", b"    x = 1 \xc3\n"];
    let bytes = choices[rng.below(choices.len())];
    out.extend_from_slice(bytes);
    out.extend_from_slice(&text.as_bytes()[start..]);
    out
}

fn bad_cookie(rng: &mut Rng, text: &str) -> Vec<u8> {
    let cookie = *rng.pick(&[
        "# -*- coding: utf-42 -*-\n",
        "# coding: latin-1\n",
        "# vim: set fileencoding=ascii :\n",
        "# -*- coding: klingon -*-\n",
        "# coding=cp1252\n",
        "# coding: euc-jp\n",
        "# coding: utf8\n",
        "#!/usr/bin/env python\n# coding: nonsense\n",
    ]);
    let body = text.trim_start_matches("# -*- coding: utf-8 -*-\n");
    let mut out = cookie.as_bytes().to_vec();
    out.extend_from_slice(body.as_bytes());
    if rng.pct(50) {
        // A non-ASCII character in a comment: Latin-1 \xe9 or UTF-8 é.
        let extra: &[u8] = if rng.pct(50) {
            b"# caf\xe9\n"
        } else {
            "# café\n".as_bytes()
        };
        out.extend_from_slice(extra);
    }
    out
}

fn form_feed(rng: &mut Rng, text: &str) -> Vec<u8> {
    if rng.pct(40) {
        // Between top-level blocks, as old editors wrote page breaks.
        return text
            .replacen("\n\n\ndef downgrade", "\n\n\x0c\ndef downgrade", 1)
            .into_bytes();
    }
    let (start, line) = pick_line(rng, text);
    let indent = indentation(line).len();
    let at = start + rng.range(0, indent);
    splice(text, at, 0, "\x0c")
}

fn line_endings(rng: &mut Rng, text: &str) -> Vec<u8> {
    match rng.below(4) {
        0 => text.replace('\n', "\r\n").into_bytes(),
        1 => text.replace('\n', "\r").into_bytes(),
        2 => [&b"\xef\xbb\xbf"[..], text.as_bytes()].concat(),
        _ => text.replace("    ", "\t").into_bytes(),
    }
}
