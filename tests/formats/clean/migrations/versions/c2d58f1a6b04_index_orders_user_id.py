"""index orders user id

Revision ID: c2d58f1a6b04
Revises: 8b41e6c09d73
Create Date: 2025-04-01 08:03:26.441870

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = 'c2d58f1a6b04'
down_revision: Union[str, Sequence[str], None] = '8b41e6c09d73'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_index('ix_orders_user_id', 'orders', ['user_id'])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_orders_user_id', table_name='orders')
