"""add phone"""
revision = "004"
down_revision = "002"
