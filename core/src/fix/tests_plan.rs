//! Plans on small, real shapes: root causes first, verified before writing.

use super::*;

fn rev(id: &str, down: Option<&str>, extra: &str) -> String {
    let down = down.map_or("None".to_owned(), |d| format!("'{d}'"));
    format!(
        "\"\"\"{id}\n\nRevision ID: {id}\nRevises: \nCreate Date: 2026-01-01 10:00:00\n\n\"\"\"\n{extra}revision = '{id}'\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n"
    )
}

fn input(files: &[(&str, String)]) -> FixInput {
    FixInput {
        request: Request {
            files: files
                .iter()
                .map(|(path, text)| InputFile {
                    location: 0,
                    path: (*path).into(),
                    real_path: None,
                    content: Content::Text(text.clone()),
                })
                .collect(),
            ..Request::default()
        },
        entropy: "00112233445566778899aabbccddeeff".into(),
        now: "2026-02-01 10:00:00.000000".into(),
        ..FixInput::default()
    }
}

fn checks(notes: &[FixNote]) -> Vec<&str> {
    notes.iter().map(|n| n.check.as_str()).collect()
}

/// The fixed tree, re-checked from the plan's own changes.
fn after(input: &FixInput, plan: &FixPlan) -> crate::Report {
    let mut request = input.request.clone();
    for change in &plan.changes {
        let at = request.files.iter().position(|f| f.path == change.path);
        match (at, &change.create) {
            (_, Some(text)) => request.files.push(InputFile {
                location: change.location,
                path: change.path.clone(),
                real_path: None,
                content: Content::Text(text.clone()),
            }),
            (Some(i), None) if change.delete => {
                request.files.remove(i);
            }
            (Some(i), None) => {
                let old = request.files[i]
                    .content
                    .bytes()
                    .unwrap_or_default()
                    .to_vec();
                request.files[i].content = Content::from_bytes(apply(&old, &change.edits));
                if let Some(to) = &change.rename_to {
                    request.files[i].path = to.clone();
                }
            }
            (None, None) => panic!("change to an unknown file {}", change.path),
        }
    }
    crate::check(&request)
}

#[test]
fn a_fragment_off_a_missing_parent_is_never_merged() {
    let input = input(&[
        ("a_x.py", rev("a", None, "")),
        ("b_x.py", rev("b", Some("a"), "")),
        ("c_x.py", rev("c", Some("zzz999"), "")),
    ]);
    let plan = plan(&input);
    assert!(plan.changes.is_empty(), "{plan:#?}");
    assert_eq!(checks(&plan.refused), ["missing-parent", "multiple-heads"]);
    assert!(plan.refused[0].message.contains("`zzz999`"), "{plan:#?}");
    assert!(plan.refused[1].message.contains("`zzz999`"), "{plan:#?}");
    assert!(!plan.verdict.accepted);
    assert!(
        plan.verdict.reasons.iter().any(|r| r.contains("KeyError")),
        "{:?}",
        plan.verdict.reasons
    );
}

#[test]
fn parent_flag_picks_the_parent_and_the_result_is_verified() {
    let mut input = input(&[
        ("a_x.py", rev("a", None, "")),
        ("b_x.py", rev("b", Some("a"), "")),
        ("c_x.py", rev("c", Some("zzz999"), "")),
    ]);
    input.parent = vec!["b".into()];
    let plan = plan(&input);
    assert!(plan.refused.is_empty(), "{plan:#?}");
    assert!(plan.verdict.accepted, "{plan:#?}");
    assert!(plan.verdict.upgrade_head.is_ok());
    let report = after(&input, &plan);
    assert_eq!(report.heads, ["c"]);
    // An id that does not exist is refused, and so is an ambiguous bare id.
    let mut bad = input.clone();
    bad.parent = vec!["nope".into()];
    let plan = super::plan(&bad);
    assert!(plan.changes.is_empty() && !plan.verdict.accepted);
    assert!(
        plan.refused[0].message.contains("`--parent nope`"),
        "{plan:#?}"
    );
    let mut two = input.clone();
    two.request.files.push(InputFile {
        location: 0,
        path: "d_x.py".into(),
        real_path: None,
        content: Content::Text(rev("d", Some("yyy888"), "")),
    });
    let plan = super::plan(&two);
    assert!(plan.refused[0].message.contains("ambiguous"), "{plan:#?}");
    two.parent = vec!["zzz999=b".into(), "yyy888=c".into()];
    let plan = super::plan(&two);
    assert!(plan.verdict.accepted, "{plan:#?}");
    assert_eq!(after(&two, &plan).heads, ["d"]);
}

