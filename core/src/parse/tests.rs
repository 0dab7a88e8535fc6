//! Parser tests: one per production or Python rule.

use super::*;

fn parse(src: &str) -> ParsedModule<'_> {
    parse_module(src.as_bytes())
}

fn value(src: &str, attr: Attr) -> Value {
    parse(src)
        .facts
        .get(attr)
        .unwrap_or_else(|| panic!("{} not bound in {src:?}", attr.name()))
        .value
        .clone()
}

fn string(src: &str, attr: Attr) -> String {
    match value(src, attr) {
        Value::Str { value, .. } => value,
        other => panic!("not a str: {other:?}"),
    }
}

fn strs(v: &Value) -> Vec<String> {
    crate::graph::strings_of(v).expect("strings")
}

#[test]
fn plain_and_annotated_assignments() {
    assert_eq!(string("revision = 'abc'\n", Attr::Revision), "abc");
    assert_eq!(string("revision: str = \"abc\"\n", Attr::Revision), "abc");
    assert_eq!(
        string(
            "down_revision: Union[str, Sequence[str], None] = '040'\n",
            Attr::DownRevision
        ),
        "040"
    );
    assert_eq!(
        string("down_revision: str | None = '040'\n", Attr::DownRevision),
        "040"
    );
}

#[test]
fn bare_annotation_binds_nothing() {
    let m = parse("down_revision: str\nrevision = 'a'\n");
    assert!(m.facts.get(Attr::DownRevision).is_none());
    assert_eq!(m.facts.bare_annotations.len(), 1);
}

#[test]
fn chained_semicolons_and_continuations() {
    let m = parse("x = revision = 'a'; down_revision = \\\n  'b'\n");
    assert_eq!(string("x = revision = 'a'\n", Attr::Revision), "a");
    assert!(
        matches!(&m.facts.get(Attr::DownRevision).unwrap().value, Value::Str { value, .. } if value == "b")
    );
    assert!(
        matches!(&m.facts.get(Attr::Revision).unwrap().value, Value::Str { value, .. } if value == "a")
    );
}

#[test]
fn last_binding_wins() {
    assert_eq!(
        string("revision = 'a'\nrevision = 'b'\n", Attr::Revision),
        "b"
    );
}

#[test]
fn multi_line_tuples_and_lists() {
    let v = value(
        "down_revision = (\n  'a',  # first\n  'b',\n)\n",
        Attr::DownRevision,
    );
    assert_eq!(strs(&v), ["a", "b"]);
    let v = value("depends_on = ['a', 'b']\n", Attr::DependsOn);
    assert!(matches!(
        v,
        Value::Seq {
            kind: SeqKind::List,
            ..
        }
    ));
    let v = value("down_revision = 'a', 'b'\n", Attr::DownRevision);
    assert_eq!(strs(&v), ["a", "b"]);
    let v = value("down_revision = ('a',)\n", Attr::DownRevision);
    assert_eq!(strs(&v), ["a"]);
    let v = value("down_revision = ('a')\n", Attr::DownRevision);
    assert!(matches!(v, Value::Str { .. }));
    assert_eq!(
        strs(&value("down_revision = ()\n", Attr::DownRevision)),
        Vec::<String>::new()
    );
    assert!(matches!(
        value("down_revision = None\n", Attr::DownRevision),
        Value::None { .. }
    ));
}

#[test]
fn string_forms() {
    assert_eq!(string("revision = R'a\\b'\n", Attr::Revision), "a\\b");
    assert_eq!(string("revision = u'ab' \"cd\"\n", Attr::Revision), "abcd");
    assert_eq!(string("revision = '''abc'''\n", Attr::Revision), "abc");
    assert_eq!(
        string("revision = ('ab'\n  'cd')\n", Attr::Revision),
        "abcd"
    );
    assert_eq!(string("revision = 'a\\x62'\n", Attr::Revision), "ab");
}

#[test]
fn def_and_class_bodies_do_not_count() {
    let src = "revision = 'a'\ndef upgrade():\n    revision = 'zzz'\n    down_revision = 'q'\nclass X:\n    revision = 'y'\n";
    let m = parse(src);
    assert_eq!(string(src, Attr::Revision), "a");
    assert!(m.facts.get(Attr::DownRevision).is_none());
    assert!(m.facts.syntax_error.is_none());
}

#[test]
fn docstrings_and_sql_never_match() {
    let src = "\"\"\"msg\n\nrevision = 'no'\nRevision ID: abc\nRevises: 040\n\"\"\"\nop = \"revision = 'x'\"\nrevision = 'abc'\n";
    let m = parse(src);
    assert_eq!(string(src, Attr::Revision), "abc");
    let doc = m.facts.docstring.unwrap();
    assert_eq!(doc.revision_id.as_ref().unwrap().value, "abc");
    assert_eq!(doc.revises.as_ref().unwrap().value, "040");
    let span = doc.revises.unwrap().span;
    assert_eq!(&src[span.start..span.end], "040");
}

