from alembic import context

config = context.config


def run_migrations_online() -> None:
    raise SystemExit("fixture: never executed by revguard")


run_migrations_online()
