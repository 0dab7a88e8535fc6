//! The differential corpus (`docs/alembic-semantics.md`, "The corpus";
//! values produced by alembic 1.20.1), as data-driven tests of the core's
//! graph and its Alembic prediction.

use revguard_core::{Content, InputFile, Report, Request, check};

/// Parse the corpus notation: `a; b<-a; m<-(b,c); x{d:b}; a[lib]; b²<-a; b²(base)`.
fn project(notation: &str) -> Request {
    let mut files = Vec::new();
    for (i, item) in notation
        .split(';')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .enumerate()
    {
        let mut rest = item;
        let id_end = rest.find(['<', '{', '[', '²', '(']).unwrap_or(rest.len());
        let id = &rest[..id_end];
        rest = rest[id_end..].trim_start_matches('²');
        let mut down = "None".to_owned();
        let mut deps = None;
        let mut labels = None;
        if let Some(r) = rest.strip_prefix("(base)") {
            rest = r;
        }
        if let Some(r) = rest.strip_prefix("<-") {
            if let Some(r) = r.strip_prefix('(') {
                let close = r.find(')').unwrap();
                let items: Vec<String> = r[..close]
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(|s| format!("'{s}'"))
                    .collect();
                down = if items.is_empty() {
                    "()".into()
                } else {
                    format!("({},)", items.join(", "))
                };
                rest = &r[close + 1..];
            } else {
                let end = r.find(['{', '[']).unwrap_or(r.len());
                down = format!("'{}'", &r[..end]);
                rest = &r[end..];
            }
        }
        while !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("{d:") {
                let close = r.find('}').unwrap();
                deps = Some(r[..close].to_owned());
                rest = &r[close + 1..];
            } else if let Some(r) = rest.strip_prefix('[') {
                let close = r.find(']').unwrap();
                labels = Some(r[..close].to_owned());
                rest = &r[close + 1..];
            } else {
                panic!("bad notation {item}");
            }
        }
        let mut text =
            format!("\"\"\"{id} message\n\"\"\"\nrevision = '{id}'\ndown_revision = {down}\n");
        if let Some(labels) = labels {
            let items: Vec<String> = labels.split(',').map(|s| format!("'{s}'")).collect();
            text.push_str(&format!("branch_labels = ({},)\n", items.join(", ")));
        }
        if let Some(deps) = deps {
            text.push_str(&format!("depends_on = '{deps}'\n"));
        }
        files.push(InputFile {
            location: 0,
            path: format!("{i:03}_{}.py", id.replace(['-', '+', '@', ':'], "_")),
            real_path: None,
            content: Content::Text(text),
        });
    }
    Request {
        files,
        ..Request::default()
    }
}

