"""add customer email index

Revision ID: 039
Revises: 038
Create Date: 2026-07-14 16:40:52.118023

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "039"
down_revision = "038"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_customers_email", "customers", ["email"], unique=True)


def downgrade():
    op.drop_index("ix_customers_email", table_name="customers")
