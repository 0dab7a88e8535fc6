"""create jersey public orders view

Revision ID: 043
Revises: 042
Create Date: 2026-10-16 08:55:03.019876

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "043"
down_revision = "042"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE VIEW jersey_public_orders AS
        SELECT o.id, o.total_cents, o.status, o.created_at
        FROM orders o
        WHERE o.status <> 'cancelled'
        """
    )


def downgrade():
    op.execute("DROP VIEW jersey_public_orders")
