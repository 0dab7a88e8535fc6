SECRET_KEY = "example-only"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "catalog",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "catalog"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
