"""The Django deploy-safety oracle: real Django's `sqlmigrate` for each migration.

    python django_oracle.py PROJECT_DIR OUT_DIR SOCKET_DIR DATABASE

PROJECT_DIR holds Django apps (directories with a `migrations` package); the
settings are made here: every app of PROJECT_DIR plus `django.contrib.auth`
and `django.contrib.contenttypes`, on the PostgreSQL database DATABASE whose
unix socket is in SOCKET_DIR. Every migration of the project's apps is taken
in the order `migrate` applies them from an empty database; for each, this
writes OUT_DIR/<app>.<name>.sql with exactly what `manage.py sqlmigrate app
name` prints (Django's schema editor reads constraint names back from the
database, so the database holds everything applied before it), then applies
the migration. Prints one line per migration: `<app> <name>`.
"""

import io
import os
import sys

import django
from django.conf import settings


def main():
    project, out, socket, database = sys.argv[1:5]
    apps = sorted(
        name
        for name in os.listdir(project)
        if os.path.isfile(os.path.join(project, name, "migrations", "__init__.py"))
    )
    sys.path.insert(0, project)
    settings.configure(
        INSTALLED_APPS=["django.contrib.auth", "django.contrib.contenttypes", *apps],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": database,
                "USER": "postgres",
                "HOST": socket,
            }
        },
        USE_TZ=True,
        DEFAULT_AUTO_FIELD="django.db.models.BigAutoField",
    )
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    os.makedirs(out, exist_ok=True)
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    state = executor._create_project_state(with_applied_migrations=True)
    for migration, _ in plan:
        if migration.app_label in apps:
            printed = io.StringIO()
            call_command(
                "sqlmigrate", migration.app_label, migration.name, stdout=printed
            )
            name = "%s.%s.sql" % (migration.app_label, migration.name)
            with open(os.path.join(out, name), "w") as handle:
                handle.write(printed.getvalue())
            print(migration.app_label, migration.name, flush=True)
        state = executor.apply_migration(state, migration)


if __name__ == "__main__":
    main()
