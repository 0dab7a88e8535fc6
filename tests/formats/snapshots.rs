//! Every format on the incident and on a clean project, as users see it.

use std::path::Path;

use crate::{clean, code, command, incident, output, revguard, shadowed_label, stderr, stdout};

const FORMATS: [&str; 6] = ["human", "json", "sarif", "github", "gitlab", "junit"];

fn check(dir: &Path, format: &str) -> (i32, String) {
    let output = revguard(dir, &["check", "--format", format]);
    assert!(
        matches!(code(&output), 0 | 1),
        "revguard check --format {format} failed in {}:\n{}",
        dir.display(),
        stderr(&output)
    );
    (code(&output), stdout(&output))
}

#[test]
fn incident_every_format() {
    for format in FORMATS {
        let (code, out) = check(&incident(), format);
        assert_eq!(code, 1, "the incident has error-level findings ({format})");
        assert!(
            out.contains("duplicate-revision"),
            "{format} names the check:\n{out}"
        );
        insta::assert_snapshot!(format!("incident_{format}"), out);
    }
}

#[test]
fn clean_every_format() {
    for format in FORMATS {
        let (code, out) = check(&clean(), format);
        assert_eq!(code, 0, "the clean project passes ({format}):\n{out}");
        insta::assert_snapshot!(format!("clean_{format}"), out);
    }
}

#[test]
fn graph_every_format() {
    let projects = [
        ("incident", incident()),
        ("clean", clean()),
        ("shadowed_label", shadowed_label()),
    ];
    for (name, dir) in projects {
        for format in ["dot", "mermaid", "json"] {
            let output = revguard(&dir, &["graph", "--format", format]);
            assert_eq!(
                code(&output),
                0,
                "graph --format {format} on {name}: {}",
                stderr(&output)
            );
            insta::assert_snapshot!(format!("{name}_graph_{format}"), stdout(&output));
        }
    }
}

#[test]
fn github_is_chosen_on_github_actions() {
    let run = |args: &[&str]| {
        output(
            command(&incident())
                .args(args)
                .env("GITHUB_ACTIONS", "true"),
        )
    };
    let auto = run(&["check"]);
    assert_eq!(code(&auto), 1);
    let (_, github) = check(&incident(), "github");
    assert_eq!(
        stdout(&auto),
        github,
        "GITHUB_ACTIONS=true selects --format github"
    );
    assert!(stdout(&auto).starts_with("::error "), "{}", stdout(&auto));
    // An explicit format still wins.
    let json = run(&["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json report");
    assert!(report["diagnostics"].is_array());
}

#[test]
fn github_annotates_every_copy_of_a_duplicate() {
    let (_, out) = check(&incident(), "github");
    let duplicate: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("title=RG101 duplicate-revision"))
        .collect();
    assert!(
        duplicate.len() >= 2,
        "one annotation per declaring file:\n{out}"
    );
    for line in duplicate {
        assert!(
            line.starts_with("::error file=") || line.starts_with("::error title="),
            "{line}"
        );
        assert!(line.contains(",line=") && line.contains("file="), "{line}");
        assert!(!line.contains('\n'));
    }
}

#[test]
fn gitlab_fingerprints_are_unique_and_paths_relative() {
    let (_, out) = check(&incident(), "gitlab");
    let issues: Vec<serde_json::Value> = serde_json::from_str(&out).expect("a JSON array");
    assert!(!issues.is_empty());
    let mut prints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().expect("fingerprint"))
        .collect();
    let n = prints.len();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), n, "fingerprints must be unique for GitLab");
    for issue in &issues {
        for key in ["description", "check_name", "fingerprint", "severity"] {
            assert!(issue[key].is_string(), "{key} in {issue}");
        }
        let path = issue["location"]["path"].as_str().expect("path");
        assert!(
            !path.starts_with('/') && !path.starts_with("./"),
            "relative path: {path}"
        );
        assert!(
            issue["location"]["lines"]["begin"]
                .as_u64()
                .is_some_and(|l| l >= 1)
        );
        assert!(
            ["info", "minor", "major", "critical", "blocker"]
                .contains(&issue["severity"].as_str().unwrap_or(""))
        );
    }
    // Same input, same fingerprints.
    assert_eq!(check(&incident(), "gitlab").1, out);
}

#[test]
fn junit_is_red_exactly_on_errors() {
    let (_, incident_xml) = check(&incident(), "junit");
    let (_, clean_xml) = check(&clean(), "junit");
    assert!(
        incident_xml.contains("<failure type=\"RG101\""),
        "{incident_xml}"
    );
    assert!(!clean_xml.contains("<failure"), "{clean_xml}");
    assert!(clean_xml.contains(
        "<testcase name=\"duplicate-revision\" classname=\"revguard.duplicate-revision\"/>"
    ));
    for xml in [&incident_xml, &clean_xml] {
        assert!(xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"revguard\""
        ));
        assert_eq!(
            xml.matches("<testsuite ").count(),
            xml.matches("</testsuite>").count()
        );
        assert_eq!(
            xml.matches("<testcase ").count(),
            xml.matches("<testcase ").count()
        );
    }
}