#[test]
fn dynamic_values_are_never_guessed() {
    let cases = [
        ("revision = 'bb' + 'bb'\n", "computed by an expression"),
        ("revision = os.environ.get('X')\n", "computed by calling"),
        ("revision = REV\n", "refers to the name `REV`"),
        ("revision = f'{x}'\n", "f-string"),
        ("if True:\n    revision = 'a'\n", "`if` block"),
        (
            "try:\n    revision = 'a'\nexcept Exception:\n    pass\n",
            "`try` block",
        ),
        ("from x import revision\n", "imported"),
        ("revision, down_revision = 'a', None\n", "unpacking"),
        ("revision = 'a'\nrevision += 'b'\n", "changed with `+=`"),
        ("if x: revision = 'a'\n", "`if` block"),
    ];
    for (src, reason) in cases {
        match value(src, Attr::Revision) {
            Value::Dynamic { reason: got, .. } => assert!(got.contains(reason), "{src:?}: {got}"),
            other => panic!("{src:?}: {other:?}"),
        }
    }
}

#[test]
fn literal_after_conditional_wins() {
    assert_eq!(
        string(
            "if x:\n    revision = 'a'\nrevision = 'b'\n",
            Attr::Revision
        ),
        "b"
    );
}

#[test]
fn invalid_literals() {
    assert!(matches!(
        value("revision = 1234\n", Attr::Revision),
        Value::Invalid { .. }
    ));
    assert!(matches!(
        value("revision = b'ab'\n", Attr::Revision),
        Value::Invalid { .. }
    ));
    assert!(matches!(
        value("revision = None\n", Attr::Revision),
        Value::None { .. }
    ));
}

#[test]
fn bom_crlf_tabs_and_cookie() {
    let src = b"\xEF\xBB\xBF# -*- coding: utf-8 -*-\r\nrevision = 'a'\r\ndown_revision = None\r\ndef f():\r\n\trevision = 'z'\r\n";
    let m = parse_module(src);
    assert!(m.facts.syntax_error.is_none(), "{:?}", m.facts.syntax_error);
    let b = m.facts.get(Attr::Revision).unwrap();
    assert_eq!(&src[b.name_span.start..b.name_span.end], b"revision");
    assert!(matches!(&b.value, Value::Str { value, .. } if value == "a"));
}

#[test]
fn latin1_cookie_is_decoded_with_file_offsets() {
    let m = parse_module(b"# coding: latin-1\nrevision = 'a'\n");
    assert!(m.facts.syntax_error.is_none());
    let src = b"# coding: latin-1\n# caf\xe9\nrevision = '\xe9t\xe9'\n";
    let m = parse_module(src);
    assert!(m.facts.syntax_error.is_none(), "{:?}", m.facts.syntax_error);
    let b = m.facts.get(Attr::Revision).unwrap();
    assert!(matches!(&b.value, Value::Str { value, .. } if value == "\u{e9}t\u{e9}"));
    assert_eq!(&src[b.name_span.start..b.name_span.end], b"revision");
    let m = parse_module(b"# coding: shift_jis\nrevision = '\x82\xa0'\n");
    assert!(m.facts.syntax_error.unwrap().unsupported);
    let m = parse_module(b"# coding: ascii\nrevision = '\xe9'\n");
    assert!(!m.facts.syntax_error.unwrap().unsupported);
}

#[test]
fn syntax_errors_have_spans() {
    let m = parse_module(b"revision = 'a'\ndown_revision = \xff\n");
    let err = m.facts.syntax_error.unwrap();
    assert_eq!(err.span.start, 31);
    assert!(err.message.contains("utf-8"));
    let m = parse("revision = 'a\ndown_revision = None\n");
    assert_eq!(
        m.facts.syntax_error.unwrap().message,
        "unterminated string literal"
    );
    let m = parse("revision = 'a'\n  down_revision = None\n");
    assert_eq!(m.facts.syntax_error.unwrap().message, "unexpected indent");
    let m = parse("x = (\nrevision = 'a'\n");
    assert!(m.facts.syntax_error.is_some());
}

#[test]
fn attribute_and_subscript_targets_are_not_bindings() {
    let m = parse("config.revision = 'x'\nd['revision'] = 'y'\nrevision = 'a'\n");
    assert_eq!(
        string("config.revision = 'x'\nrevision = 'a'\n", Attr::Revision),
        "a"
    );
    assert!(
        matches!(&m.facts.get(Attr::Revision).unwrap().value, Value::Str { value, .. } if value == "a")
    );
}

#[test]
fn nested_parentheses_are_bounded_like_cpython() {
    let src = format!("revision = {}'a'{}\n", "(".repeat(150), ")".repeat(150));
    assert_eq!(string(&src, Attr::Revision), "a");
    let depth = 100_000;
    let src = format!(
        "revision = 'a'\nx = {}1{}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let m = parse(&src);
    assert_eq!(
        m.facts.syntax_error.unwrap().message,
        "too many nested parentheses"
    );
}
