"""add coupons

Revision ID: 3e2d9bda74c2
Revises: 573925b17bab
Create Date: 2026-03-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e2d9bda74c2'
down_revision = '573925b17bab'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
