"""add email"""
revision = "002"
down_revision = "001_create_users"
