//! Each tool's rules, with the tool's own messages word for word.

use super::*;

fn history(tool: Tool, files: &[(&str, &str)]) -> History {
    History {
        tool,
        files: files
            .iter()
            .map(|(name, text)| SqlFile {
                path: format!("migrations/{name}"),
                name: (*name).to_owned(),
                facts: read(text.as_bytes()),
            })
            .collect(),
        applied: None,
        applied_from: None,
        flyway: FlywayConfig::default(),
        strict: false,
    }
}

fn applied(mut h: History, rows: Vec<AppliedRow>) -> History {
    h.applied = Some(rows);
    h.applied_from = Some("database".to_owned());
    h
}

fn row(version: &str, checksum: Option<String>) -> AppliedRow {
    AppliedRow {
        checksum,
        ..AppliedRow::version(version)
    }
}

fn checks(v: &Verdict) -> Vec<(&str, Severity)> {
    v.findings
        .iter()
        .map(|f| (f.check.as_str(), f.severity))
        .collect()
}

fn runs(h: &History, v: &Verdict) -> Vec<String> {
    v.runs.iter().map(|f| h.files[*f].name.clone()).collect()
}

mod flyway_rules {
    use super::*;
    use crate::dialect::sql::flyway::{Name, Version, parse_name};

    #[test]
    fn versions_normalise_as_migration_version_does() {
        let v = |s: &str| Version::parse(s).expect(s);
        assert_eq!(v("1"), v("1.0"));
        assert_eq!(v("1"), v("01"));
        assert_eq!(v("1"), v("1_0"));
        assert_eq!(v("1.0.0"), v("1"));
        assert!(v("1.10") > v("1.9"));
        assert!(v("2") > v("1.99999999999999999999999"));
        assert_eq!(v("1_1").display, "1.1");
        assert!(Version::parse("2.add").is_none());
        assert!(Version::parse("1..2").is_none());
        assert!(Version::parse("").is_none());
    }

    #[test]
    fn names_parse_as_resource_name_parser_does() {
        let c = FlywayConfig::default();
        assert_eq!(
            parse_name("V1_2__add_users.sql", &c),
            Name::Versioned {
                version: "1_2".into(),
                description: "add users".into()
            }
        );
        assert_eq!(
            parse_name("V3.sql", &c),
            Name::Versioned {
                version: "3".into(),
                description: String::new()
            }
        );
        assert_eq!(
            parse_name("R__views.sql", &c),
            Name::Repeatable {
                description: "views".into()
            }
        );
        assert_eq!(
            parse_name("V2_add.sql", &c),
            Name::Invalid(
                "Invalid versioned migration name format: V2_add.sql (could not recognise version number 2_add)".into()
            )
        );
        assert_eq!(
            parse_name("v3__x.sql", &c),
            Name::Invalid("Unrecognised migration name format: v3__x.sql".into())
        );
        assert_eq!(
            parse_name("R1__x.sql", &c),
            Name::Invalid(
                "Invalid repeatable migration name format: R1__x.sql (unexpected version number 1)"
                    .into()
            )
        );
        assert_eq!(parse_name("afterMigrate.sql", &c), Name::Other);
        assert_eq!(parse_name("U1__undo.sql", &c), Name::Other);
        assert_eq!(parse_name("notes.txt", &c), Name::NotSql);
        let custom = FlywayConfig {
            sql_migration_prefix: "M".into(),
            sql_migration_separator: "-".into(),
            ..FlywayConfig::default()
        };
        assert_eq!(
            parse_name("M4-x.sql", &custom),
            Name::Versioned {
                version: "4".into(),
                description: "x".into()
            }
        );
    }

    #[test]
    fn normalised_duplicates_stop_migrate() {
        let h = history(
            Tool::Flyway,
            &[("V1__a.sql", "a"), ("V1.0__b.sql", "b"), ("V2__c.sql", "c")],
        );
        let v = judge(&h);
        assert_eq!(checks(&v), [("duplicate-revision", Severity::Error)]);
        assert_eq!(
            v.fails.as_deref(),
            Some(
                "Found more than one migration with version 1\nOffenders:\n-> migrations/V1__a.sql (SQL)\n-> migrations/V1.0__b.sql (SQL)"
            )
        );
        assert_eq!(v.findings[0].files, [0, 1]);
        assert!(v.runs.is_empty());
    }

