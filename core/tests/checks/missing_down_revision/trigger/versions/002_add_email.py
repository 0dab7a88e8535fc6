"""add email"""
from typing import Union

revision: str = "002"
down_revision: Union[str, None]
