"""create contracts table

Revision ID: 040
Revises: 039
Create Date: 2026-08-21 10:05:37.902211

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "040"
down_revision = "039"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contracts",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("customer_id", sa.BigInteger(), sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True)),
        sa.Column("terms", sa.Text(), nullable=False),
    )


def downgrade():
    op.drop_table("contracts")
