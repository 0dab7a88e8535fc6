"""add refunds"""
revision = "003"
down_revision = "002"
branch_labels = ("billing",)
