"""merge"""
revision = "003"
down_revision = ("002", "003")
