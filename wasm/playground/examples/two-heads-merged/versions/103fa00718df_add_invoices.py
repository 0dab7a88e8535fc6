"""add invoices

Revision ID: 103fa00718df
Revises: 573925b17bab
Create Date: 2026-03-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '103fa00718df'
down_revision = '573925b17bab'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
