"""merge"""
revision = "004"
down_revision = ("002", "003")
