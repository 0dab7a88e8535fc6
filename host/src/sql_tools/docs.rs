//! The documentation of the SQL-file tools' findings, for `revguard
//! explain`: every check they report keeps the name and code of the
//! Alembic check that means the same, so this is its page for the SQL
//! tools (what it finds, why it hurts, an example, the fix) and, per tool,
//! what that tool does, in its own words (the rules and messages of
//! `docs/sql-tools.md`).

use revguard_core::dialect::sql::{Check, Tool};

/// One check's page: the sections every check's documentation has, and
/// what each tool that reports it does.
pub struct Page {
    /// The check.
    pub check: Check,
    /// Markdown: `## What it does`, `## Why is this bad?`, `## Example`,
    /// `## Use instead` (and `## What revguard fix does` where it does).
    pub docs: &'static str,
    /// Per tool: its severity and what it does, in its words. A tool not
    /// listed never reports the check.
    pub tools: &'static [(Tool, &'static str)],
}

/// The page of the check a name or code means (`None`: the SQL tools
/// never report it).
pub fn page(name: &str) -> Option<&'static Page> {
    PAGES.iter().find(|p| {
        p.check.name().eq_ignore_ascii_case(name) || p.check.code().eq_ignore_ascii_case(name)
    })
}

/// The page as `explain` prints it: for every tool (`None`) or for one;
/// `nested`: its sections one level down (under the Alembic page).
pub fn render(page: &Page, tool: Option<Tool>, nested: bool) -> String {
    let check = page.check;
    let heading = if nested { "#" } else { "" };
    let docs: String = page
        .docs
        .trim()
        .lines()
        .map(|l| match l.strip_prefix("## ") {
            Some(rest) => format!("{heading}## {rest}"),
            None => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = match tool {
        Some(tool) => format!("# {} ({}, {})\n\n", check.name(), check.code(), tool.name()),
        None => format!(
            "# {} ({}): for the SQL-file tools (--dialect {})\n\nSeverity: as each tool fails (below).\n\n",
            check.name(),
            check.code(),
            ORDER.map(Tool::name).join(", ")
        ),
    };
    out.push_str(&docs);
    out.push('\n');
    let tools: Vec<Tool> = tool.map_or_else(|| ORDER.to_vec(), |t| vec![t]);
    for tool in tools {
        let text = page.tools.iter().find(|(t, _)| *t == tool).map_or_else(
            || {
                format!(
                    "Not reported for {}: docs/sql-tools.md has what {} does.",
                    tool.name(),
                    title(tool)
                )
            },
            |(_, text)| text.trim().to_owned(),
        );
        out.push_str(&format!("\n{heading}## {}\n{text}\n", title(tool)));
    }
    out
}

/// The tools in the order the docs list them.
pub const ORDER: [Tool; 6] = [
    Tool::Flyway,
    Tool::GolangMigrate,
    Tool::Goose,
    Tool::Sqlx,
    Tool::Dbmate,
    Tool::Prisma,
];

/// The tool's name as its project spells it.
fn title(tool: Tool) -> &'static str {
    match tool {
        Tool::Flyway => "Flyway",
        Tool::GolangMigrate => "golang-migrate",
        Tool::Goose => "goose",
        Tool::Sqlx => "sqlx",
        Tool::Dbmate => "dbmate",
        Tool::Prisma => "Prisma",
    }
}

/// Every check the SQL tools report, in code order.
pub const PAGES: [Page; 10] = [
    Page {
        check: Check::DuplicateRevision,
        docs: DUPLICATE,
        tools: &[
            (
                Tool::Flyway,
                "Error. Versions are normalised first (`_` is `.`, leading zeros and trailing `.0` parts do not count: `V1`, `V1.0`, `V01` and `V1_0` are one version), and `flyway migrate` fails before touching the database: `FlywayException: Found more than one migration with version 2.0` with the offenders' absolute paths. Two repeatable migrations (`R__`) with one description fail the same way.",
            ),
            (
                Tool::GolangMigrate,
                "Error when two files have the same version *and* direction: `duplicate migration file: NAME`. `1_a.up.sql` and `1_b.down.sql` are one migration, not a duplicate.",
            ),
            (
                Tool::Goose,
                "Error: `goose: duplicate version N detected` (goose panics while sorting), with both paths.",
            ),
            (
                Tool::Sqlx,
                "Error. sqlx does not detect it: on a fresh database the second copy fails on the primary key of `_sqlx_migrations` (`UNIQUE constraint failed: _sqlx_migrations.version` on SQLite), and every later start fails with `migration N was previously applied but has been modified`: a crash loop. Which copy runs first depends on the directory's listing order, which sqlx does not sort.",
            ),
            (
                Tool::Dbmate,
                "Error. dbmate does not detect it: once one copy is applied the others are silently never run; on a fresh database the second fails on the primary key of `schema_migrations`. Versions are digit strings: `1` and `01` are two versions.",
            ),
        ],
    },
    Page {
        check: Check::InvalidRevisionId,
        docs: INVALID_ID,
        tools: &[
            (
                Tool::Goose,
                "Error: a `.sql` file in goose's directory without a `<version>_` prefix (or with version 0, or out of `int64` range) makes goose fail: `could not parse SQL migration file`, `migration IDs must be greater than zero`.",
            ),
            (
                Tool::Sqlx,
                "Error: a `.sql` file whose name has no integer before its first `_` makes the migrator fail to resolve the whole directory, so nothing runs.",
            ),
        ],
    },
    Page {
        check: Check::UnreadableRevision,
        docs: UNREADABLE,
        tools: &[
            (
                Tool::Goose,
                "Error: goose parses a file's annotations only when it runs it, so a pending file without `-- +goose Up` (or with statements before it, a second one, or `-- +goose Down` first) fails `goose up` after the files before it ran: `ERROR PATH: failed to parse SQL migration file: failed to parse migration: must start with '-- +goose Up' annotation`.",
            ),
            (
                Tool::Dbmate,
                "Error: a file without `-- migrate:up` (or with statements before it, or `-- migrate:down` first) fails `dbmate up`: `dbmate requires each migration to define an up block with '-- migrate:up'`.",
            ),
        ],
    },
    Page {
        check: Check::StrayMigration,
        docs: STRAY,
        tools: &[
            (
                Tool::Flyway,
                "Warning (error with `validateMigrationNaming`, where `flyway migrate` fails with `Invalid SQL filenames found`): a file that misses `V<version>__<description>.sql` (the prefix is case-sensitive, the separator is two underscores; both configurable) is skipped; Flyway only logs at INFO: \"1 SQL migrations were detected but not run because they did not follow the filename convention.\"",
            ),
            (
                Tool::GolangMigrate,
                "Warning: a file that does not match `{version}_{title}.up.{extension}` / `.down.` is silently skipped by `migrate up`.",
            ),
            (
                Tool::Sqlx,
                "Warning: a file that does not match `<version>_<description>.sql` is silently skipped by the migrator.",
            ),
            (
                Tool::Dbmate,
                "Warning: a file that does not start with a version number and end in `.sql` is silently skipped.",
            ),
        ],
    },
    Page {
        check: Check::InsertedBelowDeployed,
        docs: INSERTED,
        tools: &[
            (
                Tool::Flyway,
                "Error: `flyway migrate` refuses it: `Detected resolved migration not applied to database`. With `outOfOrder` it is a warning: Flyway runs it after newer ones.",
            ),
            (
                Tool::Goose,
                "Error: `goose up` refuses to run: `found N missing migrations before current version M`.",
            ),
            (
                Tool::Sqlx,
                "Warning: the migrator runs it now, after newer migrations.",
            ),
            (
                Tool::Dbmate,
                "Warning: dbmate runs it now, after newer migrations. Error with `--strict`, which refuses it.",
            ),
            (
                Tool::Prisma,
                "Warning: `prisma migrate deploy` runs it now, after newer ones.",
            ),
        ],
    },
    Page {
        check: Check::DeployedRevisionMissing,
        docs: MISSING,
        tools: &[
            (
                Tool::Flyway,
                "Error: `Detected applied migration not resolved locally`.",
            ),
            (
                Tool::GolangMigrate,
                "Error when the file of the database's current version is gone: `migrate up` fails with `no migration found for version N`. golang-migrate keeps only the current version and never reads older files again, so an older deleted file is not reported.",
            ),
            (Tool::Goose, "Warning, with a lock: goose does not notice."),
            (
                Tool::Sqlx,
                "Error: the migrator fails at every start: `migration N was previously applied but is missing in the resolved migrations`.",
            ),
            (
                Tool::Dbmate,
                "Warning, with a lock: dbmate does not notice.",
            ),
            (
                Tool::Prisma,
                "Warning: `prisma migrate deploy` does not notice.",
            ),
        ],
    },
    Page {
        check: Check::AppliedMigrationEdited,
        docs: EDITED,
        tools: &[
            (
                Tool::Flyway,
                "Error: `flyway migrate` fails validation: `Migration checksum mismatch for migration version 1` with `-> Applied to database : N` and `-> Resolved locally : M`. The checksum is a CRC32 of the lines without terminators, so line endings and a BOM do not count; the lock records the value `flyway_schema_history.checksum` holds.",
            ),
            (
                Tool::Goose,
                "Warning, with a lock: goose stores no checksum and does not notice.",
            ),
            (
                Tool::Sqlx,
                "Error: the migrator fails at every start: `migration N was previously applied but has been modified`. The checksum is the SHA-384 of the bytes: a changed comment or line ending counts.",
            ),
            (
                Tool::Dbmate,
                "Warning, with a lock: dbmate stores no checksum and does not notice.",
            ),
            (
                Tool::Prisma,
                "Warning: `prisma migrate deploy` does not check; `prisma migrate dev` would stop with \"The migration `NAME` was modified after it was applied.\" and ask to reset the database.",
            ),
        ],
    },
    Page {
        check: Check::DatabaseState,
        docs: DATABASE_STATE,
        tools: &[
            (
                Tool::Flyway,
                "Error: a row with `success = false`: `Detected failed migration to version N`.",
            ),
            (
                Tool::GolangMigrate,
                "Error: `dirty = true`: `Dirty database version N. Fix and force version.`",
            ),
            (
                Tool::Sqlx,
                "Error: a row with `success = false`: `migration N is partially applied; fix and remove row from _sqlx_migrations table`.",
            ),
            (
                Tool::Prisma,
                "Error: a row without `finished_at` that was not rolled back: P3009 `migrate found failed migrations in the target database`.",
            ),
        ],
    },
    Page {
        check: Check::NeverRuns,
        docs: NEVER_RUNS,
        tools: &[(
            Tool::GolangMigrate,
            "Error: `migrate up` starts after the stored version, so a file numbered below it never runs, with no error. The database keeps only its current version; the lock records every deployed one, so revguard knows which files were applied.",
        )],
    },
    Page {
        check: Check::FailsInTransaction,
        docs: FAILS_IN_TRANSACTION,
        tools: &[
            (
                Tool::Flyway,
                "Error: a migration that mixes a statement PostgreSQL refuses in a transaction with transactional ones is refused by `flyway migrate` (unless `mixed = true` in its configuration). Fix: move the statement into a migration of its own.",
            ),
            (
                Tool::GolangMigrate,
                "Error: golang-migrate sends the file as one query, which PostgreSQL runs in an implicit transaction when it holds several statements: `CREATE INDEX CONCURRENTLY cannot run inside a transaction block`. Fix: put the statement in a migration of its own.",
            ),
            (
                Tool::Goose,
                "Error: goose runs each migration in a transaction. Fix: add the line `-- +goose NO TRANSACTION`.",
            ),
            (
                Tool::Sqlx,
                "Error: sqlx runs each migration in a transaction. Fix: make `-- no-transaction` the file's first line.",
            ),
            (
                Tool::Dbmate,
                "Error: dbmate runs each migration in a transaction. Fix: write the up block's first line as `-- migrate:up transaction:false`.",
            ),
            (
                Tool::Prisma,
                "Error: `prisma migrate deploy` sends `migration.sql` as one query, which PostgreSQL runs in an implicit transaction when it holds several statements. Fix: put the statement in a migration of its own.",
            ),
        ],
    },
];

const DUPLICATE: &str = "\
## What it does
Reports two or more migration files that carry the same version after the
tool's own normalisation, naming every file (a clean git merge of two
branches that each added `V42__...` or `20240201000000_...`).

