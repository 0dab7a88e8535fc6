"""merge"""
revision = "003"
down_revision = ("001", "002")
