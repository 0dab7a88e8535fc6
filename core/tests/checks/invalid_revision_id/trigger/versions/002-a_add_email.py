"""add email"""
revision = "002-a"
down_revision = "001"
