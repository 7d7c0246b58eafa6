"""Settings for every environment, read from the environment through portal.env."""

from __future__ import annotations

from pathlib import Path

import dj_database_url
import django_stubs_ext
import plotly
from csp.constants import NONCE

from portal.embedded_db import embedded_database_url
from portal.env import env, env_bool, env_int, env_list

# Lets admin.ModelAdmin[Model] and friends be subscripted at run time.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env("PORTAL_VAR_DIR", str(BASE_DIR / "var")) or BASE_DIR / "var")

DEBUG = env_bool("DEBUG", False)
# A development key, refused by the production settings.
SECRET_KEY = env("SECRET_KEY", "insecure-development-key-do-not-use-in-production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "portal.apps.PortalConfig",
    "portal.incidents.apps.IncidentsConfig",
    "portal.cases.apps.CasesConfig",
    "tracing.apps.TracingConfig",
    "ballistics.apps.BallisticsConfig",
    "leads.apps.LeadsConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.middleware.RequestIdMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    # Global, not per view: every URL any app adds is covered (SECURITY.md items 2 and 4).
    "portal.security.SessionSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

_database_url = env("DATABASE_URL", None)
DATABASE_IS_EMBEDDED = not _database_url
if not _database_url:
    _database_url = embedded_database_url(VAR_DIR)
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}

