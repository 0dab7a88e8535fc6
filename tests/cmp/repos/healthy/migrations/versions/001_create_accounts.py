"""create accounts

Revision ID: 001
Revises: 
Create Date: 2026-03-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("accounts", sa.Column("id", sa.Integer, primary_key=True))


def downgrade() -> None:
    pass
