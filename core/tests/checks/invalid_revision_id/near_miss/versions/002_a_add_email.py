"""add email"""
revision = "002_a"
down_revision = "001"
