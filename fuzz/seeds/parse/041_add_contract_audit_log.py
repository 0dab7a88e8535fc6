"""add contract audit log

Revision ID: 041
Revises: 040
Create Date: 2026-10-02 14:12:09.331512

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "041"
down_revision = "040"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "contract_audit_log",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("contract_id", sa.BigInteger(), sa.ForeignKey("contracts.id"), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now()),
    )
    op.execute(
        """
        CREATE INDEX ix_contract_audit_log_contract_id
        ON contract_audit_log (contract_id, at DESC)
        """
    )


def downgrade():
    op.drop_table("contract_audit_log")
