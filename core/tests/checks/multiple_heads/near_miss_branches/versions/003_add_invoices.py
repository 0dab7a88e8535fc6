"""add invoices"""
revision = "003"
down_revision = "001"
branch_labels = ("billing",)
