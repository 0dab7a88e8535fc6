"""base

Revision ID: 1a0c
Revises:
"""

revision = "1a0c"
down_revision = None
branch_labels = None
depends_on = None
