"""add index

Revision ID: 003
Revises: 001
"""
revision = "003"
down_revision = "002"
