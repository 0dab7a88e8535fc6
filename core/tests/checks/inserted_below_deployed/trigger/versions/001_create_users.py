"""create users"""
revision = "001"
down_revision = None
