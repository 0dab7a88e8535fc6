"""merge heads

Revision ID: 921ae39e5e83
Revises: 103fa00718df, 3e2d9bda74c2
Create Date: 2026-03-04 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '921ae39e5e83'
down_revision = ('103fa00718df', '3e2d9bda74c2')
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
