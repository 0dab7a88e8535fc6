"""add email"""
down_revision = "001"
