use super::*;

fn settings(tool: Tool) -> SafetySettings {
    SafetySettings {
        sql_tool: Some(tool),
        ..SafetySettings::default()
    }
}

fn lint(tool: Tool, text: &str) -> SafetyFacts {
    check(text, tool, &settings(tool)).expect("something runs")
}

fn rules(tool: Tool, text: &str) -> Vec<String> {
    lint(tool, text)
        .findings
        .iter()
        .map(|f| f.rule.clone())
        .collect()
}

fn refused(tool: Tool, text: &str) -> Vec<String> {
    lint(tool, text)
        .refused
        .iter()
        .map(|r| r.error.clone())
        .collect()
}

const CIC: &str = "CREATE INDEX CONCURRENTLY ix ON t (a);\n";

#[test]
fn a_finding_is_placed_in_the_file() {
    let text = "-- the users\nCREATE INDEX ix ON users (email);\n";
    let facts = lint(Tool::Sqlx, text);
    let finding = facts
        .findings
        .iter()
        .find(|f| f.rule == "require-concurrent-index-creation")
        .expect("the rule fires");
    assert_eq!(
        &text[finding.span.start..finding.span.end],
        "CREATE INDEX ix ON users (email);"
    );
    assert_eq!(finding.sql, "CREATE INDEX ix ON users (email)");
}

#[test]
fn squawk_ignore_comments_are_honoured() {
    let text =
        "-- squawk-ignore require-concurrent-index-creation\nCREATE INDEX ix ON users (email);\n";
    assert!(!rules(Tool::Sqlx, text).contains(&"require-concurrent-index-creation".to_owned()));
}

#[test]
fn only_goose_up_section_runs() {
    let text = "-- +goose Up\nALTER TABLE t ADD COLUMN c int;\n\n-- +goose Down\nDROP TABLE t;\n";
    let found = rules(Tool::Goose, text);
    assert!(!found.contains(&"ban-drop-table".to_owned()), "{found:?}");
    let text = "-- +goose up\nDROP TABLE t;\n-- +goose down\nCREATE TABLE t (id int);\n";
    let facts = lint(Tool::Goose, text);
    let drop = &facts.findings[0];
    assert_eq!(drop.rule, "ban-drop-table");
    assert_eq!(&text[drop.span.start..drop.span.end], "DROP TABLE t;");
    assert!(
        check(
            "CREATE TABLE t (id int);\n",
            Tool::Goose,
            &settings(Tool::Goose)
        )
        .is_none()
    );
}

#[test]
fn only_dbmate_up_block_runs() {
    let text = "-- migrate:up\nCREATE TABLE t (id bigint);\n-- migrate:down\nDROP TABLE t;\n";
    assert!(!rules(Tool::Dbmate, text).contains(&"ban-drop-table".to_owned()));
    assert!(check("DROP TABLE t;\n", Tool::Dbmate, &settings(Tool::Dbmate)).is_none());
}

#[test]
fn each_tools_transaction_decides_a_concurrent_index() {
    // The tool wraps the migration: PostgreSQL refuses the statement.
    for (tool, text) in [
        (Tool::Sqlx, CIC.to_owned()),
        (Tool::Goose, format!("-- +goose Up\n{CIC}")),
        (Tool::Dbmate, format!("-- migrate:up\n{CIC}")),
        (Tool::GolangMigrate, format!("SELECT 1;\n{CIC}")),
        (Tool::Prisma, format!("SELECT 1;\n{CIC}")),
    ] {
        assert_eq!(
            refused(tool, &text),
            ["ERROR:  CREATE INDEX CONCURRENTLY cannot run inside a transaction block"],
            "{tool:?}"
        );
    }
    // Opted out of the tool's transaction, a file of several statements is
    // still one query: PostgreSQL's implicit transaction (again after a
    // COMMIT). goose runs statements one by one.
    for (tool, text) in [
        (Tool::Sqlx, format!("-- no-transaction\nSELECT 1;\n{CIC}")),
        (
            Tool::Dbmate,
            format!("-- migrate:up transaction:false\nSELECT 1;\n{CIC}"),
        ),
        (
            Tool::GolangMigrate,
            format!("BEGIN;\nSELECT 1;\nCOMMIT;\n{CIC}"),
        ),
    ] {
        assert_eq!(refused(tool, &text).len(), 1, "{tool:?}");
    }
    let goose = format!("-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;\n{CIC}");
    assert!(refused(Tool::Goose, &goose).is_empty());
    // The migration says it runs outside one, or PostgreSQL runs a single
    // statement outside one (a stray `;` is no statement).
    for (tool, text) in [
        (Tool::Sqlx, format!("-- no-transaction\n{CIC}")),
        (
            Tool::Goose,
            format!("-- +goose NO TRANSACTION\n-- +goose Up\n{CIC}"),
        ),
        (
            Tool::Dbmate,
            format!("-- migrate:up transaction:false\n{CIC}"),
        ),
        (Tool::GolangMigrate, format!("{CIC};\n")),
        (Tool::Prisma, CIC.to_owned()),
        (Tool::Flyway, format!("{CIC};")),
    ] {
        assert!(refused(tool, &text).is_empty(), "{tool:?}");
        let found = rules(tool, &text);
        assert!(
            !found.contains(&"ban-concurrent-index-creation-in-transaction".to_owned()),
            "{tool:?}: {found:?}"
        );
    }
    // sqlx reads the marker only on the first line.
    assert_eq!(
        refused(Tool::Sqlx, &format!("\n-- no-transaction\n{CIC}")).len(),
        1
    );
}

