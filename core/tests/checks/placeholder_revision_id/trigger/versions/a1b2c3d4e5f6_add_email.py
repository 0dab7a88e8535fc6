"""add email"""
revision = "a1b2c3d4e5f6"
down_revision = "001"
