"""add email"""
import os

revision = os.environ.get("REV", "002")
down_revision = "001"
