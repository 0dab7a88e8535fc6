"""lib, first copy

Revision ID: b2f1
Revises: 1a0c
"""

revision = "b2f1"
down_revision = "1a0c"
branch_labels = ("lib",)
depends_on = None