## Why is this bad?
Depending on the tool the deploy fails before it starts, fails on the
history table's primary key, or silently never runs one copy; sqlx
crash-loops at every later start.

## Example
`migrations/20240201000000_order_total.sql` and
`migrations/20240201000000_refunds.sql` (sqlx).

## Use instead
Give one of them the next free version; keep the copy that was deployed.

## What `revguard fix` does
`revguard fix --dialect TOOL --write` renames each extra copy to the next
free version in the tool's convention (same digit width, so a timestamp
stays a timestamp; Flyway's next major version), keeping the copy that was
deployed (`--keep`, else the one the lock records, else the first by name),
and only after the renamed history is judged again. Without `--write` it
prints the renames. Prisma names migrations by directory: nothing to
renumber.
";

const INVALID_ID: &str = "\
## What it does
Reports a file in the migration directory whose name the tool cannot
parse and fails on (rather than skips).

## Why is this bad?
The tool stops resolving the directory, so the deploy fails and nothing
after it runs.

## Example
`migrations/add_orders.sql` beside `migrations/20240101000000_init.sql`
(sqlx: no integer before the first `_`).

## Use instead
Give it the tool's `<version>_<description>.sql` name, or move it out of
the migration directory.
";

const UNREADABLE: &str = "\
## What it does
Reports a migration file without the annotations its tool needs to split
it into up and down parts: goose's `-- +goose Up`, dbmate's
`-- migrate:up`.

