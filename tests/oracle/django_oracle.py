"""Load generated Django projects with Django's real MigrationLoader.

Usage: python django_oracle.py <batch.json>   (prints one JSON result per line)

One process loads a whole batch, so Django is configured once. The batch
names a directory on sys.path holding one package per project
(`p<N>/<app>/migrations/...`) and the stub app packages (`app0`...) that are
INSTALLED_APPS; each project is loaded by pointing MIGRATION_MODULES at its
migration packages (an app the project does not have maps to None: an
unmigrated app) and setting AUTH_USER_MODEL, then doing what
`manage.py migrate --plan` does before it plans: MigrationExecutor (which
builds the graph), check_consistent_history, detect_conflicts, and
migration_plan over every leaf. The applied rows go into a real
django_migrations table (in-memory SQLite) through MigrationRecorder.
"""

import json
import sys


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        batch = json.load(f)
    sys.path.insert(0, batch["root"])
    labels = batch["labels"]

    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", *labels],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        MIGRATION_MODULES={},
        USE_TZ=True,
    )
    django.setup()
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    from django.db.migrations.loader import MigrationLoader

    recorder = MigrationRecorder(connection)
    recorder.ensure_schema()
    # A database where the project's migrations ran has the installed
    # packages' (contrib) migrations applied too; revguard assumes that of
    # every app outside the repository.
    settings.MIGRATION_MODULES = {label: None for label in labels}
    contrib = sorted(MigrationLoader(None).graph.nodes)
    out = sys.stdout
    for project in batch["projects"]:
        result = load(project, labels, connection, recorder, contrib)
        out.write(json.dumps(result) + "\n")
        for name in [m for m in sys.modules if m == project["package"] or m.startswith(project["package"] + ".")]:
            del sys.modules[name]
    out.flush()


def load(project, labels, connection, recorder, contrib):
    from django.conf import settings
    from django.db.migrations.executor import MigrationExecutor

    mine = {app["label"] for app in project["apps"]}
    settings.MIGRATION_MODULES = {
        label: (f"{project['package']}.{label}.migrations" if label in mine else None)
        for label in labels
    }
    settings.AUTH_USER_MODEL = project["user_model"]
    recorder.migration_qs.all().delete()
    rows = [tuple(row) for row in project["applied"]]
    for app, name in (contrib if rows else []) + rows:
        recorder.record_applied(app, name)
    result = {"id": project["id"], "error": None, "leaves": {}, "conflicts": {}, "plan": []}
    try:
        executor = MigrationExecutor(connection)
    except Exception as exc:  # the exception is the answer
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
        return result
    graph = executor.loader.graph
    for app, name in graph.leaf_nodes():
        if app in mine:
            result["leaves"].setdefault(app, []).append(name)
    try:
        executor.loader.check_consistent_history(connection)
    except Exception as exc:
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
        return result
    conflicts = executor.loader.detect_conflicts()
    result["conflicts"] = {app: names for app, names in conflicts.items() if app in mine}
    if conflicts:
        return result
    plan = executor.migration_plan(graph.leaf_nodes())
    result["plan"] = [
        [m.app_label, m.name] for m, backwards in plan if m.app_label in mine and not backwards
    ]
    return result


if __name__ == "__main__":
    main()
