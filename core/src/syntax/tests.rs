//! The slips users make, each with the message they should see.

use super::validate;
use crate::python::PythonVersion;

const HEAD: &str = "\"\"\"add users\n\nRevision ID: 041\nRevises: 040\n\"\"\"\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision = \"041\"\ndown_revision = \"040\"\n\n\n";

fn first(body: &str, version: PythonVersion) -> Option<String> {
    let text = format!("{HEAD}{body}");
    validate(&text, version).first().map(|e| e.message.clone())
}

fn at(body: &str) -> String {
    first(body, PythonVersion::DEFAULT).unwrap_or_else(|| panic!("accepted:\n{body}"))
}

#[test]
fn a_healthy_migration_compiles() {
    let body = "def upgrade():\n    op.create_table(\n        \"users\",\n        sa.Column(\"id\", sa.Integer(), primary_key=True),\n    )\n\n\ndef downgrade():\n    op.drop_table(\"users\")\n";
    assert_eq!(first(body, PythonVersion::DEFAULT), None);
}

#[test]
fn grammar_slips_read_like_cpython() {
    let cases = [
        ("def upgrade()\n    pass\n", "expected ':'"),
        (
            "def upgrade():\n    print \"hi\"\n",
            "Missing parentheses in call to 'print'. Did you mean print(...)?",
        ),
        (
            "def upgrade():\n    if x:\n    pass\n",
            "expected an indented block after 'if' statement",
        ),
        (
            "def upgrade():\n        pass\n      pass\n",
            "unindent does not match any outer indentation level",
        ),
        (
            "def upgrade():\n    pass\n        pass\n",
            "unexpected indent",
        ),
    ];
    for (body, want) in cases {
        assert_eq!(at(body), want, "{body}");
    }
}

#[test]
fn compile_stage_errors_read_like_cpython() {
    let cases = [
        (
            "def upgrade():\n    op.f(a=1, a=2)\n",
            "keyword argument repeated: a",
        ),
        (
            "def upgrade(a, a):\n    pass\n",
            "duplicate argument 'a' in function definition",
        ),
        ("return 1\n", "'return' outside function"),
        (
            "def upgrade():\n    await op.f()\n",
            "'await' outside async function",
        ),
        ("await op.f()\n", "'await' outside function"),
        ("yield 1\n", "'yield' outside function"),
        ("def upgrade():\n    break\n", "'break' outside loop"),
        (
            "def upgrade():\n    continue\n",
            "'continue' not properly in loop",
        ),
        (
            "nonlocal x\n",
            "nonlocal declaration not allowed at module level",
        ),
        (
            "def upgrade():\n    def inner():\n        nonlocal nothing\n",
            "no binding for nonlocal 'nothing' found",
        ),
    ];
    for (body, want) in cases {
        assert_eq!(at(body), want, "{body}");
    }
}

#[test]
fn scopes_are_resolved_like_cpythons_symbol_table() {
    let fine = [
        // `nonlocal` resolves against the whole enclosing body.
        "def upgrade():\n    def inner():\n        nonlocal later\n    later = 1\n",
        "def upgrade():\n    for x in y:\n        if x:\n            break\n    else:\n        pass\n",
        "async def upgrade():\n    await op.f()\n    [await x for x in y]\n",
        "def upgrade():\n    while True:\n        try:\n            continue\n        finally:\n            pass\n",
        "def upgrade():\n    return [x for x in (yield)]\n",
        "class C:\n    def m(self):\n        return 1\n",
    ];
    for body in fine {
        assert_eq!(first(body, PythonVersion::DEFAULT), None, "{body}");
    }
    // `break` in a loop's `else` belongs to no loop.
    assert_eq!(
        at("for x in y:\n    pass\nelse:\n    break\n"),
        "'break' outside loop"
    );
    // A loop around a def does not reach into it.
    assert_eq!(
        at("for x in y:\n    def f():\n        break\n"),
        "'break' outside loop"
    );
}

#[test]
fn syntax_newer_than_the_target_names_the_version() {
    let body = "def upgrade():\n    match x:\n        case 1:\n            pass\n";
    assert_eq!(first(body, PythonVersion::new(3, 10)), None);
    let message = first(body, PythonVersion::new(3, 9)).unwrap();
    assert!(message.contains("3.10"), "{message}");
    let fstring = "def upgrade():\n    op.execute(f\"{\"x\"}\")\n";
    assert_eq!(first(fstring, PythonVersion::new(3, 12)), None);
    let message = first(fstring, PythonVersion::new(3, 11)).unwrap();
    assert!(message.contains("3.12"), "{message}");
}
