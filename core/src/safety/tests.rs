use super::*;

fn rules(source: &str) -> Vec<String> {
    let facts = check_file(source, &SafetySettings::default()).expect("an upgrade()");
    facts.findings.iter().map(|f| f.rule.clone()).collect()
}

#[test]
fn non_concurrent_index_is_flagged_on_its_call() {
    let source = "def upgrade():\n    op.create_index('ix_a', 't', ['a'])\n";
    let facts = check_file(source, &SafetySettings::default()).unwrap();
    let finding = &facts.findings[0];
    assert_eq!(finding.rule, "require-concurrent-index-creation");
    assert_eq!(
        &source[finding.span.start..finding.span.end],
        "op.create_index('ix_a', 't', ['a'])"
    );
}

#[test]
fn concurrent_index_in_the_migration_transaction_is_flagged() {
    let source =
        "def upgrade():\n    op.create_index('ix_a', 't', ['a'], postgresql_concurrently=True)\n";
    let found = rules(source);
    assert!(
        found.contains(&"ban-concurrent-index-creation-in-transaction".to_owned()),
        "{found:?}"
    );
    assert!(
        !found.contains(&"require-concurrent-index-creation".to_owned()),
        "{found:?}"
    );
}

#[test]
fn concurrent_index_in_an_autocommit_block_is_fine() {
    let source = "def upgrade():\n    with op.get_context().autocommit_block():\n        op.create_index('ix_a', 't', ['a'], postgresql_concurrently=True)\n";
    let found = rules(source);
    assert!(!found.iter().any(|r| r.contains("concurrent")), "{found:?}");
}

#[test]
fn execute_findings_go_on_the_string() {
    let source = "def upgrade():\n    op.execute(\"DROP TABLE t\")\n";
    let facts = check_file(source, &SafetySettings::default()).unwrap();
    let finding = &facts.findings[0];
    assert_eq!(finding.rule, "ban-drop-table");
    assert_eq!(
        &source[finding.span.start..finding.span.end],
        "\"DROP TABLE t\""
    );
}

#[test]
fn a_variable_argument_is_not_checked() {
    let source = "def upgrade():\n    op.create_index(name, 't', ['a'])\n";
    let facts = check_file(source, &SafetySettings::default()).unwrap();
    assert!(facts.findings.is_empty());
    assert_eq!(facts.unchecked.len(), 1);
    assert_eq!(facts.unchecked[0].call, "op.create_index");
}

#[test]
fn batch_operations_alter_the_block_table() {
    let source = "def upgrade():\n    with op.batch_alter_table('t') as b:\n        b.add_column(sa.Column('c', sa.Integer(), nullable=False))\n";
    let script = script(source, &SafetySettings::default()).unwrap();
    assert!(
        script.contains("ALTER TABLE t ADD COLUMN c INTEGER NOT NULL;"),
        "{script}"
    );
    assert!(rules(source).contains(&"adding-required-field".to_owned()));
}

#[test]
fn excluded_rules_are_left_out() {
    let source = "def upgrade():\n    op.create_index('ix_a', 't', ['a'])\n";
    let settings = SafetySettings {
        excluded_rules: vec!["require-concurrent-index-creation".into()],
        ..SafetySettings::default()
    };
    let facts = check_file(source, &settings).unwrap();
    assert!(!facts.findings.is_empty(), "the timeout rules still fire");
    assert!(
        facts
            .findings
            .iter()
            .all(|f| f.rule != "require-concurrent-index-creation")
    );
}

#[test]
fn an_ignore_comment_silences_its_rule_on_its_line() {
    let source = "def upgrade():\n    op.create_index('ix_a', 't', ['a'])  # revguard: ignore[require-concurrent-index-creation]\n";
    let found = rules(source);
    assert!(
        !found.contains(&"require-concurrent-index-creation".to_owned()),
        "{found:?}"
    );
    assert!(
        found.contains(&"require-lock-timeout".to_owned()),
        "{found:?}"
    );
}

#[test]
fn the_per_file_phase_records_the_lint_and_its_settings() {
    let source = b"revision = 'a'\ndown_revision = None\n\ndef upgrade():\n    op.create_index('ix_a', 't', ['a'])\n";
    let version = crate::python::PythonVersion::DEFAULT;
    let settings = SafetySettings::default();
    let facts = crate::parse::analyze_with(source, version, Some(&settings));
    let linted = facts.safety.expect("linted");
    assert_eq!(linted.fingerprint, settings.fingerprint());
    let found = linted.facts.expect("an upgrade()");
    assert_eq!(found.findings[0].rule, "require-concurrent-index-creation");
    // No settings, or the lint off: nothing recorded.
    assert!(crate::parse::analyze(source, version).safety.is_none());
    let off = SafetySettings {
        enabled: false,
        ..SafetySettings::default()
    };
    assert!(
        crate::parse::analyze_with(source, version, Some(&off))
            .safety
            .is_none()
    );
    // A file that does not compile is not linted.
    let broken = b"def upgrade(:\n    op.create_index('ix_a', 't', ['a'])\n";
    assert!(
        crate::parse::analyze_with(broken, version, Some(&settings))
            .safety
            .is_none()
    );
}

#[test]
fn only_what_changes_the_findings_changes_the_fingerprint() {
    let base = SafetySettings::default();
    let same = SafetySettings {
        blocking: true,
        assumed: Some("no sqlalchemy.url".into()),
        transaction_note: Some("note".into()),
        ..SafetySettings::default()
    };
    assert_eq!(base.fingerprint(), same.fingerprint());
    for other in [
        SafetySettings {
            excluded_rules: vec!["ban-drop-table".into()],
            ..SafetySettings::default()
        },
        SafetySettings {
            included_rules: vec!["ban-char-field".into()],
            ..SafetySettings::default()
        },
        SafetySettings {
            pg_version: Some("13".into()),
            ..SafetySettings::default()
        },
        SafetySettings {
            assume_in_transaction: true,
            ..SafetySettings::default()
        },
        SafetySettings {
            transactional: false,
            ..SafetySettings::default()
        },
    ] {
        assert_ne!(base.fingerprint(), other.fingerprint(), "{other:?}");
    }
}