    #[test]
    fn misnamed_files_are_silently_skipped() {
        let h = history(
            Tool::Flyway,
            &[("V1__a.sql", "a"), ("V2_add.sql", "b"), ("v3__x.sql", "c")],
        );
        let v = judge(&h);
        assert_eq!(
            checks(&v),
            [
                ("stray-migration", Severity::Warning),
                ("stray-migration", Severity::Warning)
            ]
        );
        assert!(v.fails.is_none());
        assert_eq!(runs(&h, &v), ["V1__a.sql"]);
        assert!(v.findings[1].notes.iter().any(|n| n.contains(
            "2 SQL migrations were detected but not run because they did not follow the filename convention."
        )));
        let mut strict = h.clone();
        strict.flyway.validate_migration_naming = true;
        let v = judge(&strict);
        assert!(
            v.fails
                .as_deref()
                .is_some_and(|f| f.starts_with("Invalid SQL filenames found:\n"))
        );
    }

    #[test]
    fn validate_against_the_history() {
        let h = history(
            Tool::Flyway,
            &[("V1__a.sql", "a"), ("V2__b.sql", "b"), ("V3__c.sql", "c")],
        );
        let crc = |s: &str| Some(checksum::flyway_crc32(s.as_bytes()).to_string());
        // V2 unapplied below V3; V1 edited.
        let h = applied(h, vec![row("1", crc("a edited")), row("3", crc("c"))]);
        let v = judge(&h);
        assert_eq!(
            checks(&v),
            [
                ("applied-migration-edited", Severity::Error),
                ("inserted-below-deployed", Severity::Error)
            ]
        );
        let expected = format!(
            "Validate failed: Migrations have failed validation\nMigration checksum mismatch for migration version 1\n-> Applied to database : {}\n-> Resolved locally    : {}\nEither revert the changes to the migration, or run repair to update the schema history.\nDetected resolved migration not applied to database: 2.\nTo ignore this migration, set -ignoreMigrationPatterns='*:ignored'. To allow executing this migration, set -outOfOrder=true.",
            checksum::flyway_crc32(b"a edited"),
            checksum::flyway_crc32(b"a")
        );
        assert_eq!(v.fails.as_deref(), Some(expected.as_str()));
        assert!(v.runs.is_empty());
    }

    #[test]
    fn deleted_applied_and_out_of_order() {
        let h = history(
            Tool::Flyway,
            &[("V1__a.sql", "a"), ("V3__c.sql", "c"), ("V4__d.sql", "d")],
        );
        let h = applied(h, vec![row("1", None), row("2", None), row("3", None)]);
        let v = judge(&h);
        assert_eq!(checks(&v), [("deployed-revision-missing", Severity::Error)]);
        assert!(v.fails.as_deref().is_some_and(|f| f.ends_with(
            "Detected applied migration not resolved locally: 2.\nIf you removed this migration intentionally, run repair to mark the migration as deleted."
        )));
        // A version above every file is "future": ignored by default.
        let h2 = applied(
            history(Tool::Flyway, &[("V1__a.sql", "a")]),
            vec![row("1", None), row("5", None)],
        );
        assert!(judge(&h2).fails.is_none());
        let mut ooo = applied(
            history(
                Tool::Flyway,
                &[("V1__a.sql", "a"), ("V2__b.sql", "b"), ("V3__c.sql", "c")],
            ),
            vec![row("1", None), row("3", None)],
        );
        ooo.flyway.out_of_order = true;
        let v = judge(&ooo);
        assert_eq!(checks(&v), [("inserted-below-deployed", Severity::Warning)]);
        assert_eq!(runs(&ooo, &v), ["V2__b.sql"]);
    }
}

mod golang_migrate_rules {
    use super::*;
    use crate::dialect::sql::golang_migrate::{Direction, parse_name};

    #[test]
    fn names_pair_up_by_version_and_direction() {
        let n = parse_name("1_a.up.sql").expect("parses");
        assert_eq!(
            (n.version, n.title.as_str(), n.direction),
            (1, "a", Direction::Up)
        );
        let n = parse_name("0002_b.c.down.sql").expect("parses");
        assert_eq!(
            (n.version, n.title.as_str(), n.direction),
            (2, "b.c", Direction::Down)
        );
        assert!(parse_name("1_a.up.sql.bak").is_some());
        assert!(parse_name("1_a.sql").is_none());
        assert!(parse_name("a_1.up.sql").is_none());
        assert!(parse_name("99999999999999999999_a.up.sql").is_none());
        let h = history(
            Tool::GolangMigrate,
            &[
                ("1_a.up.sql", "a"),
                ("1_b.down.sql", "b"),
                ("2_c.up.sql", "c"),
            ],
        );
        let v = judge(&h);
        assert!(v.findings.is_empty());
        assert_eq!(runs(&h, &v), ["1_a.up.sql", "2_c.up.sql"]);
    }

