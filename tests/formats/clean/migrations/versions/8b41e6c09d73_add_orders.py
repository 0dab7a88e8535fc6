"""add orders

Revision ID: 8b41e6c09d73
Revises: 3f9c0a7d2e15
Create Date: 2025-03-09 16:40:51.902114

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '8b41e6c09d73'
down_revision: Union[str, Sequence[str], None] = '3f9c0a7d2e15'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table('orders', sa.Column('id', sa.Integer(), primary_key=True), sa.Column('user_id', sa.Integer(), sa.ForeignKey('users.id')))


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('orders')
