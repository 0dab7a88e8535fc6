//! The documentation of Django's findings, in the sections every check's
//! documentation has: what `revguard explain` prints for a Django check and
//! what the SARIF rules carry as help. A check that means the same for
//! Alembic (`missing-parent`, `cycle`, `dynamic-value`, `database-state`
//! and the history checks against the lock, `--deployed` and `--base`)
//! keeps its registered documentation; this is its Django section.
//! `multiple-leaves` exists only for Django (Alembic's form is
//! `multiple-heads`, the same code).

/// Django's documentation of the check `name`, Markdown.
pub fn docs(name: &str) -> Option<&'static str> {
    DOCS.iter().find(|(n, _)| *n == name).map(|(_, d)| *d)
}

const DOCS: [(&str, &str); 11] = [
    ("multiple-leaves", MULTIPLE_LEAVES),
    ("missing-parent", MISSING_PARENT),
    ("cycle", CYCLE),
    ("dynamic-value", DYNAMIC_VALUE),
    ("database-state", DATABASE_STATE),
    ("inserted-below-deployed", INSERTED_BELOW_DEPLOYED),
    ("deployed-revision-missing", DEPLOYED_REVISION_MISSING),
    ("applied-migration-edited", APPLIED_MIGRATION_EDITED),
    ("history-rewritten", HISTORY_REWRITTEN),
    ("forks-locked-history", FORKS_LOCKED_HISTORY),
    ("invalid-lock-file", INVALID_LOCK_FILE),
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

const INSERTED_BELOW_DEPLOYED: &str = "\
## What it does
Reports a new migration (not in `revguard.lock`, not at `--base REF`) that a
recorded or `--deployed` migration now depends on: through its own
`run_before`, or through a rewritten `dependencies` of an applied
migration. The note quotes the exception Django raises.

## Why is this bad?
Django records each applied migration in `django_migrations`. On every
database that applied the dependent, `migrate` raises
`InconsistentMigrationHistory: Migration billing.0002_invoice_total is
applied before its dependency billing.0002_backfill_totals on database
'default'.` and migrates nothing; fresh databases work, so CI passes.

## Example
The lock records `billing.0002_invoice_total`; a branch adds
`billing.0002_backfill_totals` with
`run_before = [(\"billing\", \"0002_invoice_total\")]`.

## Use instead
Make the new migration depend on its app's leaf, drop its `run_before`,
and restore the recorded `dependencies` of the migrations it was put under.

## What `revguard fix` does
Nothing: where the migration belongs is a decision about the schema.
";

const DEPLOYED_REVISION_MISSING: &str = "\
## What it does
Reports a `--deployed app.name` that names no migration of the repository.

## Why is this bad?
The deployed state cannot be placed in the graph, so nothing can be judged
against it; usually a typo, or a migration deployed from another branch and
since removed (Django would then stop at a migration it cannot find).

## Example
`--deployed billing.0009_invoice` where the app's migrations end at
`0004_invoice_notes`.

## Use instead
Name the migration `django_migrations` holds for the app (`python manage.py
showmigrations billing` on the deployed environment).

## What `revguard fix` does
Nothing.
";

const APPLIED_MIGRATION_EDITED: &str = "\
## What it does
Reports a migration recorded in `revguard.lock` (or present at `--base
REF`) whose file changed since (line endings aside).

## Why is this bad?
Django records only `(app, name)` and never runs an applied migration
again: the edit reaches fresh databases only, so environments drift apart
without any error.

## Example
`billing/migrations/0002_invoice_total.py` gets a new `AddField` after it was
deployed and locked.

## Use instead
Restore the recorded file and put the change in a new migration
(`python manage.py makemigrations`); if the edit is deliberate (a comment,
a squash clean-up), run `revguard lock` again.

## What `revguard fix` does
Nothing.
";

const HISTORY_REWRITTEN: &str = "\
## What it does
Reports a migration recorded in `revguard.lock` (or present at `--base
REF`) that is no longer in the repository.

## Why is this bad?
Databases that applied it keep its row; any migration that depended on it
now names a missing node (`NodeNotFoundError`), and its schema changes are
on some databases and not on others.

## Example
`billing/migrations/0003_invoice_currency.py` is deleted after deploy.

## Use instead
Restore the file. To retire old migrations, squash them
(`squashmigrations`) and keep the replaced ones until every database has
applied the squash.

## What `revguard fix` does
Nothing.
";

const FORKS_LOCKED_HISTORY: &str = "\
## What it does
Reports a new migration whose parents in its app are recorded but are not
the app's recorded leaf (or that starts a new root in a recorded app).

## Why is this bad?
Merged as is, the app has two leaf migrations and `manage.py migrate`
stops with `CommandError: Conflicting migrations detected`; found here
before the merge, not in the deploy.

## Example
The lock's leaf of `billing` is `0003_invoice_currency`; a branch adds
`0003_invoice_due_date` depending on `0002_invoice_total`.

## Use instead
Make it depend on the recorded leaf; if the branch is deliberate, merge it
(`python manage.py makemigrations --merge`) and run `revguard lock` again.

## What `revguard fix` does
For the resulting leaf conflict, writes the merge migration (see
`multiple-leaves`).
";

const INVALID_LOCK_FILE: &str = "\
## What it does
Reports a Django `revguard.lock` that cannot be read: git conflict markers,
a line that is not `<app.name> <parents> sha256:<hash> <file>`, a `leaf`
line that disagrees with the lines above it, or Alembic's lock format.

## Why is this bad?
The lock is the record of what is applied; while it does not read, the
other history checks cannot run. Conflict markers on a `leaf` line mean two
branches each added a migration to the same app: the race the lock exists
to catch.

## Example
```text
<<<<<<< HEAD
leaf billing.0003_invoice_currency
=======
leaf billing.0003_invoice_due_date
>>>>>>> feature
```

## Use instead
Resolve the migrations (one depending on the other, or a merge migration),
then run `revguard lock --dialect django`. Never merge lock lines by hand.

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