    #[test]
    fn duplicate_direction_fails_with_the_later_name() {
        let h = history(
            Tool::GolangMigrate,
            &[("1_a.up.sql", "a"), ("01_b.up.sql", "b"), ("1_a.sql", "x")],
        );
        let v = judge(&h);
        assert_eq!(
            checks(&v),
            [
                ("duplicate-revision", Severity::Error),
                ("stray-migration", Severity::Warning)
            ]
        );
        assert_eq!(
            v.fails.as_deref(),
            Some("duplicate migration file: 01_b.up.sql")
        );
    }

    #[test]
    fn below_the_deployed_version_never_runs_dirty_fails() {
        let files = [
            ("1_a.up.sql", "a"),
            ("2_b.up.sql", "b"),
            ("3_c.up.sql", "c"),
            ("4_d.up.sql", "d"),
        ];
        let mut h = history(Tool::GolangMigrate, &files);
        h.applied = Some(vec![row("1", None), row("3", None)]);
        h.applied_from = Some("lock".into());
        let v = judge(&h);
        assert_eq!(checks(&v), [("never-runs", Severity::Error)]);
        assert_eq!(v.findings[0].files, [1]);
        assert_eq!(runs(&h, &v), ["4_d.up.sql"]);
        let dirty = applied(
            history(Tool::GolangMigrate, &files),
            vec![AppliedRow {
                success: false,
                ..AppliedRow::version("3")
            }],
        );
        assert_eq!(
            judge(&dirty).fails.as_deref(),
            Some("Dirty database version 3. Fix and force version.")
        );
        let gone = applied(history(Tool::GolangMigrate, &files), vec![row("7", None)]);
        assert!(
            judge(&gone)
                .fails
                .as_deref()
                .is_some_and(|f| f.starts_with("no migration found for version 7: "))
        );
    }
}

mod goose_rules {
    use super::*;
    use crate::dialect::sql::goose::{numeric_component, parse_annotations};

    #[test]
    fn numeric_component_as_goose() {
        assert_eq!(numeric_component("00001_a.sql"), Ok(1));
        assert_eq!(
            numeric_component("20240101120000_a.sql"),
            Ok(20_240_101_120_000)
        );
        assert_eq!(
            numeric_component("init.sql"),
            Err("no filename separator '_' found".into())
        );
        assert_eq!(
            numeric_component("abc_x.sql"),
            Err("strconv.ParseInt: parsing \"abc\": invalid syntax".into())
        );
        assert_eq!(
            numeric_component("0_x.sql"),
            Err("migration IDs must be greater than zero".into())
        );
    }

    #[test]
    fn annotations() {
        assert_eq!(
            parse_annotations(b"-- +goose Up\nSELECT 1;\n-- +goose Down\n"),
            Ok(())
        );
        assert_eq!(
            parse_annotations(b""),
            Err("failed to parse migration: must start with '-- +goose Up' annotation, see https://github.com/pressly/goose#sql-migrations".into())
        );
        assert!(parse_annotations(b"SELECT 1;\n").is_err());
        assert!(parse_annotations(b"-- +goose Up\n-- +goose Up\n").is_err());
    }

    #[test]
    fn duplicates_panic_and_missing_are_refused() {
        let up = "-- +goose Up\nSELECT 1;\n";
        let h = history(Tool::Goose, &[("001_a.sql", up), ("1_b.sql", up)]);
        let v = judge(&h);
        assert_eq!(
            v.fails.as_deref(),
            Some("goose: duplicate version 1 detected:\nmigrations/001_a.sql\nmigrations/1_b.sql")
        );
        let h = history(
            Tool::Goose,
            &[
                ("1_a.sql", up),
                ("2_b.sql", up),
                ("3_c.sql", up),
                ("notes.sql", up),
            ],
        );
        assert_eq!(
            judge(&h).fails.as_deref(),
            Some(
                "could not parse SQL migration file \"migrations/notes.sql\": no filename separator '_' found"
            )
        );
        let h = applied(
            history(
                Tool::Goose,
                &[("1_a.sql", up), ("2_b.sql", up), ("3_c.sql", up)],
            ),
            vec![row("1", None), row("3", None)],
        );
        let v = judge(&h);
        assert_eq!(checks(&v), [("inserted-below-deployed", Severity::Error)]);
        assert_eq!(
            v.fails.as_deref(),
            Some(
                "error: found 1 missing migrations before current version 3:\n\tversion 2: migrations/2_b.sql"
            )
        );
    }

