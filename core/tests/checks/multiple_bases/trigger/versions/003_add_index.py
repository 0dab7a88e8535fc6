"""add index"""
revision = "003"
down_revision = None
