//! The documentation of Django's findings, in the sections every check's
//! documentation has: what `revguard explain` prints for a Django check and
//! what the SARIF rules carry as help. A check that means the same for
//! Alembic (`missing-parent`, `cycle`, `dynamic-value`, `database-state`)
//! keeps its registered documentation; this is its Django section.
//! `multiple-leaves` exists only for Django (Alembic's form is
//! `multiple-heads`, the same code).

/// Django's documentation of the check `name`, Markdown.
pub fn docs(name: &str) -> Option<&'static str> {
    DOCS.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}

const DOCS: [(&str, &str); 5] = [
    ("multiple-leaves", MULTIPLE_LEAVES),
    ("missing-parent", MISSING_PARENT),
    ("cycle", CYCLE),
    ("dynamic-value", DYNAMIC_VALUE),
    ("database-state", DATABASE_STATE),
];

const MULTIPLE_LEAVES: &str = "\
## What it does
Reports every Django app with more than one leaf migration (a migration no
other migration of the same app depends on), as `detect_conflicts` finds
them: usually two branches that each added `0042_...` to the app, merged
cleanly in git. Names each leaf and its file, for every app at once.

## Why is this bad?
`manage.py migrate` stops before migrating anything with
`CommandError: Conflicting migrations detected; multiple leaf nodes in the
migration graph: (0042_a, 0042_b in billing).` The migrate Job or init
container fails at every start, so the deploy crash-loops.

## Example
`billing/migrations/0042_invoice_currency.py` and
`billing/migrations/0042_invoice_due_date.py` both have
`dependencies = [(\"billing\", \"0041_invoice\")]`.

## Use instead
Add a merge migration (`python manage.py makemigrations --merge`), or make
one of them depend on the other.

## What `revguard fix` does
`revguard fix --dialect django` writes the migration `makemigrations
--merge --no-header` would write for every app with several leaves (its
name, template and dependencies), only when the graph loads and, rebuilt in
memory with the merges, has one leaf per app. It never merges over a
missing parent or a cycle.
";

const MISSING_PARENT: &str = "\
## What it does
Reports a `dependencies` (or `run_before`) entry naming a migration of an
app in the repository that does not exist, with Django's
`NodeNotFoundError` message. Dependencies on apps outside the repository
(`django.contrib.*`, installed packages) are assumed present and listed,
never reported. `__first__`/`__latest__` of a migrated app without
migrations is Django's `ValueError: Dependency on app with no migrations`.

## Why is this bad?
Loading the graph raises `NodeNotFoundError: Migration billing.0002_x
dependencies reference nonexistent parent node ('billing', '0001_gone')`:
`migrate`, `makemigrations` and `showmigrations` all fail.

## Example
`dependencies = [(\"billing\", \"0001_intial\")]` where the file is
`0001_initial.py`.

## Use instead
Name the migration that exists (revguard suggests the closest name).

## What `revguard fix` does
Nothing for Django: it refuses to merge leaves over a missing parent.
";

const CYCLE: &str = "\
## What it does
Reports migrations that depend on each other in a circle (through
`dependencies` or `run_before`), as `ensure_not_cyclic` finds it, naming
every migration of the cycle.

## Why is this bad?
Loading the graph raises `CircularDependencyError: a.0001, a.0002, ...`
and nothing migrates.

## Example
`shop.0002` depends on `billing.0003`, which depends on `shop.0002`.

## Use instead
Remove one of the dependencies (usually the newest), or split a migration
so the order is linear.

## What `revguard fix` does
Nothing: which edge is wrong is a decision about the schema.
";

const DYNAMIC_VALUE: &str = "\
## What it does
Reports a migration module revguard cannot read statically: a syntax
error, no `class Migration`, or a `dependencies`, `replaces` or
`run_before` that is not a literal (a name, a call, a concatenation).
`swappable_dependency(settings.AUTH_USER_MODEL)` is read, through the
configured user model (`--user-model`, default `auth.User`).

## Why is this bad?
Django imports the module: a syntax error fails every command, and a
computed value decides the graph at import time, so revguard cannot say
what `migrate` will do and says so instead of guessing.

## Example
`dependencies = get_dependencies()`.

## Use instead
Write the dependencies as a list of `(app_label, migration_name)` tuples
of string literals, as `makemigrations` does.

## What `revguard fix` does
Nothing.
";

const DATABASE_STATE: &str = "\
## What it does
With `--database-url`, reads `django_migrations(app, name)` read-only and
reports a migration that is applied while one of its dependencies is not,
as `check_consistent_history` does (a squash whose replaced migrations are
all applied counts as applied).

## Why is this bad?
`migrate` raises `InconsistentMigrationHistory: Migration a.0002 is
applied before its dependency a.0001_b on database 'default'.` before
migrating anything.

## Example
A branch adds `billing.0003_b` below `billing.0004`, which production
already applied.

## Use instead
Make the new migration depend on what is applied (renumber it after the
applied leaf), or apply the missing dependency with `migrate --fake` after
checking that its changes are in the database.

## What `revguard fix` does
Nothing.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_django_check_is_documented_in_the_usual_sections() {
        for (name, _, _) in super::super::diagnostics::CHECKS {
            let text = docs(name).unwrap_or_else(|| panic!("{name} has no docs"));
            let mut at = 0;
            for section in [
                "## What it does",
                "## Why is this bad?",
                "## Example",
                "## Use instead",
                "## What `revguard fix` does",
            ] {
                let found = text[at..]
                    .find(section)
                    .unwrap_or_else(|| panic!("{name}: `{section}` missing or out of order"));
                at += found + section.len();
            }
        }
    }
}
