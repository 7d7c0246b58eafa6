"""Production settings: behind a TLS proxy, secrets from the environment only."""

from __future__ import annotations

from portal.env import env, env_int
from portal.settings.base import *  # noqa: F403

DEBUG = False
# No default: a production server without its own key must not start.
SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY or SECRET_KEY.startswith("insecure-"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set to a strong secret in production.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = env_int("PORTAL_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-portal-session"
CSRF_COOKIE_NAME = "__Host-portal-csrf"
# Never accept the synthetic demo's fixed TOTP secrets in production.
PORTAL_DEMO_TOTP = False
