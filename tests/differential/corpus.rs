//! The differential corpus (docs/alembic-semantics.md, "The corpus"), run
//! through real Alembic.
//!
//! Each row is written in the corpus notation and parsed here:
//! `b<-a` (down_revision "a"), `m<-(b,c)` (a merge), `b<-()` (empty tuple),
//! `{d:x}` (depends_on), `[L]` / `[a,b]` (branch labels), `x²` (the same id
//! again; `x²(base)` a copy with no parent). Revisions are files in load
//! order. The expectations are the spec's, verbatim; every row is checked
//! against Alembic (proving the table) and then the core is compared with
//! Alembic on the same project, exactly as in the random suite.

use std::fmt::Write as _;
use std::path::Path;

use crate::generate::{GenFile, Project};
use crate::harness::{Actual, Oracle, Verdict, compare_case, describe_mismatch, write_project};

#[derive(Default)]
struct Expect {
    heads: Option<&'static [&'static str]>,
    real_heads: Option<&'static [&'static str]>,
    bases: Option<&'static [&'static str]>,
    real_bases: Option<&'static [&'static str]>,
    /// (kind, any of these messages)
    error: Option<(&'static str, &'static [&'static str])>,
    /// Warnings that must be present (prefix match).
    warnings: &'static [&'static str],
    /// Exactly these many distinct warnings.
    warning_count: Option<usize>,
    upgrade_head_ok: Option<bool>,
    upgrade_heads_ok: Option<bool>,
}

const DUP_B: &str = "Revision b is present more than once";

