"""Production: set DATABASE_URL, FANGKONG_ALLOWED_HOSTS; HTTPS terminates at the proxy."""

from .base import *  # noqa: F403

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
