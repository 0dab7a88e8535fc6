#!/usr/bin/env python3
"""Write an Alembic project with N migrations in one linear chain.

Usage: gen_corpus.py N DIR

Each file is Alembic's generic `script.py.mako` rendered for a small
create_table migration (about 0.9 KB), with 12-hex revision ids derived from
the index, so the corpus is the same on every run.
"""
import hashlib
import os
import sys

TEMPLATE = '''"""add table t{i}

Revision ID: {rev}
Revises: {down_doc}
Create Date: 2024-01-01 00:00:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '{rev}'
down_revision: Union[str, None] = {down}
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        't{i}',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )


def downgrade() -> None:
    op.drop_table('t{i}')
'''


def rev_id(i: int) -> str:
    return hashlib.sha256(f"revguard-bench-{i}".encode()).hexdigest()[:12]


def main() -> None:
    n, root = int(sys.argv[1]), sys.argv[2]
    versions = os.path.join(root, "migrations", "versions")
    os.makedirs(versions, exist_ok=True)
    with open(os.path.join(root, "alembic.ini"), "w") as ini:
        ini.write("[alembic]\nscript_location = migrations\n")
    with open(os.path.join(root, "migrations", "env.py"), "w") as env:
        env.write("# not used: revguard reads migrations as data\n")
    for i in range(n):
        rev = rev_id(i)
        down = repr(rev_id(i - 1)) if i else "None"
        down_doc = rev_id(i - 1) if i else ""
        with open(os.path.join(versions, f"{rev}_add_table_t{i}.py"), "w") as f:
            f.write(TEMPLATE.format(i=i, rev=rev, down=down, down_doc=down_doc))


if __name__ == "__main__":
    main()
