"""needs lib

Revision ID: 3c00
Revises: 1a0c
"""

revision = "3c00"
down_revision = "1a0c"
branch_labels = None
depends_on = "lib"
