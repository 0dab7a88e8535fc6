"""The deploy-safety oracle: real Alembic's offline SQL for each migration.

    python oracle.py PROJECT_DIR OUT_DIR

For every revision of the Alembic project in PROJECT_DIR (its alembic.ini)
that has a parent, writes OUT_DIR/<revision>.sql: exactly what
`alembic upgrade <down>:<revision> --sql` prints, produced in-process with one
loaded ScriptDirectory so a thousand migrations do not reload the map a
thousand times. Prints one line per revision: `<revision> <file name>`.
"""

import contextlib
import io
import os
import sys

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory


def offline_sql(config, script, down, rev):
    buffer = io.StringIO()
    config.output_buffer = buffer

    def upgrade(_rev, _context):
        return script._upgrade_revs(rev, down)

    with contextlib.redirect_stdout(buffer):
        with EnvironmentContext(
            config,
            script,
            fn=upgrade,
            as_sql=True,
            starting_rev=down,
            destination_rev=rev,
            tag=None,
        ):
            script.run_env()
    return buffer.getvalue()


def main():
    project, out = sys.argv[1], sys.argv[2]
    config = Config(os.path.join(project, "alembic.ini"))
    script = ScriptDirectory.from_config(config)
    os.makedirs(out, exist_ok=True)
    for revision in script.walk_revisions():
        down = revision.down_revision
        if down is None:
            continue
        sql = offline_sql(config, script, down, revision.revision)
        with open(os.path.join(out, revision.revision + ".sql"), "w") as handle:
            handle.write(sql)
        print(revision.revision, os.path.basename(revision.path))


if __name__ == "__main__":
    main()