fn ids(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// Expected: heads, real heads, bases, real bases (None = same as the
/// versioned one), or an Alembic error kind plus one possible message.
enum Expect {
    Graph {
        h: &'static str,
        rh: Option<&'static str>,
        b: &'static str,
        rb: Option<&'static str>,
    },
    Error {
        kind: &'static str,
        message: &'static str,
    },
}
use Expect::*;

fn run(case: usize, notation: &str, expect: Expect) -> Report {
    let report = check(&project(notation));
    match expect {
        Graph { h, rh, b, rb } => {
            assert_eq!(report.alembic.error, None, "case {case}: {notation}");
            assert_eq!(report.heads, ids(h), "case {case} heads: {notation}");
            assert_eq!(
                report.real_heads,
                ids(rh.unwrap_or(h)),
                "case {case} real heads: {notation}"
            );
            assert_eq!(report.bases, ids(b), "case {case} bases: {notation}");
            assert_eq!(
                report.real_bases,
                ids(rb.unwrap_or(b)),
                "case {case} real bases: {notation}"
            );
        }
        Error { kind, message } => {
            let err = report
                .alembic
                .error
                .clone()
                .unwrap_or_else(|| panic!("case {case}: no error predicted for {notation}"));
            assert_eq!(
                err.kind.as_str(),
                kind,
                "case {case}: {notation}: {:?}",
                err.messages
            );
            assert!(
                err.messages.iter().any(|m| m == message),
                "case {case}: {notation}: {:?} lacks {message}",
                err.messages
            );
        }
    }
    report
}

fn has(report: &Report, check: &str) -> bool {
    report.diagnostics.iter().any(|d| d.check == check)
}

#[test]
fn spec_corpus_chains_and_branches() {
    run(
        1,
        "a; b<-a; c<-b",
        Graph {
            h: "c",
            rh: None,
            b: "a",
            rb: None,
        },
    );
    run(
        2,
        "a",
        Graph {
            h: "a",
            rh: None,
            b: "a",
            rb: None,
        },
    );
    let r = run(
        3,
        "",
        Graph {
            h: "",
            rh: None,
            b: "",
            rb: None,
        },
    );
    assert!(r.diagnostics.is_empty());
    let r = run(
        4,
        "a; b<-a; c<-a",
        Graph {
            h: "b, c",
            rh: None,
            b: "a",
            rb: None,
        },
    );
    assert!(
        has(&r, "multiple-heads")
            && r.alembic.upgrade_head == revguard_core::report::UpgradeHead::MultipleHeads
    );
}

#[test]
fn spec_corpus_merges_and_bases() {
    run(
        5,
        "a; b<-a; c<-a; m<-(b,c)",
        Graph {
            h: "m",
            rh: None,
            b: "a",
            rb: None,
        },
    );
    run(
        6,
        "a; b",
        Graph {
            h: "a, b",
            rh: None,
            b: "a, b",
            rb: None,
        },
    );
    let r = run(
        7,
        "a; b; m<-(a,b)",
        Graph {
            h: "m",
            rh: None,
            b: "a, b",
            rb: None,
        },
    );
    assert!(r.alembic.upgrade_head.is_ok());
    let r = run(
        8,
        "a; b<-(a,a)",
        Graph {
            h: "b",
            rh: None,
            b: "a",
            rb: None,
        },
    );
    assert!(
        r.revisions[1]
            .marks
            .contains(&revguard_core::report::Mark::Mergepoint)
    );
    run(
        9,
        "a; b<-()",
        Graph {
            h: "a, b",
            rh: None,
            b: "a, b",
            rb: None,
        },
    );
}

#[test]
fn spec_corpus_duplicates() {
    let r = run(
        10,
        "a; b<-a; b²<-a",
        Graph {
            h: "b, b",
            rh: None,
            b: "a",
            rb: None,
        },
    );
    assert_eq!(r.alembic.warnings, ["Revision b is present more than once"]);
    assert!(has(&r, "duplicate-revision") && !has(&r, "multiple-heads"));
    run(
        11,
        "a; b<-a; b²<-a; c<-b",
        Graph {
            h: "b, c",
            rh: None,
            b: "a",
            rb: None,
        },
    );
    run(
        12,
        "a; a²; b<-a",
        Graph {
            h: "a, b",
            rh: None,
            b: "a, a",
            rb: None,
        },
    );
    run(
        13,
        "a; b<-a; b²(base)",
        Graph {
            h: "a, b, b",
            rh: None,
            b: "a, b",
            rb: None,
        },
    );
}

#[test]
fn spec_corpus_dependencies_and_labels() {
    run(
        29,
        "a[lib]; b<-a; x{d:lib}",
        Graph {
            h: "b, x",
            rh: None,
            b: "a, x",
            rb: Some("a"),
        },
    );
    let r = run(
        30,
        "a; b<-a; x{d:b}",
        Graph {
            h: "b, x",
            rh: Some("x"),
            b: "a, x",
            rb: Some("a"),
        },
    );
    assert!(has(&r, "multiple-heads"));
    run(
        31,
        "a1; a2<-a1; b1; b2<-b1{d:a2}; b3<-b2{d:a2}",
        Graph {
            h: "a2, b3",
            rh: Some("b3"),
            b: "a1, b1",
            rb: None,
        },
    );
    run(
        38,
        "user_foo; user<-user_foo",
        Graph {
            h: "user",
            rh: None,
            b: "user_foo",
            rb: None,
        },
    );
    run(
        39,
        "base1; base2; base3; a1a<-base1; a1b<-base1; a2<-base2; a3<-base3; b1a<-a1a; b1b<-a1b; b2<-a2; b3<-a3; c2<-b2; d2<-c2; mergeb3d2<-(b3,d2)",
        Graph {
            h: "b1a, b1b, mergeb3d2",
            rh: None,
            b: "base1, base2, base3",
            rb: None,
        },
    );
    run(
        40,
        "base1[b_1]; a1<-base1; b1<-a1; c1<-b1; base2{d:b_1}[b_2]; a2<-base2; b2<-a2; c2<-b2; d2<-c2; base3[b_3]; a3<-base3; b3<-a3; c3<-b3{d:b2}; d3<-c3",
        Graph {
            h: "c1, d2, d3",
            rh: None,
            b: "base1, base2, base3",
            rb: Some("base1, base3"),
        },
    );
    run(
        41,
        "base1; a1<-base1; b1<-a1; c2{d:a1}; c3<-c2",
        Graph {
            h: "b1, c3",
            rh: None,
            b: "base1, c2",
            rb: Some("base1"),
        },
    );
}

#[test]
fn spec_corpus_missing_parents() {
    let r = run(
        14,
        "a; b<-z; b²<-a",
        Error {
            kind: "KeyError",
            message: "'z'",
        },
    );
    assert_eq!(r.alembic.warnings, ["Revision b is present more than once"]);
    let r = run(
        15,
        "a; b<-z; c<-b",
        Error {
            kind: "KeyError",
            message: "'z'",
        },
    );
    assert_eq!(
        r.alembic.warnings,
        ["Revision z referenced from z -> b (head), b message is not present"]
    );
    assert!(has(&r, "missing-parent"));
    run(
        16,
        "a; m<-(a,z)",
        Error {
            kind: "KeyError",
            message: "'z'",
        },
    );
}

#[test]
fn spec_corpus_loops_and_cycles() {
    run(
        17,
        "a; b<-b",
        Error {
            kind: "LoopDetected",
            message: "Self-loop is detected in revisions (b)",
        },
    );
    run(
        18,
        "a; b<-(a,b)",
        Error {
            kind: "LoopDetected",
            message: "Self-loop is detected in revisions (b)",
        },
    );
    run(
        19,
        "a; b<-a{d:b}",
        Error {
            kind: "DependencyLoopDetected",
            message: "Dependency self-loop is detected in revisions (b)",
        },
    );
    let r = run(
        20,
        "a; b<-c; c<-b",
        Error {
            kind: "CycleDetected",
            message: "Cycle is detected in revisions (b, c)",
        },
    );
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.check == "cycle" && d.message == "cycle: b -> c -> b")
    );
    let r = run(
        21,
        "a; b<-a; c<-d; d<-c; e<-c",
        Error {
            kind: "CycleDetected",
            message: "Cycle is detected in revisions (c, d, e)",
        },
    );
    let cycle = r.diagnostics.iter().find(|d| d.check == "cycle").unwrap();
    assert_eq!(cycle.message, "cycle: c -> d -> c");
    assert!(cycle.notes.iter().any(|n| n.contains("`e`")));
    run(
        22,
        "c<-b; b<-c",
        Error {
            kind: "CycleDetected",
            message: "Cycle is detected in revisions (c, b)",
        },
    );
    run(
        23,
        "a; b<-(a,c); c<-b; d<-a",
        Error {
            kind: "CycleDetected",
            message: "Cycle is detected in revisions (b, c)",
        },
    );
    run(
        24,
        "a; b<-a; c<-(b,e); d<-c; e<-d",
        Error {
            kind: "CycleDetected",
            message: "Cycle is detected in revisions (a, b, c, d, e)",
        },
    );
    run(
        25,
        "a<-c; b<-a; c<-b; d; e<-d",
        Error {
            kind: "CycleDetected",
            message: "Cycle is detected in revisions (a, b, c)",
        },
    );
    let r = run(
        26,
        "a; b<-a{d:c}; c<-b",
        Error {
            kind: "DependencyCycleDetected",
            message: "Dependency cycle is detected in revisions (a, b, c)",
        },
    );
    assert!(
        r.diagnostics
            .iter()
            .any(|d| d.check == "cycle" && d.message.starts_with("dependency cycle"))
    );
}

