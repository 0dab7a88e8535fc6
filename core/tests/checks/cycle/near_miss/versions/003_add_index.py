"""add index"""
revision = "003"
down_revision = "002"
depends_on = "001"
