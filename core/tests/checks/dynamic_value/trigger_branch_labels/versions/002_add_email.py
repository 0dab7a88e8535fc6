"""add email"""
from labels import BILLING

revision = "002"
down_revision = "001"
branch_labels = (BILLING,)
