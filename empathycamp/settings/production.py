"""Production: secure cookies and HTTPS; everything else still comes from the environment."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *
from .base import EMAIL_BACKEND, SECRET_KEY, env_bool

if SECRET_KEY.startswith("dev-insecure"):
    raise RuntimeError("Set SECRET_KEY in the environment for production.")
# The console backend prints password-reset links to the server's log, for anyone who reads it.
if EMAIL_BACKEND.endswith((".console.EmailBackend", ".locmem.EmailBackend", ".dummy.EmailBackend")):
    raise ImproperlyConfigured(
        "Set EMAIL_BACKEND (and EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, "
        "EMAIL_USE_TLS) for production: the console backend would print password-reset links to the log."
    )
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
# Browsers keep to HTTPS for a year once they have seen the site (preload: a commitment; set
# SECURE_HSTS_PRELOAD=0 before the first deploy if the domain should not join the preload list).
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "empathycamp.storage.StaticFilesStorage"},
}
