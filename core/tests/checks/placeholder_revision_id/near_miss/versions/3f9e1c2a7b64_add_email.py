"""add email"""
revision = "3f9e1c2a7b64"
down_revision = "001"
