"""add email"""
revision = "002"
down_revision = "001"
