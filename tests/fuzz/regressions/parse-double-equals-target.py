revision = = "a"