/// The table, every row in order.
fn table() -> Vec<(u32, &'static str, Expect)> {
    [
        shapes(),
        duplicates_missing_self(),
        cycles(),
        dependencies(),
        labels(),
        larger(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Heads, bases, branches, merges and empty parent tuples (rows 1-9).
fn shapes() -> Vec<(u32, &'static str, Expect)> {
    let e = Expect::default;
    vec![
        (
            1,
            "a; b<-a; c<-b",
            Expect {
                heads: Some(&["c"]),
                real_heads: Some(&["c"]),
                bases: Some(&["a"]),
                real_bases: Some(&["a"]),
                upgrade_head_ok: Some(true),
                warning_count: Some(0),
                ..e()
            },
        ),
        (
            2,
            "a",
            Expect {
                heads: Some(&["a"]),
                bases: Some(&["a"]),
                ..e()
            },
        ),
        (
            3,
            "(empty)",
            Expect {
                heads: Some(&[]),
                real_heads: Some(&[]),
                bases: Some(&[]),
                real_bases: Some(&[]),
                warning_count: Some(0),
                ..e()
            },
        ),
        (
            4,
            "a; b<-a; c<-a",
            Expect {
                heads: Some(&["b", "c"]),
                real_heads: Some(&["b", "c"]),
                upgrade_head_ok: Some(false),
                upgrade_heads_ok: Some(true),
                ..e()
            },
        ),
        (
            5,
            "a; b<-a; c<-a; m<-(b,c)",
            Expect {
                heads: Some(&["m"]),
                bases: Some(&["a"]),
                upgrade_head_ok: Some(true),
                ..e()
            },
        ),
        (
            6,
            "a; b",
            Expect {
                heads: Some(&["a", "b"]),
                bases: Some(&["a", "b"]),
                upgrade_head_ok: Some(false),
                ..e()
            },
        ),
        (
            7,
            "a; b; m<-(a,b)",
            Expect {
                heads: Some(&["m"]),
                bases: Some(&["a", "b"]),
                upgrade_head_ok: Some(true),
                ..e()
            },
        ),
        (
            8,
            "a; b<-(a,a)",
            Expect {
                heads: Some(&["b"]),
                ..e()
            },
        ),
        (
            9,
            "a; b<-()",
            Expect {
                heads: Some(&["a", "b"]),
                bases: Some(&["a", "b"]),
                ..e()
            },
        ),
    ]
}

/// Duplicated ids, missing parents and revisions that revise themselves (rows 10-18).
fn duplicates_missing_self() -> Vec<(u32, &'static str, Expect)> {
    let e = Expect::default;
    vec![
        (
            10,
            "a; b<-a; b²<-a",
            Expect {
                heads: Some(&["b", "b"]),
                real_heads: Some(&["b", "b"]),
                warnings: &[DUP_B],
                warning_count: Some(1),
                upgrade_head_ok: Some(false),
                upgrade_heads_ok: Some(true),
                ..e()
            },
        ),
        (
            11,
            "a; b<-a; b²<-a; c<-b",
            Expect {
                heads: Some(&["b", "c"]),
                warnings: &[DUP_B],
                upgrade_head_ok: Some(false),
                upgrade_heads_ok: Some(false),
                ..e()
            },
        ),
        (
            12,
            "a; a²; b<-a",
            Expect {
                heads: Some(&["a", "b"]),
                bases: Some(&["a", "a"]),
                warnings: &["Revision a is present more than once"],
                ..e()
            },
        ),
        (
            13,
            "a; b<-a; b²(base)",
            Expect {
                heads: Some(&["a", "b", "b"]),
                bases: Some(&["a", "b"]),
                warnings: &[DUP_B],
                ..e()
            },
        ),
        (
            14,
            "a; b<-z; b²<-a",
            Expect {
                error: Some(("KeyError", &["'z'"])),
                warnings: &[DUP_B],
                warning_count: Some(1),
                ..e()
            },
        ),
        (
            15,
            "a; b<-z; c<-b",
            Expect {
                error: Some(("KeyError", &["'z'"])),
                warnings: &["Revision z referenced from "],
                warning_count: Some(1),
                ..e()
            },
        ),
        (
            16,
            "a; m<-(a,z)",
            Expect {
                error: Some(("KeyError", &["'z'"])),
                warnings: &["Revision z referenced from "],
                warning_count: Some(1),
                ..e()
            },
        ),
        (
            17,
            "a; b<-b",
            Expect {
                error: Some(("LoopDetected", &["Self-loop is detected in revisions (b)"])),
                ..e()
            },
        ),
        (
            18,
            "a; b<-(a,b)",
            Expect {
                error: Some(("LoopDetected", &["Self-loop is detected in revisions (b)"])),
                ..e()
            },
        ),
    ]
}

/// Cycles, in the parents and through `depends_on` (rows 19-26).
fn cycles() -> Vec<(u32, &'static str, Expect)> {
    let e = Expect::default;
    vec![
        (
            19,
            "a; b<-a{d:b}",
            Expect {
                error: Some((
                    "DependencyLoopDetected",
                    &["Dependency self-loop is detected in revisions (b)"],
                )),
                ..e()
            },
        ),
        (
            20,
            "a; b<-c; c<-b",
            Expect {
                error: Some(("CycleDetected", &["Cycle is detected in revisions (b, c)"])),
                ..e()
            },
        ),
        (
            21,
            "a; b<-a; c<-d; d<-c; e<-c",
            Expect {
                error: Some((
                    "CycleDetected",
                    &["Cycle is detected in revisions (c, d, e)"],
                )),
                ..e()
            },
        ),
        (
            22,
            "c<-b; b<-c",
            Expect {
                error: Some(("CycleDetected", &["Cycle is detected in revisions (c, b)"])),
                ..e()
            },
        ),
        (
            23,
            "a; b<-(a,c); c<-b; d<-a",
            Expect {
                error: Some(("CycleDetected", &["Cycle is detected in revisions (b, c)"])),
                ..e()
            },
        ),
        (
            24,
            "a; b<-a; c<-(b,e); d<-c; e<-d",
            Expect {
                error: Some((
                    "CycleDetected",
                    &["Cycle is detected in revisions (a, b, c, d, e)"],
                )),
                ..e()
            },
        ),
        (
            25,
            "a<-c; b<-a; c<-b; d; e<-d",
            Expect {
                error: Some((
                    "CycleDetected",
                    &["Cycle is detected in revisions (a, b, c)"],
                )),
                ..e()
            },
        ),
        (
            26,
            "a; b<-a{d:c}; c<-b",
            Expect {
                error: Some((
                    "DependencyCycleDetected",
                    &["Dependency cycle is detected in revisions (a, b, c)"],
                )),
                ..e()
            },
        ),
    ]
}

/// `depends_on`: unknown, partial, by label, and its effect on heads (rows 27-32).
fn dependencies() -> Vec<(u32, &'static str, Expect)> {
    let e = Expect::default;
    vec![
        (
            27,
            "a; b<-a{d:z}",
            Expect {
                error: Some(("KeyError", &["'z'"])),
                warning_count: Some(0),
                ..e()
            },
        ),
        (
            28,
            "aaaa1111; bbbb2222<-aaaa1111; x{d:bbbb}",
            Expect {
                error: Some(("KeyError", &["'bbbb'"])),
                warning_count: Some(0),
                ..e()
            },
        ),
        (
            29,
            "a[lib]; b<-a; x{d:lib}",
            Expect {
                heads: Some(&["b", "x"]),
                real_heads: Some(&["b", "x"]),
                bases: Some(&["a", "x"]),
                real_bases: Some(&["a"]),
                ..e()
            },
        ),
        (
            30,
            "a; b<-a; x{d:b}",
            Expect {
                heads: Some(&["b", "x"]),
                real_heads: Some(&["x"]),
                bases: Some(&["a", "x"]),
                real_bases: Some(&["a"]),
                upgrade_head_ok: Some(false),
                upgrade_heads_ok: Some(true),
                ..e()
            },
        ),
        (
            31,
            "a1; a2<-a1; b1; b2<-b1{d:a2}; b3<-b2{d:a2}",
            Expect {
                heads: Some(&["a2", "b3"]),
                real_heads: Some(&["b3"]),
                bases: Some(&["a1", "b1"]),
                real_bases: Some(&["a1", "b1"]),
                ..e()
            },
        ),
        (
            32,
            "a[lib]; b<-lib",
            Expect {
                error: Some(("KeyError", &["'lib'"])),
                ..e()
            },
        ),
    ]
}

/// Branch labels that clash, and characters Alembic refuses in an id (rows 33-37).
fn labels() -> Vec<(u32, &'static str, Expect)> {
    let e = Expect::default;
    vec![
        (
            33,
            "a[foo]; b<-a[foo]",
            Expect {
                error: Some((
                    "RevisionError",
                    &[
                        "Branch name 'foo' in revision b already used by revision a",
                        "Branch name 'foo' in revision a already used by revision b",
                    ],
                )),
                ..e()
            },
        ),
        (
            34,
            "a; b<-a[a]",
            Expect {
                error: Some((
                    "RevisionError",
                    &["Branch name 'a' in revision b already used by revision a"],
                )),
                ..e()
            },
        ),
        (
            35,
            "a[foo,foo]",
            Expect {
                error: Some((
                    "RevisionError",
                    &["Branch name 'foo' in revision a already used by revision a"],
                )),
                ..e()
            },
        ),
        (
            36,
            "a; b<-a[foo]; b²<-a[foo]",
            Expect {
                error: Some((
                    "RevisionError",
                    &["Branch name 'foo' in revision b already used by revision b"],
                )),
                warnings: &[DUP_B],
                ..e()
            },
        ),
        (
            37,
            "a; b-1<-a",
            Expect {
                error: Some((
                    "RevisionError",
                    &["Character(s) '-' not allowed in revision identifier 'b-1'"],
                )),
                ..e()
            },
        ),
    ]
}

/// Larger, realistic histories (rows 38-41).
fn larger() -> Vec<(u32, &'static str, Expect)> {
    let e = Expect::default;
    vec![
        (
            38,
            "user_foo; user<-user_foo",
            Expect {
                heads: Some(&["user"]),
                ..e()
            },
        ),
        (
            39,
            "base1; base2; base3; a1a<-base1; a1b<-base1; a2<-base2; a3<-base3; b1a<-a1a; b1b<-a1b; b2<-a2; b3<-a3; c2<-b2; d2<-c2; mergeb3d2<-(b3,d2)",
            Expect {
                heads: Some(&["b1a", "b1b", "mergeb3d2"]),
                bases: Some(&["base1", "base2", "base3"]),
                ..e()
            },
        ),
        (
            40,
            "base1[b_1]; a1<-base1; b1<-a1; c1<-b1; base2{d:b_1}[b_2]; a2<-base2; b2<-a2; c2<-b2; d2<-c2; base3[b_3]; a3<-base3; b3<-a3; c3<-b3{d:b2}; d3<-c3",
            Expect {
                heads: Some(&["c1", "d2", "d3"]),
                real_heads: Some(&["c1", "d2", "d3"]),
                bases: Some(&["base1", "base2", "base3"]),
                real_bases: Some(&["base1", "base3"]),
                ..e()
            },
        ),
        (
            41,
            "base1; a1<-base1; b1<-a1; c2{d:a1}; c3<-c2",
            Expect {
                heads: Some(&["b1", "c3"]),
                real_heads: Some(&["b1", "c3"]),
                bases: Some(&["base1", "c2"]),
                real_bases: Some(&["base1"]),
                ..e()
            },
        ),
        (
            // A regression found after the 41 original rows. A label only
            // the shadowed copy carries: Alembic resolves the dependency to
            // the id `b` and looks it up again, so it is the kept copy that
            // stops being a real head.
            42,
            "a; b<-a[lib]; b²<-a; x<-a{d:lib}",
            Expect {
                heads: Some(&["b", "b", "x"]),
                real_heads: Some(&["b", "x"]),
                bases: Some(&["a"]),
                real_bases: Some(&["a"]),
                warnings: &[DUP_B],
                ..e()
            },
        ),
    ]
}

/// One revision of a row.
struct Rev {
    id: String,
    down: Option<Vec<String>>, // None = base; Some(vec) with len 1 = a string
    tuple: bool,
    labels: Vec<String>,
    deps: Vec<String>,
}

fn parse_row(graph: &str) -> Vec<Rev> {
    if graph == "(empty)" {
        return Vec::new();
    }
    graph
        .split(';')
        .map(|item| parse_rev(item.trim()))
        .collect()
}

fn take_id(s: &str) -> (&str, &str) {
    let end = s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
        .map(|(i, _)| i)
        .unwrap_or(s.len());
    (&s[..end], &s[end..])
}

fn list(inner: &str) -> Vec<String> {
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

fn parse_rev(item: &str) -> Rev {
    let (id, mut rest) = take_id(item);
    let mut rev = Rev {
        id: id.to_string(),
        down: None,
        tuple: false,
        labels: Vec::new(),
        deps: Vec::new(),
    };
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('²') {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("(base)") {
            rest = r;
        } else if let Some(r) = rest.strip_prefix("<-") {
            if let Some(r) = r.strip_prefix('(') {
                let close = r.find(')').expect("closing paren");
                rev.down = Some(list(&r[..close]));
                rev.tuple = true;
                rest = &r[close + 1..];
            } else {
                let (parent, r) = take_id(r);
                rev.down = Some(vec![parent.to_string()]);
                rest = r;
            }
        } else if let Some(r) = rest.strip_prefix("{d:") {
            let close = r.find('}').expect("closing brace");
            rev.deps = list(&r[..close]);
            rest = &r[close + 1..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let close = r.find(']').expect("closing bracket");
            rev.labels = list(&r[..close]);
            rest = &r[close + 1..];
        } else {
            panic!("cannot parse {item:?} at {rest:?}");
        }
    }
    rev
}

fn py_seq(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    if items.len() == 1 {
        format!("({},)", inner[0])
    } else {
        format!("({})", inner.join(", "))
    }
}

fn render(rev: &Rev) -> String {
    let down = match &rev.down {
        None => "None".to_string(),
        Some(items) if rev.tuple => py_seq(items),
        Some(items) => format!("{:?}", items[0]),
    };
    let labels = if rev.labels.is_empty() {
        "None".into()
    } else {
        py_seq(&rev.labels)
    };
    let deps = if rev.deps.is_empty() {
        "None".into()
    } else {
        py_seq(&rev.deps)
    };
    format!(
        "\"\"\"msg {id}\n\nRevision ID: {id}\n\"\"\"\nfrom alembic import op\n\nrevision = {id:?}\ndown_revision = {down}\nbranch_labels = {labels}\ndepends_on = {deps}\n\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n",
        id = rev.id
    )
}

fn project_for(graph: &str) -> Project {
    let files = parse_row(graph)
        .iter()
        .enumerate()
        .map(|(i, rev)| GenFile {
            location: 0,
            path: format!("r{i:02}_{}.py", rev.id.replace('-', "_")),
            bytes: render(rev).into_bytes(),
            link_to: None,
        })
        .collect();
    Project {
        seed: 0,
        locations: vec!["alembic/versions".into()],
        recursive: false,
        explicit_locations: false,
        separator: "os",
        files,
        dynamic_ok: false,
        tags: Vec::new(),
    }
}

fn check_expect(expect: &Expect, actual: &Actual) -> Vec<String> {
    let mut bad = Vec::new();
    type Row<'a> = (&'a str, Option<&'a [&'a str]>, &'a Option<Vec<String>>);
    let lists: [Row; 4] = [
        ("heads", expect.heads, &actual.heads),
        ("real heads", expect.real_heads, &actual.real_heads),
        ("bases", expect.bases, &actual.bases),
        ("real bases", expect.real_bases, &actual.real_bases),
    ];
    for (name, want, got) in lists {
        if let Some(want) = want {
            let got: Vec<&str> = got.iter().flatten().map(String::as_str).collect();
            if got != want {
                bad.push(format!("{name}: spec {want:?}, alembic {got:?}"));
            }
        }
    }
    match (expect.error, &actual.error) {
        (Some((kind, messages)), Some(err)) => {
            if err.kind != kind || !messages.contains(&err.message.as_str()) {
                bad.push(format!(
                    "error: spec {kind} {messages:?}, alembic {} {:?}",
                    err.kind, err.message
                ));
            }
        }
        (Some((kind, _)), None) => bad.push(format!("error: spec {kind}, alembic loaded fine")),
        (None, Some(err)) => bad.push(format!(
            "error: spec none, alembic {} {:?}",
            err.kind, err.message
        )),
        (None, None) => {}
    }
    for w in expect.warnings {
        if !actual.warnings.iter().any(|a| a.starts_with(w)) {
            bad.push(format!("warning {w:?} missing from {:?}", actual.warnings));
        }
    }
    if let Some(n) = expect.warning_count
        && actual.warnings.len() != n
    {
        bad.push(format!(
            "{n} warnings expected, alembic gave {:?}",
            actual.warnings
        ));
    }
    let ok = |o: &Option<String>| o.as_deref() == Some("ok");
    if let Some(want) = expect.upgrade_head_ok
        && ok(&actual.upgrade_head) != want
    {
        bad.push(format!(
            "upgrade head ok={want} per spec, alembic {:?}",
            actual.upgrade_head
        ));
    }
    if let Some(want) = expect.upgrade_heads_ok
        && ok(&actual.upgrade_heads) != want
    {
        bad.push(format!(
            "upgrade heads ok={want} per spec, alembic {:?}",
            actual.upgrade_heads
        ));
    }
    bad
}

pub fn run(oracle: &mut Oracle) {
    let root = tempfile::Builder::new()
        .prefix("revguard-corpus-")
        .tempdir()
        .expect("tempdir");
    let mut table_errors = String::new();
    let mut core_errors = String::new();
    let rows = table();
    // Rows past 41 are regressions found later, checked the same way.
    assert_eq!(
        rows.iter().filter(|r| r.0 <= 41).count(),
        41,
        "the corpus table has 41 original rows"
    );
    for (n, graph, expect) in &rows {
        let project = project_for(graph);
        let dir = root.path().join(format!("row-{n:02}"));
        let request = write_project(&project, &dir, 0);
        let actual = oracle.load(&dir.join("alembic.ini"));
        let bad = check_expect(expect, &actual);
        if !bad.is_empty() {
            let _ = writeln!(
                table_errors,
                "corpus row {n} `{graph}` disagrees with Alembic 1.20.1:"
            );
            for b in bad {
                let _ = writeln!(table_errors, "  * {b}");
            }
        }
        let report = revguard_core::check(&request);
        if let Verdict::Mismatch(diffs) = compare_case(&report, &actual, false) {
            let text = describe_mismatch(
                &format!("corpus row {n} `{graph}`"),
                Path::new(&dir),
                &request,
                &actual,
                &report,
                &diffs,
            );
            core_errors.push_str(&text);
        }
    }
    if !table_errors.is_empty() || !core_errors.is_empty() {
        let kept = root.keep();
        panic!(
            "{table_errors}{core_errors}\n(projects kept under {})",
            kept.display()
        );
    }
}
