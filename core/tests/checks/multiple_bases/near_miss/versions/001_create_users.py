"""create users"""
revision = "001"
down_revision = None
branch_labels = ("users",)
