//! Locating a history in a list of paths, for the layouts each tool uses.
//! (The bundled examples are also compared with the CLI's discovery, on
//! disk, by the host's `formats` suite.)

use super::*;

const GOOSE: &str = "-- +goose Up\nCREATE TABLE a (id int);\n";
const DBMATE: &str = "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\n";
const SQL: &str = "CREATE TABLE a (id int);\n";

fn found(files: &[(&str, &str)], tool: Option<Tool>) -> Option<(Tool, Vec<String>, Vec<String>)> {
    let list: Vec<(&str, &[u8])> = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    let located = locate(&list, tool)?;
    let paths = located
        .files
        .iter()
        .map(|(i, name)| format!("{}={name}", files[*i].0))
        .collect();
    Some((located.tool, located.dirs, paths))
}

fn names(found: &Option<(Tool, Vec<String>, Vec<String>)>) -> (Tool, Vec<String>) {
    let (tool, dirs, _) = found.as_ref().expect("a history");
    (*tool, dirs.clone())
}

#[test]
fn flyway_from_its_configuration_on_the_classpath() {
    let files = [
        ("flyway.conf", "flyway.locations=classpath:db/migration\n"),
        ("src/main/resources/db/migration/V2__b.sql", SQL),
        ("src/main/resources/db/migration/V1__a.sql", SQL),
        ("src/main/resources/db/migration/sub/V3__c.sql", SQL),
        ("README.md", "# x\n"),
    ];
    let got = found(&files, None);
    assert_eq!(
        names(&got),
        (
            Tool::Flyway,
            vec!["src/main/resources/db/migration".to_owned()]
        )
    );
    assert_eq!(
        got.unwrap().2,
        [
            "src/main/resources/db/migration/V1__a.sql=V1__a.sql",
            "src/main/resources/db/migration/V2__b.sql=V2__b.sql",
            "src/main/resources/db/migration/sub/V3__c.sql=V3__c.sql",
        ]
    );
}

#[test]
fn flyway_toml_locations_and_naming() {
    let files = [
        (
            "flyway.toml",
            "[environments.x]\nurl = \"jdbc:x\"\n[flyway]\nlocations = [\"filesystem:sql/app\"]\nsqlMigrationSeparator = \"-\"\n",
        ),
        ("sql/app/V1-a.sql", SQL),
    ];
    let list: Vec<(&str, &[u8])> = files.iter().map(|(p, t)| (*p, t.as_bytes())).collect();
    let located = locate(&list, None).expect("flyway");
    assert_eq!(located.tool, Tool::Flyway);
    assert_eq!(located.dirs, ["sql/app"]);
    assert_eq!(located.flyway.sql_migration_separator, "-");
}

#[test]
fn each_tool_by_its_layout() {
    let sqlx = [
        ("Cargo.toml", "[dependencies]\nsqlx = \"0.8\"\n"),
        ("migrations/1_a.sql", SQL),
    ];
    assert_eq!(names(&found(&sqlx, None)).0, Tool::Sqlx);
    let prisma = [
        ("prisma/migrations/20240101_init/migration.sql", SQL),
        (
            "prisma/migrations/migration_lock.toml",
            "provider = \"postgresql\"\n",
        ),
        ("prisma/schema.prisma", ""),
    ];
    let got = found(&prisma, None);
    assert_eq!(
        names(&got),
        (Tool::Prisma, vec!["prisma/migrations".to_owned()])
    );
    assert_eq!(
        got.unwrap().2,
        ["prisma/migrations/20240101_init/migration.sql=20240101_init"]
    );
    let dbmate = [("db/migrations/20240101_a.sql", DBMATE)];
    assert_eq!(
        names(&found(&dbmate, None)),
        (Tool::Dbmate, vec!["db/migrations".to_owned()])
    );
    let dbmate_env = [
        (".env", "DBMATE_MIGRATIONS_DIR=\"sql\"\n"),
        ("sql/1_a.sql", DBMATE),
    ];
    assert_eq!(
        names(&found(&dbmate_env, None)),
        (Tool::Dbmate, vec!["sql".to_owned()])
    );
    let golang = [
        ("service/db/1_a.up.sql", SQL),
        ("service/db/1_a.down.sql", SQL),
    ];
    assert_eq!(
        names(&found(&golang, None)),
        (Tool::GolangMigrate, vec!["service/db".to_owned()])
    );
    let goose = [("db/1_a.sql", GOOSE), ("db/2_b.sql", GOOSE)];
    assert_eq!(
        names(&found(&goose, None)),
        (Tool::Goose, vec!["db".to_owned()])
    );
}

#[test]
fn a_dropped_migration_directory_alone_is_read_by_its_file_shape() {
    let flyway = [("V1__a.sql", SQL), ("V1.0__b.sql", SQL)];
    let got = found(&flyway, None);
    assert_eq!(names(&got), (Tool::Flyway, vec![".".to_owned()]));
    assert_eq!(
        got.unwrap().2,
        ["V1.0__b.sql=V1.0__b.sql", "V1__a.sql=V1__a.sql"]
    );
    let sqlx = [("20240101_a.sql", SQL), ("20240102_b.sql", SQL)];
    assert_eq!(names(&found(&sqlx, None)).0, Tool::Sqlx);
    let prisma = [
        ("20240101_init/migration.sql", SQL),
        ("migration_lock.toml", ""),
    ];
    assert_eq!(names(&found(&prisma, None)).0, Tool::Prisma);
    // goose and dbmate are found at the top by their annotations.
    assert_eq!(names(&found(&[("1_a.sql", GOOSE)], None)).0, Tool::Goose);
    assert_eq!(names(&found(&[("1_a.sql", DBMATE)], None)).0, Tool::Dbmate);
    // A chosen tool takes the files as they are.
    assert_eq!(
        names(&found(&[("1_a.sql", SQL)], Some(Tool::Dbmate))),
        (Tool::Dbmate, vec![".".to_owned()])
    );
    // Nothing migration-shaped: nothing found.
    assert_eq!(found(&[("notes.txt", "x")], None), None);
    assert_eq!(found(&[], Some(Tool::Flyway)), None);
}

#[test]
fn alembic_projects_are_left_to_alembic() {
    let yes = |paths: &[&str]| {
        let list: Vec<(&str, &[u8])> = paths.iter().map(|p| (*p, &b""[..])).collect();
        looks_like_alembic(&list)
    };
    assert!(yes(&["alembic.ini", "migrations/env.py"]));
    assert!(yes(&["env.py", "versions/a.py"]));
    assert!(yes(&["a_first.py", "b_second.py"]));
    assert!(!yes(&["migrations/1_a.sql", "scripts/tool.py"]));
}

#[test]
fn the_lock_of_the_tool() {
    let text = "# c\ndialect prisma\n20240101_init abc\r\n";
    let rows = parse_lock(text, Tool::Prisma).unwrap().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].version, "20240101_init");
    assert_eq!(rows[0].checksum.as_deref(), Some("abc"));
    assert_eq!(parse_lock(text, Tool::Sqlx), Ok(None));
    assert_eq!(
        parse_lock("dialect sqlx\nnonsense\n", Tool::Sqlx),
        Err((2, "expected `<version> <checksum>`".to_owned()))
    );
}
