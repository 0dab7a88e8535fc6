"""two

Revision ID: ea0a9b08dc60
Revises: 
Create Date: 2026-03-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ea0a9b08dc60'
down_revision = 'efd30f17d657'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
