"""create users

Revision ID: 3f9c0a7d2e15
Revises: 
Create Date: 2025-03-02 10:14:07.118332

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '3f9c0a7d2e15'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('users', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('email', sa.String(255), nullable=False))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('users')
