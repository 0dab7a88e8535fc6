"""add phone"""
revision = "002a"
down_revision = "002"
