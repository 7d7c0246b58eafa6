"""API authentication: knox tokens, and browser sessions only once the second factor is verified."""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request


class VerifiedSessionAuthentication(SessionAuthentication):
    """Session authentication that ignores sessions not verified with the second factor."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        is_verified = getattr(user, "is_verified", None)
        if is_verified is None or not is_verified():
            return None
        return result


class VerifiedSessionScheme(SessionScheme):
    """Documents the verified session in the OpenAPI schema like DRF's session (cookie) auth."""

    target_class = "portal.api.authentication.VerifiedSessionAuthentication"