#[test]
fn several_candidates_are_offered_as_parent_choices() {
    let input = input(&[
        ("abc1_x.py", rev("abc1", None, "")),
        ("abc2_x.py", rev("abc2", Some("abc1"), "")),
        ("d_x.py", rev("d", Some("abc"), "")),
    ]);
    let plan = plan(&input);
    assert!(plan.changes.is_empty());
    let choices = &plan.refused[0].choices;
    assert_eq!(choices.len(), 2, "{plan:#?}");
    assert!(choices[0].starts_with("--parent abc1"), "{choices:?}");
    assert!(choices[1].starts_with("--parent abc2"), "{choices:?}");
}

#[test]
fn labelled_heads_are_not_merged_even_when_the_label_is_dynamic() {
    let expand = "from project.branches import EXPAND\n";
    let input = input(&[
        ("a_x.py", rev("a", None, "")),
        (
            "b_x.py",
            rev("b", Some("a"), expand)
                .replace("branch_labels = None", "branch_labels = (EXPAND,)"),
        ),
        (
            "c_x.py",
            rev("c", Some("a"), "")
                .replace("branch_labels = None", "branch_labels = ('contract',)"),
        ),
    ]);
    let plan = plan(&input);
    assert!(plan.changes.is_empty(), "{plan:#?}");
    assert_eq!(checks(&plan.refused), ["multiple-heads"]);
    let note = &plan.refused[0];
    assert!(note.message.contains("not statically known"), "{note:?}");
    assert!(note.message.contains("`contract`"), "{note:?}");
    assert!(note.choices[0].starts_with("--policy branches"), "{note:?}");
    // Under `branches` there is nothing to do and nothing is refused.
    let mut branches = input.clone();
    branches.request.options.policy = Policy::Branches;
    let plan = super::plan(&branches);
    assert!(
        plan.changes.is_empty() && plan.refused.is_empty(),
        "{plan:#?}"
    );
}

#[test]
fn two_ordinary_heads_get_a_verified_merge() {
    let input = input(&[
        ("a_x.py", rev("a", None, "")),
        ("b_x.py", rev("b", Some("a"), "")),
        ("c_x.py", rev("c", Some("a"), "")),
    ]);
    let plan = plan(&input);
    assert_eq!(checks(&plan.fixed), ["multiple-heads"]);
    assert!(plan.verdict.accepted, "{plan:#?}");
    let report = after(&input, &plan);
    assert_eq!(report.heads.len(), 1);
    assert!(report.alembic.upgrade_head.is_ok());
}

#[test]
fn cycles_and_self_references_are_refused_not_merged() {
    let input = input(&[
        ("a_x.py", rev("a", None, "")),
        ("b_x.py", rev("b", Some("a"), "")),
        ("c_x.py", rev("c", Some("c"), "")),
    ]);
    let plan = plan(&input);
    assert!(plan.changes.is_empty(), "{plan:#?}");
    assert_eq!(checks(&plan.refused), ["self-reference"]);
    assert!(!plan.verdict.accepted);
    let input = super::tests_plan::input(&[
        ("a_x.py", rev("a", None, "")),
        ("b_x.py", rev("b", Some("c"), "")),
        ("c_x.py", rev("c", Some("b"), "")),
    ]);
    let plan = plan_of(&input);
    assert!(plan.changes.is_empty(), "{plan:#?}");
    assert_eq!(checks(&plan.refused), ["cycle"]);
}

fn plan_of(input: &FixInput) -> FixPlan {
    plan(input)
}

#[test]
fn a_redated_stale_copy_is_deleted_not_renumbered() {
    let input = input(&[
        ("2024_01_01_x_base.py", rev("x", None, "")),
        ("2024_01_02_y_more.py", rev("y", Some("x"), "")),
        ("2024_01_05_a_add_users.py", rev("a", Some("x"), "")),
        ("2024_02_10_a_add_users.py", rev("a", Some("y"), "")),
    ]);
    let plan = plan(&input);
    assert_eq!(plan.changes.len(), 1, "{plan:#?}");
    let change = &plan.changes[0];
    assert!(change.delete, "{plan:#?}");
    assert_eq!(change.path, "2024_01_05_a_add_users.py");
    assert!(plan.verdict.accepted, "{plan:#?}");
    assert_eq!(after(&input, &plan).heads, ["a"]);
}