#[test]
fn spec_corpus_missing_dependencies() {
    run(
        27,
        "a; b<-a{d:z}",
        Error {
            kind: "KeyError",
            message: "'z'",
        },
    );
    let r = run(
        28,
        "aaaa1111; bbbb2222<-aaaa1111; x{d:bbbb}",
        Error {
            kind: "KeyError",
            message: "'bbbb'",
        },
    );
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.check == "missing-dependency")
        .unwrap();
    assert!(d.help.as_deref().unwrap().contains("bbbb2222"));
    let r = run(
        32,
        "a[lib]; b<-lib",
        Error {
            kind: "KeyError",
            message: "'lib'",
        },
    );
    let d = r
        .diagnostics
        .iter()
        .find(|d| d.check == "missing-parent")
        .unwrap();
    assert!(d.help.as_deref().unwrap().contains("did you mean `a`"));
}

#[test]
fn spec_corpus_label_and_id_errors() {
    run(
        33,
        "a[foo]; b<-a[foo]",
        Error {
            kind: "RevisionError",
            message: "Branch name 'foo' in revision b already used by revision a",
        },
    );
    run(
        33,
        "a[foo]; b<-a[foo]",
        Error {
            kind: "RevisionError",
            message: "Branch name 'foo' in revision a already used by revision b",
        },
    );
    run(
        34,
        "a; b<-a[a]",
        Error {
            kind: "RevisionError",
            message: "Branch name 'a' in revision b already used by revision a",
        },
    );
    run(
        35,
        "a[foo,foo]",
        Error {
            kind: "RevisionError",
            message: "Branch name 'foo' in revision a already used by revision a",
        },
    );
    let r = run(
        36,
        "a; b<-a[foo]; b²<-a[foo]",
        Error {
            kind: "RevisionError",
            message: "Branch name 'foo' in revision b already used by revision b",
        },
    );
    assert_eq!(r.alembic.warnings, ["Revision b is present more than once"]);
    let r = run(
        37,
        "a; b-1<-a",
        Error {
            kind: "RevisionError",
            message: "Character(s) '-' not allowed in revision identifier 'b-1'",
        },
    );
    assert!(has(&r, "invalid-revision-id"));
}

#[test]
fn reports_are_deterministic() {
    let request = project("a; b<-a; b²<-a; c<-b; x{d:zz}; y<-q");
    let first = revguard_core::to_json(&check(&request));
    for _ in 0..5 {
        assert_eq!(revguard_core::to_json(&check(&request)), first);
    }
}

#[test]
fn long_chains_do_not_recurse() {
    let n = 100_000;
    let files = (0..n)
        .map(|i| InputFile {
            location: 0,
            path: format!("r{i}_step.py"),
            real_path: None,
            content: Content::Text(if i == 0 {
                "revision = 'r0'\ndown_revision = None\n".into()
            } else {
                format!("revision = 'r{i}'\ndown_revision = 'r{}'\n", i - 1)
            }),
        })
        .collect();
    let report = check(&Request {
        files,
        ..Request::default()
    });
    assert_eq!(report.heads, [format!("r{}", n - 1)]);
    assert!(
        report.diagnostics.is_empty(),
        "{:?}",
        report.diagnostics.first()
    );
}
