"""add index

Revision ID: 004
Revises: 002, 003
"""
revision = "004"
down_revision = ("002", "003")
