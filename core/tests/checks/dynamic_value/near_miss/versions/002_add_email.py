"""add email"""
import os

revision: str = "002"
down_revision = "001"
schema = os.environ.get("SCHEMA", "public")
