"""add email"""
revision = None
down_revision = "001"
