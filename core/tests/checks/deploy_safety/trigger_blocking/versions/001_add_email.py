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
    op.drop_index("ix_users_name", table_name="users")


def downgrade():
    op.drop_index("ix_users_email", table_name="users")
    op.drop_column("users", "email")
