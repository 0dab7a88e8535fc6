"""add invoice index

Revision ID: 003
Revises: 002
Create Date: 2026-03-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "003"
down_revision = "002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_invoices_id", "invoices", ["id"])


def downgrade() -> None:
    pass