## Why is this bad?
The tool fails when it reaches the file, half-way through a deploy: the
files before it are applied, the rest are not.

## Example
`db/migrations/20240301000000_add_index.sql` holding only
`CREATE INDEX ...;` (dbmate).

## Use instead
Add the annotations (`-- migrate:up` / `-- migrate:down`,
`-- +goose Up` / `-- +goose Down`).
";

const STRAY: &str = "\
## What it does
Reports a file that looks like a migration (a `.sql` file in the tool's
directory) but misses the tool's naming convention, naming the convention.

## Why is this bad?
The tool silently never runs it: the schema change it holds never reaches
the database, and nothing fails to tell you.

## Example
`V3_add_name.sql` or `v3__add_name.sql` (Flyway: one underscore, lower-case
prefix).

## Use instead
Rename it to the convention (`V3__add_name.sql`).
";

const INSERTED: &str = "\
## What it does
With the deployed state (the lock, or `--database-url`), reports an
unapplied migration that sorts below what is already applied: typically a
branch that was merged after a newer migration was deployed.

## Why is this bad?
Depending on the tool, the deploy refuses it (and fails) or runs it after
newer migrations, against a schema its author never tested it on.

## Example
`V5__b.sql` is deployed; a merge adds `V4__a.sql`.

## Use instead
Give it a version above the deployed one.
";

