//! The graph's edges in the report: every `down_revision` and `depends_on`
//! entry resolved once, by Alembic's rules, and the owner of every branch
//! label, so no face has to re-derive them.

use revguard_core::{Content, InputFile, Location, Request, check};

/// A migration file: `(name, revision, down_revision, branch_labels, depends_on)`
/// with Python literals for the last three.
fn project(files: &[(&str, &str, &str, &str, &str)]) -> Request {
    Request {
        locations: vec![Location {
            path: "versions".into(),
        }],
        files: files
            .iter()
            .map(|(name, rev, down, labels, deps)| InputFile {
                location: 0,
                path: (*name).into(),
                real_path: None,
                content: Content::Text(format!(
                    "revision = {rev:?}\ndown_revision = {down}\nbranch_labels = {labels}\ndepends_on = {deps}\n"
                )),
            })
            .collect(),
        ..Request::default()
    }
}

#[test]
fn a_label_on_a_shadowed_copy_names_the_kept_copy() {
    // Checked with Alembic 1.20.1: heads (a, a, c), real heads (a, c): the
    // dependency on `lib` removes the kept `a` from the real heads, because
    // Alembic turns the label into the id `a` and looks it up again.
    let report = check(&project(&[
        ("aaa_base.py", "base0", "None", "None", "None"),
        ("bbb_a1.py", "a", "'base0'", "('lib',)", "None"),
        ("ccc_a2.py", "a", "'base0'", "None", "None"),
        ("ddd_c.py", "c", "'base0'", "None", "'lib'"),
    ]));
    assert_eq!(report.heads, ["a", "a", "c"]);
    assert_eq!(report.real_heads, ["a", "c"]);
    assert!(report.revisions[1].shadowed);
    assert_eq!(report.label_owners.get("lib"), Some(&1));
    assert_eq!(report.revisions[3].dependencies, [Some(2)]);
    assert_eq!(report.revisions[3].parents, [Some(0)]);
}

#[test]
fn parents_resolve_ids_only_and_dependencies_ids_then_labels() {
    let report = check(&project(&[
        ("a.py", "a", "None", "('lib',)", "None"),
        ("b.py", "b", "'a'", "None", "('lib', 'a', 'gone')"),
        ("c.py", "c", "('b', 'lib', 'nowhere')", "None", "None"),
    ]));
    let c = &report.revisions[2];
    assert_eq!(c.down_revisions, ["b", "lib", "nowhere"]);
    // A branch label is no parent: Alembic fails on it with a KeyError.
    assert_eq!(c.parents, [Some(1), None, None]);
    assert_eq!(report.revisions[1].dependencies, [Some(0), Some(0), None]);
    assert_eq!(report.revisions[0].parents, Vec::<Option<usize>>::new());
}

#[test]
fn a_duplicate_id_resolves_to_the_copy_loaded_last() {
    let report = check(&project(&[
        ("a.py", "a", "None", "None", "None"),
        ("b1.py", "b", "'a'", "None", "None"),
        ("b2.py", "b", "'a'", "None", "None"),
        ("c.py", "c", "'b'", "None", "'b'"),
    ]));
    assert_eq!(report.revisions[3].parents, [Some(2)]);
    assert_eq!(report.revisions[3].dependencies, [Some(2)]);
    // The shadowed copy's own parent still resolves (faces draw it).
    assert_eq!(report.revisions[1].parents, [Some(0)]);
}

#[test]
fn a_clashing_label_belongs_to_its_first_carrier() {
    let report = check(&project(&[
        ("a.py", "a", "None", "('lib',)", "None"),
        ("b.py", "b", "'a'", "('lib', 'b')", "None"),
        ("c.py", "c", "'b'", "None", "'lib'"),
    ]));
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.check == "branch-label-conflict")
    );
    assert_eq!(
        report.label_owners.into_iter().collect::<Vec<_>>(),
        [("lib".to_owned(), 0)]
    );
    assert_eq!(report.revisions[2].dependencies, [Some(0)]);
}
