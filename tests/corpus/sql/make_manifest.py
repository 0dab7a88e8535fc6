"""Write the real-project corpus of SQL-file migration tools (manifest.json).

Usage: python3 make_manifest.py CLONES > manifest.json

CLONES holds one clone per repository at CLONES/<owner>/<name> (a work-tree
clone or a bare repository, see README.md). Every project below gets its
pinned commit as a state that must be healthy: the project ships from it,
so its tool applies that history without an error, and revguard must not
report one. KNOWN adds older states where the history really was broken,
each with the error-level checks revguard must report and why. Only the
manifest is committed; the projects' files stay in their repositories.
"""

import json
import subprocess
import sys

# Each project: repository (owner/name), pinned commit, tool, the directory
# revguard is pointed at (relative to the repository root), and `config`:
# files written into that directory before the check. They restate the
# project's own tool configuration where it lives somewhere revguard does
# not read (Spring Boot's `spring.flyway.*`, Micronaut's `flyway.*`, Java
# code calling `Flyway.configure()`), with the place it was read from.
PROJECTS = [
    # sqlx: `sqlx::migrate!()` over the crate's migrations/ directory.
    ("atuinsh/atuin", "824c8716d8", "sqlx", "crates/atuin-server-postgres/migrations", None),
    ("atuinsh/atuin", "824c8716d8", "sqlx", "crates/atuin-server-sqlite/migrations", None),
    ("atuinsh/atuin", "824c8716d8", "sqlx", "crates/atuin-client/migrations", None),
    ("launchbadge/realworld-axum-sqlx", "f1b2565477", "sqlx", "migrations", None),
    ("svix/svix-webhooks", "4fc0cfb8b4", "sqlx", "server/svix-server/migrations", None),
    ("tensorzero/tensorzero", "7a6159a434", "sqlx", "crates/tensorzero-core/src/db/postgres/migrations", None),
    ("tensorzero/tensorzero", "7a6159a434", "sqlx", "crates/tensorzero-stored-config/src/postgres/migrations", None),
    # Prisma: the directory holding prisma's migrations/ (schema beside it).
    ("documenso/documenso", "75330166cc", "prisma", "packages/prisma", None),
    ("hoppscotch/hoppscotch", "afc2cf181c", "prisma", "packages/hoppscotch-backend", None),
    ("triggerdotdev/trigger.dev", "b082e44389", "prisma", "internal-packages/database", None),
    ("triggerdotdev/trigger.dev", "b082e44389", "prisma", "internal-packages/run-ops-database", None),
    ("umami-software/umami", "c0ea3aefbe", "prisma", "prisma", None),
    # goose: SQL migrations embedded with go:embed (navidrome and hatchet
    # also register Go migrations, which revguard does not read).
    ("openfga/openfga", "da9354f7e6", "goose", "assets/migrations/postgres", None),
    ("openfga/openfga", "da9354f7e6", "goose", "assets/migrations/mysql", None),
    ("openfga/openfga", "da9354f7e6", "goose", "assets/migrations/sqlite", None),
    ("navidrome/navidrome", "295886cb9a", "goose", "db/migrations", None),
    ("hatchet-dev/hatchet", "89d130f303", "goose", "cmd/hatchet-migrate/migrate/migrations", None),
    # golang-migrate. flipt's SQL storage was removed for its v2; the last
    # commit before that is pinned.
    ("stashapp/stash", "cf3489efdc", "golang-migrate", "pkg/sqlite/migrations", None),
    ("goharbor/harbor", "c50c7ddd6e", "golang-migrate", "make/migrations/postgresql", None),
    ("flipt-io/flipt", "3664b73603", "golang-migrate", "config/migrations/postgres", None),
    ("flipt-io/flipt", "3664b73603", "golang-migrate", "config/migrations/mysql", None),
    ("flipt-io/flipt", "3664b73603", "golang-migrate", "config/migrations/sqlite3", None),
    ("flipt-io/flipt", "3664b73603", "golang-migrate", "config/migrations/cockroachdb", None),
    # Flyway, as a Maven/Gradle module (the classpath is src/main/resources).
    ("conductor-oss/conductor", "b54f0d4ee5", "flyway", "mysql-persistence", None),
    (
        "conductor-oss/conductor",
        "b54f0d4ee5",
        "flyway",
        "postgres-persistence",
        (
            "PostgresConfiguration.java: flywayForPrimaryDb() (both optional locations on)",
            "flyway.locations=classpath:db/migration_postgres,"
            "classpath:db/migration_postgres_notify,classpath:db/migration_postgres_data\n"
            "flyway.outOfOrder=true\n",
        ),
    ),
    (
        "conductor-oss/conductor",
        "b54f0d4ee5",
        "flyway",
        "sqlite-persistence",
        (
            "SqliteConfiguration.java: .locations(...)",
            "flyway.locations=classpath:db/migration_sqlite\n",
        ),
    ),
    (
        "kestra-io/kestra",
        "58c1ca2d05",
        "flyway",
        "jdbc-postgres",
        (
            "src/test/resources/application-test.yml: flyway.datasources.postgres",
            "flyway.locations=classpath:migrations/postgres\nflyway.outOfOrder=true\n",
        ),
    ),
    (
        "kestra-io/kestra",
        "58c1ca2d05",
        "flyway",
        "jdbc-mysql",
        (
            "src/test/resources/application-test.yml: flyway.datasources.mysql",
            "flyway.locations=classpath:migrations/mysql\nflyway.outOfOrder=true\n",
        ),
    ),
    (
        "eclipse-hawkbit/hawkbit",
        "67ca1c4332",
        "flyway",
        "hawkbit-repository/hawkbit-repository-jpa-flyway",
        (
            "hawkbit-jpa-flyway-defaults.properties: "
            "spring.flyway.sql-migration-suffixes=${spring.jpa.database}.sql (POSTGRESQL)",
            "flyway.sqlMigrationSuffixes=POSTGRESQL.sql\n",
        ),
    ),
    # dbmate: `dbmate --migrations-dir DIR` (migrate.sh, package.json).
    ("supabase/postgres", "7db7e1a9e3", "dbmate", "migrations/db/migrations", None),
    ("UPchieve/subway", "3a5f8fa859", "dbmate", "database/migrations", None),
]