#[test]
fn flyway_refuses_a_mixed_migration_unless_mixed() {
    let text = format!("CREATE TABLE t (a int);\n{CIC}");
    let errors = refused(Tool::Flyway, &text);
    assert_eq!(
        errors,
        [
            "Detected both transactional and non-transactional statements within the same migration (even though mixed is false). Offending statement found at line 2: CREATE INDEX CONCURRENTLY ix ON t (a) [non-transactional]"
        ]
    );
    let mut mixed = settings(Tool::Flyway);
    mixed.flyway_mixed = true;
    assert!(
        check(&text, Tool::Flyway, &mixed)
            .unwrap()
            .refused
            .is_empty()
    );
    // Flyway runs a migration of only non-transactional statements outside
    // a transaction, so squawk judges it outside one.
    let two = format!("{CIC}DROP INDEX CONCURRENTLY old;\n");
    assert!(refused(Tool::Flyway, &two).is_empty());
    assert!(
        !rules(Tool::Flyway, &two)
            .contains(&"ban-concurrent-index-creation-in-transaction".to_owned())
    );
}

#[test]
fn flyway_placeholders_and_a_bom_keep_offsets() {
    let text = "\u{feff}ALTER TABLE ${schema}.t DROP COLUMN c;\n";
    let facts = lint(Tool::Flyway, text);
    assert!(facts.unchecked.is_empty(), "{:?}", facts.unchecked);
    let drop = facts
        .findings
        .iter()
        .find(|f| f.rule == "ban-drop-column")
        .expect("ban-drop-column");
    assert!(text[drop.span.start..drop.span.end].contains("DROP COLUMN c"));
}

#[test]
fn unparsable_sql_is_said_to_be_checked_in_part() {
    let facts = lint(Tool::Sqlx, "CREATE TABLE (;\n");
    assert_eq!(facts.unchecked.len(), 1);
    assert!(
        facts.unchecked[0]
            .reason
            .starts_with("squawk's parser cannot read the SQL here")
    );
}

#[test]
fn pg_version_below_12_refuses_enum_values_in_a_transaction() {
    let text = "ALTER TYPE mood ADD VALUE 'meh';\n";
    assert!(refused(Tool::Sqlx, text).is_empty());
    let mut old = settings(Tool::Sqlx);
    old.pg_version = Some("11.0".into());
    let facts = check(text, Tool::Sqlx, &old).unwrap();
    assert_eq!(
        facts.refused[0].error,
        "ERROR:  ALTER TYPE ... ADD cannot run inside a transaction block"
    );
}

#[test]
fn the_lint_key_names_the_tool() {
    let alembic = SafetySettings::default();
    assert!(!alembic.lint_key().contains(" sql "));
    assert_ne!(
        settings(Tool::Sqlx).fingerprint(),
        settings(Tool::Goose).fingerprint()
    );
    assert_ne!(alembic.fingerprint(), settings(Tool::Sqlx).fingerprint());
}

#[test]
fn refused_statements_are_named_as_postgresql_names_them() {
    for (sql, command) in [
        ("VACUUM;", "VACUUM"),
        ("VACUUM(ANALYZE) t;", "VACUUM"),
        ("DISCARD ALL;", "DISCARD ALL"),
        ("REINDEX DATABASE;", "REINDEX DATABASE"),
        ("REINDEX (VERBOSE) SCHEMA s;", "REINDEX SCHEMA"),
        ("REINDEX INDEX CONCURRENTLY ix;", "REINDEX CONCURRENTLY"),
        (
            "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;",
            "ALTER TABLE ... DETACH CONCURRENTLY",
        ),
        (
            "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p;",
            "CREATE SUBSCRIPTION ... WITH (create_slot = true)",
        ),
    ] {
        let facts = lint(Tool::Sqlx, sql);
        let names: Vec<&str> = facts.refused.iter().map(|r| r.command.as_str()).collect();
        assert_eq!(names, [command], "{sql}");
    }
    let quiet =
        "CREATE SUBSCRIPTION s CONNECTION 'dbname=x' PUBLICATION p WITH (create_slot = false);";
    assert!(lint(Tool::Sqlx, quiet).refused.is_empty());
    let mut old = settings(Tool::Sqlx);
    old.pg_version = Some("11".into());
    let same = "CREATE TYPE mood AS ENUM ('a');\nALTER TYPE mood ADD VALUE 'b';\n";
    assert!(check(same, Tool::Sqlx, &old).unwrap().refused.is_empty());
}
