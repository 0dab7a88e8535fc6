"""add email

Revision ID: 9f30f4d2c40f
Revises: cb56ba7f3c30
Create Date: 2026-03-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9f30f4d2c40f'
down_revision = 'cb56ba7f3c30'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
