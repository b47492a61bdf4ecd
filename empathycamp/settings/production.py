"""Production: secure cookies and HTTPS; everything else still comes from the environment."""

from .base import *
from .base import SECRET_KEY, env_bool

if SECRET_KEY.startswith("dev-insecure"):
    raise RuntimeError("Set SECRET_KEY in the environment for production.")

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "empathycamp.storage.StaticFilesStorage"},
}