# Older states with a real problem, found by `check.py --history` (and the
# deploy-safety lint over the same commits) and judged by hand: the
# error-level history checks revguard must report (`errors`, none when
# absent), the warnings it must report among others (`warnings`), the
# error-level deploy-safety checks of the lint run (`safety_errors`), and why.
KNOWN = [
    {
        "repo": "kestra-io/kestra",
        "path": "jdbc-postgres",
        "commit": "d95f1003b9",
        "errors": ["duplicate-revision"],
        "why": (
            "PR #2277 added V1_3__postgres-queues-pkey.sql the day PR #2240 added "
            "V1_3__worker_heartbeat.sql: Flyway refuses to start (\"Found more than "
            "one migration with version 1.3\"); PR #2279 renamed it to V1_4 the same "
            "day"
        ),
    },
    {
        "repo": "kestra-io/kestra",
        "path": "jdbc-postgres",
        "commit": "a6344b4d79",
        "warnings": ["stray-migration"],
        "why": (
            "PR #1882 added V21_index_logs.sql (one underscore): Flyway silently never"
            " runs it; PR #1883 renamed it to V21__index_logs.sql four days later"
        ),
    },
    {
        "repo": "kestra-io/kestra",
        "path": "jdbc-mysql",
        "commit": "a6344b4d79",
        "warnings": ["stray-migration"],
        "why": (
            "PR #1882 added V16_index_logs.sql (one underscore), as for PostgreSQL"
        ),
    },
    {
        "repo": "conductor-oss/conductor",
        "path": "postgres-persistence",
        "commit": "5d7697e609",
        "errors": ["duplicate-revision"],
        "why": (
            "the pg-locking branch added V9__locking.sql beside "
            "V9__indexing_index_fix.sql (Flyway: \"Found more than one migration "
            "with version 9\"); e64505c5d renamed it to V11__locking.sql before the "
            "merge"
        ),
    },
    {
        "repo": "conductor-oss/conductor",
        "path": "postgres-persistence",
        "commit": "9e5f5d38b7",
        "errors": ["duplicate-revision"],
        "why": (
            "the same branch after merging main, still with both V9 files"
        ),
    },
    {
        "repo": "conductor-oss/conductor",
        "path": "postgres-persistence",
        "commit": "05e7f727ef",
        "warnings": ["stray-migration"],
        "why": (
            "PR #114 added V11_task_index_columns.sql (one underscore): Flyway "
            "silently never runs it; 979146297 renamed it to "
            "V12__task_index_columns.sql a week later"
        ),
    },
    {
        "repo": "supabase/postgres",
        "path": "migrations/db/migrations",
        "commit": "2b97cb95c8",
        "errors": ["unreadable-revision"],
        "why": (
            "PR #814 added 20231130133139_set_lock_timeout_to_authenticator_role.sql "
            "without `-- migrate:up`: dbmate refuses it (\"dbmate requires each "
            "migration to define an up block with '-- migrate:up'\"); 25853f38 added"
            " the annotations"
        ),
    },
    {
        "repo": "triggerdotdev/trigger.dev",
        "path": "internal-packages/database",
        "commit": "5597291380",
        "safety_errors": ["fails-in-transaction", "fails-in-transaction"],
        "why": "PR #1938 put two CREATE INDEX CONCURRENTLY in one Prisma migration: PostgreSQL "
        "runs a multi-statement script in one transaction and refuses them; PR #1940 removed "
        "CONCURRENTLY the same day (\"can't have two in a single file\")",
    },
]


def git(clone, *args):
    return subprocess.run(
        ["git", "-C", clone, *args], check=True, capture_output=True, text=True
    ).stdout


def main():
    clones = sys.argv[1]
    projects = []
    for repo, pin, tool, path, config in PROJECTS:
        clone = f"{clones}/{repo}"
        head = git(clone, "rev-parse", f"{pin}^{{commit}}").strip()
        project = {
            "repository": f"https://github.com/{repo}",
            "clone": repo,
            "tool": tool,
            "path": path,
            "states": [{"commit": head, "errors": []}],
        }
        if config:
            source, text = config
            project["config_source"] = source
            project["config"] = {"flyway.conf": text}
        for known in KNOWN:
            if (known["repo"], known["path"]) == (repo, path):
                full = git(clone, "rev-parse", f"{known['commit']}^{{commit}}").strip()
                state = {"commit": full, "errors": known.get("errors", [])}
                for key in ("warnings", "safety_errors"):
                    if key in known:
                        state[key] = known[key]
                state["why"] = known["why"]
                project["states"].append(state)
        projects.append(project)
    json.dump({"projects": projects}, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