    #[test]
    fn an_unannotated_pending_file_fails_when_reached() {
        let up = "-- +goose Up\nSELECT 1;\n";
        let h = history(Tool::Goose, &[("1_a.sql", up), ("2_b.sql", "SELECT 2;\n")]);
        let v = judge(&h);
        assert_eq!(checks(&v), [("unreadable-revision", Severity::Error)]);
        assert_eq!(runs(&h, &v), ["1_a.sql"]);
    }
}

mod sqlx_rules {
    use super::*;
    use crate::dialect::sql::sqlx::{Kind, parse_name};

    #[test]
    fn names_resolve_as_sqlx() {
        assert_eq!(
            parse_name("1_init.sql"),
            Ok(Some((1, "init".into(), Kind::Simple)))
        );
        assert_eq!(
            parse_name("20240101_add_users.up.sql"),
            Ok(Some((20_240_101, "add users".into(), Kind::Up)))
        );
        assert_eq!(
            parse_name("2_x.down.sql").map(|n| n.map(|n| n.2)),
            Ok(Some(Kind::Down))
        );
        assert_eq!(parse_name("1-init.sql"), Ok(None));
        assert_eq!(parse_name("README.md"), Ok(None));
        assert_eq!(
            parse_name("init_schema.sql"),
            Err("error parsing migration filename \"init_schema.sql\"; expected integer version prefix (e.g. `01_foo.sql`)".into())
        );
    }

    #[test]
    fn duplicates_crash_loop() {
        let h = history(
            Tool::Sqlx,
            &[("1_a.sql", "a"), ("2_b.sql", "b"), ("2_c.sql", "c")],
        );
        let v = judge(&h);
        assert_eq!(checks(&v), [("duplicate-revision", Severity::Error)]);
        assert_eq!(
            v.fails.as_deref(),
            Some(
                "while executing migrations: error returned from database: (code: 1555) UNIQUE constraint failed: _sqlx_migrations.version"
            )
        );
        assert_eq!(runs(&h, &v), ["1_a.sql", "2_b.sql"]);
        let later = applied(
            h.clone(),
            vec![
                row("1", Some(h.files[0].facts.sha384.clone())),
                row("2", Some(h.files[1].facts.sha384.clone())),
            ],
        );
        let v = judge(&later);
        assert_eq!(
            v.fails.as_deref(),
            Some("migration 2 was previously applied but has been modified")
        );
    }

    #[test]
    fn edited_missing_dirty_and_out_of_order() {
        let h = history(
            Tool::Sqlx,
            &[
                ("1_a.sql", "a -- comment"),
                ("2_b.sql", "b"),
                ("3_c.sql", "c"),
            ],
        );
        let sha = |s: &str| Some(checksum::sha384_hex(s.as_bytes()));
        let v = judge(&applied(
            h.clone(),
            vec![row("1", sha("a")), row("3", sha("c"))],
        ));
        assert_eq!(checks(&v), [("applied-migration-edited", Severity::Error)]);
        assert_eq!(
            v.fails.as_deref(),
            Some("migration 1 was previously applied but has been modified")
        );
        let v = judge(&applied(
            h.clone(),
            vec![row("1", sha("a -- comment")), row("3", sha("c"))],
        ));
        assert_eq!(checks(&v), [("inserted-below-deployed", Severity::Warning)]);
        assert!(v.fails.is_none());
        assert_eq!(runs(&h, &v), ["2_b.sql"]);
        let v = judge(&applied(
            h.clone(),
            vec![row("1", sha("a -- comment")), row("9", sha("x"))],
        ));
        assert_eq!(
            v.fails.as_deref(),
            Some("migration 9 was previously applied but is missing in the resolved migrations")
        );
        let dirty = AppliedRow {
            success: false,
            ..AppliedRow::version("1")
        };
        assert_eq!(
            judge(&applied(h, vec![dirty])).fails.as_deref(),
            Some(
                "migration 1 is partially applied; fix and remove row from `_sqlx_migrations` table"
            )
        );
    }
}

