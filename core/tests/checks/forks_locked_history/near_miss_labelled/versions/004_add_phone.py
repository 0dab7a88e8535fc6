"""add phone"""
revision = "004"
down_revision = "002"
branch_labels = ("phone",)
