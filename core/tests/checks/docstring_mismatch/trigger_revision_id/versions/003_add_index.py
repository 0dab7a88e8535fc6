"""add index

Revision ID: 002
Revises: 002
"""
revision = "003"
down_revision = "002"
