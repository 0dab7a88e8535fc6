from alembic import context

config = context.config


def run_migrations_online():
    raise SystemExit("example project: run revguard on it, not Alembic")


run_migrations_online()
