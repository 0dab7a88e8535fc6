"""add email"""
revision: str
down_revision = "001"