mod dbmate_rules {
    use super::*;
    use crate::dialect::sql::dbmate::{parse_annotations, version};

    const UP: &str = "-- migrate:up\nSELECT 1;\n-- migrate:down\n";

    #[test]
    fn names_and_blocks() {
        assert_eq!(version("20240101_a.sql"), Some("20240101"));
        assert_eq!(version("001.sql"), Some("001"));
        assert_eq!(version("a_1.sql"), None);
        assert_eq!(parse_annotations(UP.as_bytes()), Ok(()));
        assert_eq!(
            parse_annotations(b"--migrate:up transaction:false\nSELECT 1;"),
            Ok(())
        );
        assert_eq!(
            parse_annotations(b"SELECT 1;"),
            Err("dbmate requires each migration to define an up block with '-- migrate:up'".into())
        );
        assert_eq!(
            parse_annotations(b"SELECT 0;\n-- migrate:up\nSELECT 1;"),
            Err("dbmate does not support statements defined outside of the '-- migrate:up' or '-- migrate:down' blocks".into())
        );
        assert_eq!(
            parse_annotations(b"-- migrate:down\n-- migrate:up\n"),
            Err("dbmate requires '-- migrate:up' to appear before '-- migrate:down'".into())
        );
    }

    #[test]
    fn applied_duplicates_never_run_and_out_of_order_runs() {
        let h = history(
            Tool::Dbmate,
            &[
                ("1_a.sql", UP),
                ("1_b.sql", UP),
                ("2_c.sql", UP),
                ("01_d.sql", UP),
            ],
        );
        let v = judge(&applied(h.clone(), vec![row("1", None), row("2", None)]));
        assert_eq!(
            checks(&v),
            [
                ("duplicate-revision", Severity::Error),
                ("inserted-below-deployed", Severity::Warning)
            ]
        );
        assert_eq!(runs(&h, &v), ["01_d.sql"]);
        let mut strict = applied(h.clone(), vec![row("1", None), row("2", None)]);
        strict.strict = true;
        assert_eq!(
            judge(&strict).fails.as_deref(),
            Some(
                "migration `01` is out of order with already applied migrations, the version number has to be higher than the applied migration `2` in --strict mode"
            )
        );
        let fresh = judge(&h);
        assert_eq!(
            fresh.fails.as_deref(),
            Some("UNIQUE constraint failed: schema_migrations.version")
        );
        assert_eq!(runs(&h, &fresh), ["01_d.sql", "1_a.sql"]);
    }

    #[test]
    fn a_directory_without_migrations_fails_up() {
        // Files that do not start with digits are skipped; none is left.
        let h = history(Tool::Dbmate, &[("notes.txt", "x"), ("readme.md", "y")]);
        let v = judge(&h);
        assert_eq!(v.fails.as_deref(), Some("no migration files found"));
        assert!(v.runs.is_empty());
        // Emptied after deploying: the applied row's file is gone, then `up` fails.
        let v = judge(&applied(history(Tool::Dbmate, &[]), vec![row("1", None)]));
        assert_eq!(
            checks(&v),
            [("deployed-revision-missing", Severity::Warning)]
        );
        assert_eq!(v.fails.as_deref(), Some("no migration files found"));
    }
}

mod prisma_rules {
    use super::*;

    #[test]
    fn deploy_checks_nothing_but_failed_rows() {
        let h = history(
            Tool::Prisma,
            &[
                ("20240101000000_init", "a"),
                ("20240102000000_b", "b"),
                ("20240103000000_c", "c"),
            ],
        );
        let sha = |s: &str| Some(checksum::sha256_hex(s.as_bytes()));
        let v = judge(&applied(
            h.clone(),
            vec![
                row("20240101000000_init", sha("a edited")),
                row("20240103000000_c", sha("c")),
                row("20231231000000_gone", sha("x")),
            ],
        ));
        assert_eq!(
            checks(&v),
            [
                ("applied-migration-edited", Severity::Warning),
                ("deployed-revision-missing", Severity::Warning),
                ("inserted-below-deployed", Severity::Warning)
            ]
        );
        assert!(v.fails.is_none());
        assert_eq!(runs(&h, &v), ["20240102000000_b"]);
        let failed = AppliedRow {
            success: false,
            started_at: Some("2024-01-01 00:00:00 UTC".into()),
            ..AppliedRow::version("20240101000000_init")
        };
        let v = judge(&applied(h, vec![failed]));
        assert!(v.fails.as_deref().is_some_and(|f| f.ends_with(
            "The `20240101000000_init` migration started at 2024-01-01 00:00:00 UTC failed"
        )));
    }
}

