use crate::{project, revguard, revguard_in, stderr, stdout};

#[test]
fn incident_fails_and_names_both_files_first() {
    let out = revguard(&["check", "examples/incident-443"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let first = text.split("\n\n").next().unwrap_or("");
    assert!(first.starts_with("error[duplicate-revision]"), "{first}");
    assert!(
        first.contains("041_add_contract_audit_log.py")
            && first.contains("041_add_westside_streamlit_ro_role.py")
    );
    assert!(text.contains("keeps examples/incident-443/migrations/versions/041_add_westside_streamlit_ro_role.py (the last loaded)"));
    insta::assert_snapshot!("incident_human", text);
}

#[test]
fn incident_json_parses_and_is_versioned() {
    let out = revguard(&["check", "examples/incident-443", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["heads"], serde_json::json!(["041", "043"]));
    assert_eq!(report["diagnostics"][0]["check"], "duplicate-revision");
    assert_eq!(
        report["alembic"]["warnings"],
        serde_json::json!(["Revision 041 is present more than once"])
    );
}

#[test]
fn engines_agree_byte_for_byte_on_the_incident() {
    let wasm = revguard(&[
        "check",
        "examples/incident-443",
        "--format",
        "json",
        "--engine",
        "wasm",
    ]);
    let native = revguard(&[
        "check",
        "examples/incident-443",
        "--format",
        "json",
        "--engine",
        "native",
    ]);
    assert_eq!(stdout(&wasm), stdout(&native));
}

#[test]
fn heads_prints_what_alembic_prints() {
    let out = revguard(&["heads", "examples/incident-443"]);
    assert_eq!(out.status.code(), Some(0));
    // The phantom 041 is looked up through the map: the surviving copy has a
    // child, so no "(head)" marker, exactly like `alembic heads`.
    assert_eq!(stdout(&out), "041\n043 (head)\n");
}

const BASE: &str = "revision = 'a'\ndown_revision = None\n";

#[test]
fn heads_exits_like_alembic_heads_when_alembic_fails() {
    // A missing parent: Alembic's `heads` dies with KeyError (exit 1).
    let dir = project(&[
        ("versions/a_init.py", BASE),
        (
            "versions/b_next.py",
            "revision = 'b'\ndown_revision = 'zzz'\n",
        ),
    ]);
    let out = revguard_in(dir.path(), &["heads", "versions"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stdout(&out), "a (head)\nb (head)\n");
    assert!(
        stderr(&out).contains("`alembic heads` would fail"),
        "{}",
        stderr(&out)
    );
    // A cycle: plain `heads` is a traceback (1), `--resolve-dependencies`
    // goes through the error wrapper (FAILED, 255).
    let dir = project(&[
        ("versions/a_init.py", BASE),
        (
            "versions/b_one.py",
            "revision = 'b'\ndown_revision = ('a', 'c')\n",
        ),
        ("versions/c_two.py", "revision = 'c'\ndown_revision = 'b'\n"),
    ]);
    let plain = revguard_in(dir.path(), &["heads", "versions"]);
    assert_eq!(plain.status.code(), Some(1), "{}", stderr(&plain));
    let resolved = revguard_in(dir.path(), &["heads", "--resolve-dependencies", "versions"]);
    assert_eq!(resolved.status.code(), Some(255), "{}", stderr(&resolved));
}

#[test]
fn clean_project_exits_zero() {
    let dir = project(&[
        ("versions/a_init.py", BASE),
        (
            "versions/b_next.py",
            "revision = 'b'\ndown_revision = 'a'\n",
        ),
    ]);
    let out = revguard_in(dir.path(), &["check", "versions"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(stdout(&out), "ok: 2 revisions, head b; no findings\n");
}

#[test]
fn two_heads_name_the_shared_parent_and_a_fix() {
    let dir = project(&[
        ("versions/a_init.py", BASE),
        (
            "versions/b_left.py",
            "revision = 'b'\ndown_revision = 'a'\n",
        ),
        (
            "versions/c_right.py",
            "revision = 'c'\ndown_revision = 'a'\n",
        ),
    ]);
    let out = revguard_in(dir.path(), &["check", "versions"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("two_heads_human", stdout(&out));
}

#[test]
fn missing_parent_suggests_the_id_for_a_file_name() {
    let dir = project(&[
        ("versions/a_init.py", BASE),
        (
            "versions/b_next.py",
            "revision = 'b'\ndown_revision = 'a_init'\n",
        ),
    ]);
    let out = revguard_in(dir.path(), &["check", "versions"]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!("missing_parent_human", stdout(&out));
}

#[test]
fn alembic_ini_with_section_and_locations() {
    let dir = project(&[
        (
            "alembic.ini",
            "[other]\nscript_location = %(here)s/db\nversion_locations = %(here)s/db/v1 %(here)s/db/v2\n",
        ),
        ("db/env.py", ""),
        ("db/v1/a_init.py", BASE),
        ("db/v2/b_next.py", "revision = 'b'\ndown_revision = 'a'\n"),
    ]);
    let out = revguard_in(
        dir.path(),
        &["check", ".", "-n", "other", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["heads"], serde_json::json!(["b"]));
    assert_eq!(report["files"][0]["path"], "db/v1/a_init.py");
}

#[test]
fn tool_errors_exit_two_with_one_line() {
    let out = revguard(&["check", "does/not/exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "revguard: error: does/not/exist: no such file or directory\n"
    );
    assert!(out.stdout.is_empty());

    let dir = project(&[("alembic.ini", "[alembic]\nsqlalchemy.url = sqlite://\n")]);
    let out = revguard_in(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("No 'script_location' key found in configuration."),
        "{}",
        stderr(&out)
    );
}

#[test]
fn explain_prints_the_doc_comment() {
    let out = revguard(&["explain", "RG101"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("# duplicate-revision (RG101)"));
    assert!(text.contains("## Why is this bad?"));
    let out = revguard(&["explain"]);
    assert!(stdout(&out).lines().count() >= 19);
    let out = revguard(&["explain", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let out = revguard(&["explain", "fix"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(text.starts_with("# revguard fix"), "{text}");
    assert!(text.contains("## What it will not do"), "{text}");
    assert!(text.contains("--policy branches"), "{text}");
}

#[test]
fn invalid_utf8_is_a_syntax_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::create_dir_all(dir.path().join("versions")).expect("mkdir");
    std::fs::write(
        dir.path().join("versions/a.py"),
        b"revision = 'a'\ndown_revision = \xff\n",
    )
    .expect("write");
    let out = revguard_in(dir.path(), &["check", "versions"]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains("error[syntax-error]: versions/a.py cannot be compiled"),
        "{text}"
    );
}

/// Slips anywhere in a file fail the check, located, in CPython's words,
/// for the project's Python (here `requires-python = ">=3.9"`).
#[test]
fn syntax_errors_anywhere_in_a_file() {
    let dir = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"app\"\nrequires-python = \">=3.9\"\n",
        ),
        ("alembic.ini", "[alembic]\nscript_location = migrations\n"),
        ("migrations/versions/a_init.py", BASE),
        (
            "migrations/versions/b_print.py",
            "revision = 'b'\ndown_revision = 'a'\n\n\ndef upgrade():\n    print \"migrating\"\n",
        ),
        (
            "migrations/versions/c_match.py",
            "revision = 'c'\ndown_revision = 'b'\n\n\ndef upgrade():\n    match op:\n        case _:\n            pass\n",
        ),
        (
            "migrations/versions/d_kwarg.py",
            "revision = 'd'\ndown_revision = 'c'\n\n\ndef upgrade():\n    op.add_column('t', name=1, name=2)\n",
        ),
    ]);
    let out = revguard_in(dir.path(), &["check", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    insta::assert_snapshot!("syntax_errors_human", stdout(&out));
    let json = revguard_in(dir.path(), &["check", ".", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["python"]["version"], "3.9");
    assert_eq!(
        report["python"]["source"],
        "pyproject.toml [project] requires-python = \">=3.9\""
    );
    assert_eq!(report["alembic"]["error"]["kind"], "SyntaxError");
    // The flag wins over the project's files.
    let newer = revguard_in(
        dir.path(),
        &["check", ".", "--python-version", "3.12", "--format", "json"],
    );
    let report: serde_json::Value = serde_json::from_slice(&newer.stdout).unwrap();
    assert_eq!(report["python"]["source"], "--python-version");
    let messages: Vec<String> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["message"].as_str().unwrap_or("").to_owned())
        .collect();
    assert!(
        !messages.iter().any(|m| m.contains("match")),
        "{messages:?}"
    );
}

/// A migration whose `upgrade()` assigns an attribute chain `links` long.
fn chain_migration(links: usize) -> String {
    format!(
        "revision = 'a'\ndown_revision = None\n\n\ndef upgrade():\n    x = a{}\n",
        ".b".repeat(links)
    )
}

#[test]
fn nesting_past_cpythons_limit_is_refused() {
    // CPython 3.12 refuses 2,993 nested links whoever imports the file.
    let dir = project(&[("versions/a_deep.py", &chain_migration(3_000))]);
    let out = revguard_in(
        dir.path(),
        &["check", "versions", "--python-version", "3.12"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    insta::assert_snapshot!("nesting_refused_human", stdout(&out));
}

#[test]
fn nesting_cpython_may_refuse_is_not_validated() {
    // CPython 3.10 compiles or refuses 3,000 links depending on the
    // importer's recursion limit and stack: a warning, not a guess.
    let dir = project(&[("versions/a_deep.py", &chain_migration(3_000))]);
    let out = revguard_in(
        dir.path(),
        &["check", "versions", "--python-version", "3.10"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    insta::assert_snapshot!("nesting_not_validated_human", stdout(&out));
}

/// A data migration like a real service's: `rows()` returns a flat list of
/// 4,300 dict literals (about 650 KB). Breadth is not nesting: CPython 3.6 to
/// 3.13 compile it, so it must check healthy under both engines.
#[test]
fn a_wide_flat_literal_is_healthy_under_both_engines() {
    let mut text =
        String::from("revision = 'a'\ndown_revision = None\n\n\ndef rows():\n    return [\n");
    for i in 0..4_300 {
        text.push_str(&format!(
            "        {{'id': {i}, 'code': 'course-{i:05}', 'title': 'Introduction to topic number {i}', 'credits': {}, 'active': True, 'tags': ['lms', 'seed', 'catalogue'], 'meta': {{'source': 'import', 'rev': 'a'}}}},\n",
            i % 7
        ));
    }
    text.push_str("    ]\n\n\ndef upgrade():\n    rows()\n");
    assert!(text.len() > 600_000, "{} bytes", text.len());
    let dir = project(&[("versions/a_seed.py", &text)]);
    for engine in ["wasm", "native"] {
        let out = revguard_in(
            dir.path(),
            &["check", "versions", "--engine", engine, "--format", "json"],
        );
        let json = stdout(&out);
        assert_eq!(out.status.code(), Some(0), "{engine}: {json}");
        let report: serde_json::Value = serde_json::from_str(&json).expect("json report");
        assert_eq!(report["diagnostics"], serde_json::json!([]), "{engine}");
    }
}
