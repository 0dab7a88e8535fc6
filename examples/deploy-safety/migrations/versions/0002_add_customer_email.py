"""add customers.email and its index

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("SET lock_timeout = '2s'; SET statement_timeout = '30s'")
    op.add_column("customers", sa.Column("email", sa.Text(), nullable=False))
    op.create_index("ix_customers_email", "customers", ["email"])


def downgrade():
    op.drop_index("ix_customers_email", table_name="customers")
    op.drop_column("customers", "email")
