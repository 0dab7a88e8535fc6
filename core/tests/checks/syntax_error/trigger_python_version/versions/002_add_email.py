"""add email"""
revision = "002"
down_revision = "001"


def upgrade():
    try:
        pass
    except* ValueError:
        pass
