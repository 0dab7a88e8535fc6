//! The database's version-table rows as plain request data: the plan, a
//! fresh database, several rows, an unknown row and a phantom duplicate.

use revguard_core::history::DatabaseState;
use revguard_core::{Content, InputFile, Report, Request, Severity, check};

fn request(files: &[(&str, &str)], rows: &[&str]) -> Request {
    let mut request = Request {
        files: files
            .iter()
            .map(|(path, text)| InputFile {
                location: 0,
                path: (*path).into(),
                real_path: None,
                content: Content::Text((*text).into()),
            })
            .collect(),
        ..Request::default()
    };
    request.options.history.database = Some(DatabaseState {
        url: "sqlite:///app.db".into(),
        table: "alembic_version".into(),
        rows: rows.iter().map(|r| (*r).to_owned()).collect(),
    });
    request
}

const CHAIN: &[(&str, &str)] = &[
    ("a.py", "revision = 'a'\ndown_revision = None\n"),
    ("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
    ("c.py", "revision = 'c'\ndown_revision = 'b'\n"),
];

fn find<'a>(report: &'a Report, check: &str) -> Vec<&'a revguard_core::Diagnostic> {
    report
        .diagnostics
        .iter()
        .filter(|d| d.check == check)
        .collect()
}

#[test]
fn plan_from_one_row_and_from_an_empty_table() {
    let report = check(&request(CHAIN, &["a"]));
    let plan = find(&report, "upgrade-plan");
    assert_eq!(plan.len(), 1);
    assert!(
        plan[0]
            .message
            .ends_with("from `a` runs 2 migrations, in order: `b`, `c`"),
        "{}",
        plan[0].message
    );
    assert!(!report.has_errors());
    let report = check(&request(CHAIN, &[]));
    let plan = find(&report, "upgrade-plan");
    assert!(
        plan[0]
            .message
            .contains("runs 3 migrations, in order: `a`, `b`, `c`"),
        "{}",
        plan[0].message
    );
    assert!(
        find(&report, "database-state")[0]
            .message
            .contains("a fresh database")
    );
}

#[test]
fn several_rows_warn_and_overlapping_rows_are_errors() {
    let forked: Vec<(&str, &str)> = vec![
        ("a.py", "revision = 'a'\ndown_revision = None\n"),
        ("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
        ("c.py", "revision = 'c'\ndown_revision = 'a'\n"),
        ("m.py", "revision = 'm'\ndown_revision = ('b', 'c')\n"),
    ];
    let report = check(&request(&forked, &["b", "c"]));
    let state = find(&report, "database-state");
    assert_eq!(state[0].severity, Severity::Warning);
    assert!(state[0].message.contains("2 rows"));
    let plan = find(&report, "upgrade-plan");
    assert!(
        plan[0]
            .message
            .contains("from `b` + `c` runs 1 migration, in order: `m`"),
        "{}",
        plan[0].message
    );
    // Real Alembic 1.20: "Requested revision c overlaps with other requested revisions a".
    let report = check(&request(CHAIN, &["a", "c"]));
    assert_eq!(find(&report, "database-state")[0].severity, Severity::Error);
    let plan = find(&report, "upgrade-plan");
    assert!(
        plan[0].message.ends_with(
            "cannot run: Requested revision c overlaps with other requested revisions a"
        ),
        "{}",
        plan[0].message
    );
}

#[test]
fn unknown_row_and_phantom_duplicate() {
    let report = check(&request(CHAIN, &["zz"]));
    let missing = find(&report, "deployed-revision-missing");
    assert_eq!(missing.len(), 1);
    assert!(missing[0].message.contains("the database's revision `zz`"));
    let dup: Vec<(&str, &str)> = vec![
        ("a.py", "revision = 'a'\ndown_revision = None\n"),
        ("b1.py", "revision = 'b'\ndown_revision = 'a'\n"),
        ("b2.py", "revision = 'b'\ndown_revision = 'a'\n"),
    ];
    let report = check(&request(&dup, &["b"]));
    let never = find(&report, "never-runs");
    assert_eq!(never.len(), 1);
    assert!(
        never[0]
            .message
            .starts_with("the database is at `b`, which 2 files declare")
    );
    assert!(
        never[0]
            .notes
            .iter()
            .any(|n| n.contains("phantom duplicate"))
    );
    // Below the duplicate, nothing is reported: the upgrade will run `b`.
    let report = check(&request(&dup, &["a"]));
    assert!(find(&report, "never-runs").is_empty());
}

#[test]
fn database_state_round_trips_through_the_json_entry_point() {
    let request = request(CHAIN, &["b"]);
    let json = serde_json::to_vec(&request).expect("serialise");
    let report: serde_json::Value =
        serde_json::from_slice(&revguard_core::check_json(&json)).expect("report");
    let text = report.to_string();
    assert!(text.contains("from `b` runs 1 migration"), "{text}");
}
