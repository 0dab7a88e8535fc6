"""add email"""
revision = "002"
down_revision = "001"

import sqlalchemy as sa
from alembic import op


def upgrade():
    op.add_column("users", sa.Column("email", sa.String()))
