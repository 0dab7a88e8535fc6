"""one

Revision ID: efd30f17d657
Revises: 
Create Date: 2026-03-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'efd30f17d657'
down_revision = 'ea0a9b08dc60'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
