"""add users.email

Revision ID: 001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "001"
down_revision = None


def upgrade():
    op.add_column("users", sa.Column("email", sa.Text(), nullable=False))
    op.create_index("ix_users_email", "users", ["email"])
    op.execute("SET lock_timeout = '2s'")
    op.create_index(index_name, "users", ["name"])


def downgrade():
    op.drop_index("ix_users_email", table_name="users")
    op.drop_column("users", "email")
