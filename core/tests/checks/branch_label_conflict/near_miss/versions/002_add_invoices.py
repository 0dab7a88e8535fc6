"""add invoices"""
revision = "002"
down_revision = "001"
branch_labels = ("billing",)
