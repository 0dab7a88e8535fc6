"""add users.email

Revision ID: 001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "001"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '2s'")
    op.execute("SET statement_timeout = '5s'")
    op.add_column("users", sa.Column("email", sa.Text(), nullable=True), if_not_exists=True)
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '2s'")
        op.execute("SET statement_timeout = '5s'")
        op.create_index(
            "ix_users_email",
            "users",
            ["email"],
            postgresql_concurrently=True,
            if_not_exists=True,
        )


def downgrade():
    op.drop_index("ix_users_email", table_name="users")
    op.drop_column("users", "email")
