"""create invoices"""
revision = "002"
down_revision = None
branch_labels = ("billing",)