const MISSING: &str = "\
## What it does
With the deployed state, reports a migration recorded as applied whose file
is gone (deleted or renamed).

## Why is this bad?
Some tools refuse to start; the others carry on with a history that no
longer matches the files, so a new database gets a different schema.

## Example
`20240101000000_init.sql` is in the lock (or `_sqlx_migrations`); the file
was renamed to `20240101000000_initial.sql`.

## Use instead
Restore the file under its name; put further changes in a new migration.
";

const EDITED: &str = "\
## What it does
With the deployed state, reports an applied migration whose file changed:
its checksum (the one the tool itself stores, recorded in the lock) differs,
with both numbers.

## Why is this bad?
Flyway and sqlx refuse to start (sqlx at every start: a crash loop); the
other tools never rerun it, so databases that applied the old text keep
it while new ones get the new text.

## Example
A comment added to an applied `V1__create_account.sql`.

## Use instead
Revert the edit and put the change in a new migration.
";

const DATABASE_STATE: &str = "\
## What it does
With `--database-url`, reports a failed or dirty row in the tool's history
table.

## Why is this bad?
The tool refuses every further deploy until someone repairs the table by
hand.

## Example
`schema_migrations` at version 7 with `dirty = true` (golang-migrate).

## Use instead
Finish or undo the half-applied migration by hand, then mark the row as the
tool says (`migrate force`, `flyway repair`, `prisma migrate resolve`).
";

const NEVER_RUNS: &str = "\
## What it does
With the deployed state, reports an unapplied migration numbered below the
database's version that the tool will silently never run.

## Why is this bad?
The deploy succeeds and the schema change is simply missing: nothing fails
until the code that needs it does.

## Example
The database is at `000003`; a merge adds `000002_user_team.up.sql`
(golang-migrate).

## Use instead
Give it a version above the deployed one.
";

const FAILS_IN_TRANSACTION: &str = "\
## What it does
With the deploy-safety lint on (a PostgreSQL database), reports a statement
PostgreSQL refuses inside a transaction block (`CREATE INDEX CONCURRENTLY`,
`ALTER TYPE ... ADD VALUE` before PostgreSQL 12, `VACUUM`...) that runs in
the transaction the tool wraps the migration in, with PostgreSQL's error.

## Why is this bad?
The deploy fails on that statement, every time, until the migration is
changed; the files before it are applied.

## Example
`CREATE INDEX CONCURRENTLY orders_id ON orders (id);` in a sqlx migration
without `-- no-transaction`.

## Use instead
Run the migration outside a transaction, as the tool spells it (below), or
put the statement in a migration of its own.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_a_page_with_the_sections() {
        for check in Check::ALL {
            assert_eq!(super::page(check.code()).map(|p| p.check), Some(check));
            let page = super::page(check.name()).unwrap_or_else(|| panic!("{}", check.name()));
            assert_eq!(page.check, check);
            let mut at = 0;
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
            ] {
                let found = page.docs[at..].find(section);
                assert!(found.is_some(), "{}: {section}", check.name());
                at += found.unwrap_or(0);
            }
            assert!(!page.tools.is_empty(), "{}", check.name());
        }
    }
}
