"""shared helpers"""
TABLE = "users"
