"""add phone"""
revision = "003"
down_revision = "001"
