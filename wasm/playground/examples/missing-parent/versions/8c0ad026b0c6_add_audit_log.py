"""add audit log

Revision ID: 8c0ad026b0c6
Revises: init
Create Date: 2026-03-02 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c0ad026b0c6'
down_revision = 'init'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
