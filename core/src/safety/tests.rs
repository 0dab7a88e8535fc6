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
