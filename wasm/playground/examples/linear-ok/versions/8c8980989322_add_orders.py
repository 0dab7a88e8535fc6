"""add orders

Revision ID: 8c8980989322
Revises: 9f30f4d2c40f
Create Date: 2026-03-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c8980989322'
down_revision = '9f30f4d2c40f'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
