"""add westside streamlit read-only role

Revision ID: 041
Revises: 040
Create Date: 2026-10-03 09:47:55.610384

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "041"
down_revision = "040"
branch_labels = None
depends_on = None


def upgrade():
    # Read-only role for the Westside Streamlit dashboards.
    op.execute("CREATE ROLE westside_streamlit_ro NOLOGIN")
    op.execute("GRANT USAGE ON SCHEMA public TO westside_streamlit_ro")
    op.execute("GRANT SELECT ON orders, customers, contracts TO westside_streamlit_ro")


def downgrade():
    op.execute("REVOKE SELECT ON orders, customers, contracts FROM westside_streamlit_ro")
    op.execute("REVOKE USAGE ON SCHEMA public FROM westside_streamlit_ro")
    op.execute("DROP ROLE westside_streamlit_ro")
