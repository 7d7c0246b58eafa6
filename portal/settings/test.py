"""Settings for the test suite: the same database and broker, faster hashing."""

from __future__ import annotations

import tempfile
from pathlib import Path

from portal.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="portal-test-media-"))
# Tests enqueue in-process unless a test starts a real worker (tests/conftest.py).
CELERY_TASK_ALWAYS_EAGER = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The cache (Redis in CI) outlives a test: sign-in tests would trip the rate
# limits of each other. tests/security/test_hardening.py checks the limits with
# their own small values.
PORTAL_RATE_LIMITS = {scope: (100_000, 60) for scope in PORTAL_RATE_LIMITS}  # noqa: F405