#[test]
fn a_cycle_made_by_the_kept_copy_is_explained_and_the_other_copy_stays() {
    let input = input(&[
        ("2024_01_01_x_base.py", rev("x", None, "")),
        ("2024_01_05_a_add_users.py", rev("a", Some("x"), "")),
        ("2024_01_07_y_more.py", rev("y", Some("a"), "")),
        ("2024_02_10_a_add_users.py", rev("a", Some("y"), "")),
    ]);
    let report = crate::check(&input.request);
    let cycle = report
        .diagnostics
        .iter()
        .find(|d| d.check == "cycle")
        .expect("a cycle");
    assert!(
        cycle
            .notes
            .iter()
            .any(|n| n.contains("a consequence of the duplicate `a`")),
        "{cycle:#?}"
    );
    let dup = report
        .diagnostics
        .iter()
        .find(|d| d.check == "duplicate-revision")
        .expect("a duplicate");
    assert!(
        dup.notes.iter().any(|n| n.contains("stale copy")),
        "{dup:#?}"
    );
    let help = dup.help.as_deref().unwrap_or("");
    assert!(
        help.contains("delete the stale copy `2024_02_10_a_add_users.py`"),
        "{help}"
    );
    let plan = plan(&input);
    assert_eq!(plan.changes.len(), 1, "{plan:#?}");
    assert_eq!(plan.changes[0].path, "2024_02_10_a_add_users.py");
    assert!(plan.changes[0].delete);
    assert!(plan.verdict.accepted, "{plan:#?}");
    assert_eq!(after(&input, &plan).heads, ["y"]);
}

#[test]
fn identical_stale_copies_keep_the_redated_one() {
    let input = input(&[
        ("0001_x_base.py", rev("x", None, "")),
        ("0002_a_add.py", rev("a", Some("x"), "")),
        ("0005_a_add.py", rev("a", Some("x"), "")),
    ]);
    let plan = plan(&input);
    assert_eq!(plan.changes.len(), 1, "{plan:#?}");
    assert_eq!(plan.changes[0].path, "0002_a_add.py");
    assert!(plan.fixed[0].message.contains("re-dated"), "{plan:#?}");
}

#[test]
fn a_plan_that_leaves_an_error_is_not_accepted() {
    let input = input(&[
        ("a_x.py", rev("a", None, "")),
        ("b_x.py", rev("b", Some("a_x"), "")),
        (
            "c_x.py",
            rev("c", Some("b"), "").replace("depends_on = None", "depends_on = 'nothere'"),
        ),
    ]);
    let plan = plan(&input);
    assert_eq!(checks(&plan.fixed), ["missing-parent"], "{plan:#?}");
    assert!(!plan.changes.is_empty(), "{plan:#?}");
    assert!(!plan.verdict.accepted, "{plan:#?}");
    assert!(
        plan.verdict
            .reasons
            .iter()
            .any(|r| r.starts_with("missing-dependency:")),
        "{:?}",
        plan.verdict.reasons
    );
}

#[test]
fn the_lock_decides_which_redated_copy_is_stale() {
    // The lock was written when only the old copy existed: it is the
    // applied one, so the re-dated copy goes, and the two heads left are
    // merged (verified).
    let before = input(&[
        ("2024_01_01_x_base.py", rev("x", None, "")),
        ("2024_01_05_a_add_users.py", rev("a", Some("x"), "")),
    ]);
    let lock = crate::history::render_lock(&before.request).expect("lock");
    let mut input = input(&[
        ("2024_01_01_x_base.py", rev("x", None, "")),
        ("2024_01_02_y_more.py", rev("y", Some("x"), "")),
        ("2024_01_05_a_add_users.py", rev("a", Some("x"), "")),
        ("2024_02_10_a_add_users.py", rev("a", Some("y"), "")),
    ]);
    input.request.options.history.lock = Some(crate::history::LockInput {
        path: "revguard.lock".into(),
        text: lock,
    });
    let plan = plan(&input);
    let deleted: Vec<&str> = plan
        .changes
        .iter()
        .filter(|c| c.delete)
        .map(|c| c.path.as_str())
        .collect();
    assert_eq!(deleted, ["2024_02_10_a_add_users.py"], "{plan:#?}");
    assert!(plan.fixed[0].message.contains("revguard.lock"), "{plan:#?}");
    assert_eq!(
        checks(&plan.fixed),
        ["duplicate-revision", "multiple-heads"],
        "{plan:#?}"
    );
    assert!(plan.verdict.accepted, "{plan:#?}");
    assert_eq!(after(&input, &plan).heads.len(), 1);
}
