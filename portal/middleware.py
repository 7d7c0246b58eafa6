"""Request id and trusted client address, used by the audit trail."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


def client_address(request: HttpRequest) -> str | None:
    """The client's address, believing X-Forwarded-For only from trusted proxies.

    Each trusted proxy appends the address it saw; the entry appended by the
    outermost trusted proxy is the client. Entries to its left were written
    by the client and are ignored, so rotating them changes nothing.
    """
    remote = request.META.get("REMOTE_ADDR") or None
    proxies = settings.PORTAL_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            remote = forwarded[-proxies]
    if remote is None:
        return None
    try:
        return str(ipaddress.ip_address(remote))
    except ValueError:
        return None


class RequestIdMiddleware:
    """Give every request an id of our own making, echoed in X-Request-ID."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = uuid.uuid4().hex  # type: ignore[attr-defined]
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id  # type: ignore[attr-defined]
        return response