#[test]
fn schema_describes_the_json_report() {
    let output = revguard(&clean(), &["schema"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let schema_text = stdout(&output);
    insta::assert_snapshot!("report_schema", schema_text);
    let schema: serde_json::Value = serde_json::from_str(&schema_text).expect("schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    for dir in [incident(), clean()] {
        let report: serde_json::Value =
            serde_json::from_str(&check(&dir, "json").1).expect("report is JSON");
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "the report of {} violates its schema:\n{}",
            dir.display(),
            errors.join("\n")
        );
    }
}

/// A Django project with conflicting leaves, in every format: the machine
/// formats carry the leaf files and the `class Migration` spans.
#[test]
fn django_every_format() {
    let example = crate::root().join("examples/django-leaf-conflict");
    for format in FORMATS {
        let output = revguard(
            &example,
            &[
                "check",
                "--dialect",
                "django",
                "--user-model",
                "accounts.User",
                "--format",
                format,
                ".",
            ],
        );
        assert_eq!(code(&output), 1, "{format}: {}", stderr(&output));
        let out = stdout(&output);
        for expected in [
            "billing/migrations/0003_invoice_currency.py",
            "billing/migrations/0003_invoice_due_date.py",
        ] {
            assert!(out.contains(expected), "{format} names {expected}:\n{out}");
        }
        insta::assert_snapshot!(format!("django_leaf_conflict_{format}"), out);
    }
}

/// `graph --dialect django` in every graph format, `heads --dialect
/// django`, and `explain` of Django's checks: what users see.
#[test]
fn django_graph_heads_and_explain() {
    let example = crate::root().join("examples/django-leaf-conflict");
    let django = ["--dialect", "django", "--user-model", "accounts.User"];
    for format in ["dot", "mermaid", "json"] {
        let args = [&["graph"][..], &django, &["--format", format, "."]].concat();
        let output = revguard(&example, &args);
        assert_eq!(code(&output), 0, "{format}: {}", stderr(&output));
        insta::assert_snapshot!(format!("django_graph_{format}"), stdout(&output));
    }
    let heads = revguard(&example, &[&["heads"][..], &django, &["."]].concat());
    assert_eq!(code(&heads), 0, "{}", stderr(&heads));
    insta::assert_snapshot!("django_heads", stdout(&heads));
    for check in ["multiple-leaves", "RG102", "cycle"] {
        let output = revguard(&example, &["explain", check]);
        assert_eq!(code(&output), 0, "{check}: {}", stderr(&output));
        let out = stdout(&output);
        assert!(out.contains("Django"), "{check}: {out}");
        insta::assert_snapshot!(format!("django_explain_{check}"), out);
    }
}

/// `explain` of the SQL-file tools' checks: each check's page for one tool
/// that reports it (`--dialect TOOL`), and a shared check's page for every
/// dialect (Alembic's, then the SQL tools').
#[test]
fn sql_tools_explain() {
    let example = crate::root().join("examples/sqlx-duplicate-version");
    let pages = [
        ("sqlx", "duplicate-revision"),
        ("flyway", "RG101"),
        ("goose", "invalid-revision-id"),
        ("dbmate", "unreadable-revision"),
        ("flyway", "stray-migration"),
        ("goose", "inserted-below-deployed"),
        ("golang-migrate", "deployed-revision-missing"),
        ("sqlx", "applied-migration-edited"),
        ("golang-migrate", "database-state"),
        ("golang-migrate", "never-runs"),
        ("sqlx", "fails-in-transaction"),
    ];
    for (tool, check) in pages {
        let output = revguard(&example, &["explain", "--dialect", tool, check]);
        assert_eq!(code(&output), 0, "{tool} {check}: {}", stderr(&output));
        let out = stdout(&output);
        assert!(out.contains(&format!(", {tool})")), "{tool} {check}: {out}");
        insta::assert_snapshot!(format!("sql_explain_{tool}_{check}"), out);
    }
    let output = revguard(&example, &["explain", "applied-migration-edited"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.starts_with("# applied-migration-edited (RG303)\n")
            && out.contains("# applied-migration-edited (RG303): for the SQL-file tools")
            && out.contains("### sqlx\n"),
        "{out}"
    );
    insta::assert_snapshot!("sql_explain_applied-migration-edited", out);
    // A check only the SQL tools have: their page alone.
    let output = revguard(&example, &["explain", "RG402"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.starts_with("# fails-in-transaction (RG402): for the SQL-file tools"),
        "{out}"
    );
    // A check the SQL tools do not have, asked of one.
    let output = revguard(&example, &["explain", "--dialect", "sqlx", "cycle"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).contains("`cycle` is not a check sqlx reports"),
        "{}",
        stderr(&output)
    );
}