AUTH_USER_MODEL = "portal.User"
# The lockout check runs before any password is compared, on every path that
# calls authenticate(): the sign-in form, the admin and the API token login.
AUTHENTICATION_BACKENDS = ["portal.lockout.LockoutModelBackend"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Salted, iterated KDFs only (CJIS IA-5(1)); the first one hashes new passwords.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("PORTAL_TIME_ZONE", "America/New_York") or "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# plotly.js comes from the plotly wheel itself: no CDN, police networks are often closed.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/plotly", Path(plotly.__file__).parent / "package_data"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

MEDIA_ROOT = Path(env("PORTAL_MEDIA_ROOT", str(VAR_DIR / "media")) or VAR_DIR / "media")
MEDIA_URL = "/media/"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The number of reverse proxies in front of the portal that append to
# X-Forwarded-For. Only their entries are believed; anything a client sends
# itself is ignored, so the audited address cannot be spoofed.
PORTAL_TRUSTED_PROXY_COUNT = env_int("PORTAL_TRUSTED_PROXY_COUNT", 0)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # No BasicAuthentication: it would sign in with a password alone (SECURITY.md item 2).
        "knox.auth.TokenAuthentication",
        "portal.api.authentication.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
REST_KNOX = {
    "TOKEN_TTL": None,  # set per token at creation; see portal.services.api_token_create
    "AUTO_REFRESH": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Crime gun intelligence portal API",
    "DESCRIPTION": "Traces, incidents, gunshot alerts, ballistic evidence and leads, "
    "scoped to the records your agency may see.",
    "VERSION": "1",
    # Several models have a "status" with their own choices; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "LeadStatusEnum": "leads.models.LeadStatus",
        "LeadKindEnum": "leads.models.LeadKind",
        "EntityKindEnum": "leads.models.EntityKind",
        "EvidenceKindEnum": "ballistics.choices.EvidenceKind",
    },
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# E-mail (lead assignments): sent only when an SMTP host is given; in-app notifications always.
EMAIL_HOST = env("PORTAL_EMAIL_HOST", "") or ""
EMAIL_PORT = env_int("PORTAL_EMAIL_PORT", 587)
EMAIL_HOST_USER = env("PORTAL_EMAIL_USER", "") or ""
EMAIL_HOST_PASSWORD = env("PORTAL_EMAIL_PASSWORD", "") or ""
EMAIL_USE_TLS = env_bool("PORTAL_EMAIL_TLS", True)
DEFAULT_FROM_EMAIL = env("PORTAL_EMAIL_FROM", "cgi-portal@localhost") or "cgi-portal@localhost"

# Celery: Redis when REDIS_URL is set; otherwise tasks run in-process.
REDIS_URL = env("REDIS_URL", None)
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 55 * 60
# Longer than the longest task time limit, so Redis never redelivers a task
# that is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * CELERY_TASK_TIME_LIMIT}
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TASK_DEFAULT_QUEUE = "default"
# One queue per kind of work so each can be scaled out on its own machines.
PORTAL_CELERY_QUEUES = ["default", "imports", "linking", "resolution", "correlation", "graph"]

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Sessions (CJIS AC-11, IA-11): re-authentication after 30 minutes idle and
# after 12 hours in all; see portal.security.SessionSecurityMiddleware.
PORTAL_SESSION_IDLE_SECONDS = env_int("PORTAL_SESSION_IDLE_SECONDS", 30 * 60)
PORTAL_SESSION_ABSOLUTE_SECONDS = env_int("PORTAL_SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60)
SESSION_COOKIE_AGE = PORTAL_SESSION_ABSOLUTE_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# URL names of background polls that must not keep a session alive (besides
# any request carrying the header X-Portal-Poll: 1, as static/js/portal.js sends).
PORTAL_POLL_URL_NAMES = ["job_status"]
# Lockout (CJIS AC-7): this many failures within the window lock the account
# until an administrator unlocks it.
PORTAL_LOCKOUT_FAILURES = env_int("PORTAL_LOCKOUT_FAILURES", 5)
PORTAL_LOCKOUT_WINDOW_SECONDS = env_int("PORTAL_LOCKOUT_WINDOW_SECONDS", 15 * 60)
# Rate limits per client address: (requests, seconds) for sign-in and API token endpoints.
PORTAL_RATE_LIMITS = {
    "login": (env_int("PORTAL_LOGIN_RATE_LIMIT", 30), 60),
    "otp": (env_int("PORTAL_LOGIN_RATE_LIMIT", 30), 60),
    "api_token": (env_int("PORTAL_TOKEN_RATE_LIMIT", 10), 60),
}
# API tokens (knox: stored hashed, each with an expiry, revocable).
PORTAL_API_TOKEN_HOURS = env_int("PORTAL_API_TOKEN_HOURS", 12)
OTP_TOTP_ISSUER = "CGI portal"
# Demo TOTP secrets are accepted only where this is true (never in production).
PORTAL_DEMO_TOTP = env_bool("PORTAL_DEMO_TOTP", True)

# Content Security Policy: scripts only from the portal itself or with the
# per-response nonce (`nonce="{{ request.csp_nonce }}"`); charts are drawn by
# static/js/portal.js from JSON in <script type="application/json"> (json_script).
# Styles allow inline attributes because plotly.js sets them on its SVG.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("PORTAL_LOG_LEVEL", "INFO")},
}

# Upload limits (files are read in chunks; see ballistics and imports).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PORTAL_MAX_IMPORT_BYTES = env_int("PORTAL_MAX_IMPORT_BYTES", 512 * 1024 * 1024)

# Linking gunshot alerts to incidents and to each other (portal.incidents.linking).
PORTAL_ALERT_LINK_RADIUS_M = env_int("PORTAL_ALERT_LINK_RADIUS_M", 250)
PORTAL_ALERT_LINK_MINUTES_BEFORE = env_int("PORTAL_ALERT_LINK_MINUTES_BEFORE", 30)
PORTAL_ALERT_LINK_MINUTES_AFTER = env_int("PORTAL_ALERT_LINK_MINUTES_AFTER", 60)
PORTAL_ALERT_CLUSTER_RADIUS_M = env_int("PORTAL_ALERT_CLUSTER_RADIUS_M", 100)
PORTAL_ALERT_CLUSTER_MINUTES = env_int("PORTAL_ALERT_CLUSTER_MINUTES", 5)

# Image uploads (portal.uploads): bytes and pixels (checked before decoding).
PORTAL_MAX_IMAGE_BYTES = env_int("PORTAL_MAX_IMAGE_BYTES", 25 * 1024 * 1024)
PORTAL_MAX_IMAGE_PIXELS = env_int("PORTAL_MAX_IMAGE_PIXELS", 40_000_000)
