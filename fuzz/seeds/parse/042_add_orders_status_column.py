"""add orders status column

Revision ID: 042
Revises: 041
Create Date: 2026-10-09 11:30:18.447190

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "042"
down_revision = "041"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "orders",
        sa.Column("status", sa.String(16), nullable=False, server_default="placed"),
    )
    op.create_index("ix_orders_status", "orders", ["status"])


def downgrade():
    op.drop_index("ix_orders_status", table_name="orders")
    op.drop_column("orders", "status")
