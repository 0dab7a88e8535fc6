"""add email"""
revision = "002"