#[test]
fn lock_records_each_tools_checksum() {
    let h = history(Tool::Flyway, &[("V1__a.sql", "abc\n")]);
    assert_eq!(
        judge(&h).lock,
        [("1".to_owned(), (0x3524_41c2_u32 as i32).to_string())]
    );
    let h = history(Tool::Sqlx, &[("1_a.sql", "abc")]);
    assert_eq!(judge(&h).lock[0].1, checksum::sha384_hex(b"abc"));
    let h = history(Tool::Prisma, &[("1_a", "abc")]);
    assert_eq!(judge(&h).lock[0].1, checksum::sha256_hex(b"abc"));
}

#[test]
fn the_applied_copy_of_a_duplicated_version_is_not_an_edit() {
    let up = |body: &str| format!("-- migrate:up\n{body}\n-- migrate:down\n");
    let phone = up("ALTER TABLE u ADD COLUMN phone text;");
    let locale = up("ALTER TABLE u ADD COLUMN locale text;");
    let h = history(
        Tool::Dbmate,
        &[("2_add_locale.sql", &locale), ("2_add_phone.sql", &phone)],
    );
    let stored = Tool::Dbmate.checksum(&read(phone.as_bytes()));
    let v = judge(&applied(h.clone(), vec![row("2", Some(stored))]));
    assert_eq!(checks(&v), [("duplicate-revision", Severity::Error)]);
    // Neither copy matches: both count as edited.
    let v = judge(&applied(h, vec![row("2", Some("0".repeat(64)))]));
    let edited = checks(&v)
        .iter()
        .filter(|(c, _)| *c == "applied-migration-edited")
        .count();
    assert_eq!(edited, 2);
}

#[test]
fn golang_migrate_warns_of_an_edited_applied_migration_from_the_lock() {
    let h = history(
        Tool::GolangMigrate,
        &[
            ("1_a.up.sql", "CREATE TABLE a (id int);\n"),
            ("2_b.up.sql", "CREATE TABLE b (id int);\n"),
        ],
    );
    let mut locked = applied(h, vec![row("1", Some("0".repeat(64))), row("2", None)]);
    locked.applied_from = Some("lock".to_owned());
    let v = judge(&locked);
    assert_eq!(
        checks(&v),
        [("applied-migration-edited", Severity::Warning)]
    );
    assert_eq!(v.fails, None);
}

#[test]
fn goose_annotations_are_case_insensitive_as_in_goose() {
    assert_eq!(
        goose::parse_annotations(b"-- +goose up\nSELECT 1;\n-- +goose down\n"),
        Ok(())
    );
    assert!(goose::parse_annotations(b"-- +goose down\nSELECT 1;\n").is_err());
}

#[test]
fn duplicate_versions_come_from_the_shared_model_in_the_tools_order() {
    // sqlx orders versions as numbers: 9 before 10, though "10" < "9" as
    // text (the model's key order).
    let sequence: Vec<(String, usize)> = [("9", 4), ("9", 1), ("10", 0), ("11", 2), ("10", 3)]
        .iter()
        .map(|(v, f)| ((*v).to_owned(), *f))
        .collect();
    assert_eq!(
        same_version(Tool::Sqlx, &sequence),
        [("9".to_owned(), vec![4, 1]), ("10".to_owned(), vec![0, 3])]
    );
    let h = history(
        Tool::Sqlx,
        &[
            ("10_b.sql", "SELECT 2;"),
            ("9_a.sql", "SELECT 1;"),
            ("10_c.sql", "SELECT 3;"),
            ("9_d.sql", "SELECT 4;"),
        ],
    );
    let v = judge(&h);
    let duplicates: Vec<&str> = v
        .findings
        .iter()
        .filter(|d| d.check == Check::DuplicateRevision.name())
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(duplicates.len(), 2, "{duplicates:?}");
    assert!(
        duplicates[0].starts_with("2 files have sqlx version 9:"),
        "{duplicates:?}"
    );
    assert!(
        duplicates[1].starts_with("2 files have sqlx version 10:"),
        "{duplicates:?}"
    );
}
