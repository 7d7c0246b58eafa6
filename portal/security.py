"""Session rules applied to every URL: second factor, idle and absolute timeouts, rate limits.

SessionSecurityMiddleware is global on purpose: pages and API routes that any
app adds later are covered without a decorator (SECURITY.md items 2 and 4).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import F
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode

from portal.audit import audit_log
from portal.choices import AuditEventType
from portal.middleware import client_address

SESSION_AUTH_AT = "portal_auth_at"
SESSION_SEEN_AT = "portal_seen_at"
POLL_HEADER = "HTTP_X_PORTAL_POLL"

# View names (namespace included) reachable before the second factor is verified.
OPEN_URL_NAMES = frozenset({"login", "login_otp", "logout", "healthz"})
# Writing the last-seen time on every request would be a database write per
# request; a resolution of a few seconds is plenty for a 30 minute timeout.
SEEN_RESOLUTION_SECONDS = 5


def session_start(request: HttpRequest) -> None:
    """Stamp a freshly signed-in session (called from the user_logged_in signal)."""
    now = time.time()
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_SEEN_AT] = now


def sessions_end_all(user: Any) -> None:
    """End every session of `user`: their session hash changes (see User._get_session_auth_hash)."""
    from portal.models import User

    User.objects.filter(pk=user.pk).update(session_version=F("session_version") + 1)
    user.refresh_from_db(fields=["session_version"])


def is_verified(user: Any) -> bool:
    """True when the user's session passed the second factor (django-otp's OTPMiddleware)."""
    check = getattr(user, "is_verified", None)
    return bool(user.is_authenticated and check is not None and check())


def is_background_poll(request: HttpRequest, url_name: str | None) -> bool:
    return request.META.get(POLL_HEADER) == "1" or url_name in settings.PORTAL_POLL_URL_NAMES


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )


def _url_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


def _is_open_path(request: HttpRequest, url_name: str | None) -> bool:
    return url_name in OPEN_URL_NAMES or request.path.startswith(settings.STATIC_URL)


class SessionSecurityMiddleware:
    """Idle (30 min) and absolute (12 h) timeouts, and the second factor, for every URL."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        url_name = _url_name(request)
        poll = is_background_poll(request, url_name)
        now = time.time()
        started = request.session.get(SESSION_AUTH_AT)
        seen = request.session.get(SESSION_SEEN_AT)
        expired = (
            started is None
            or seen is None
            or now - seen > settings.PORTAL_SESSION_IDLE_SECONDS
            or now - started > settings.PORTAL_SESSION_ABSOLUTE_SECONDS
        )
        if expired:
            audit_log(
                request=request,
                event_type=AuditEventType.SESSION_EXPIRED,
                user=user,
                detail={"idle": bool(seen and now - seen > settings.PORTAL_SESSION_IDLE_SECONDS)},
            )
            # Not logout(): a timeout ends this session only, not the user's others.
            request.session.flush()
            request.user = AnonymousUser()
            if poll or wants_json(request):
                return JsonResponse({"detail": "Your session has expired."}, status=401)
            return self.get_response(request)
        if not is_verified(user) and not _is_open_path(request, url_name):
            if wants_json(request):
                return JsonResponse({"detail": "Second factor required."}, status=403)
            return redirect(
                f"{reverse('login_otp')}?{urlencode({'next': request.get_full_path()})}"
            )
        if not poll and seen is not None and now - seen >= SEEN_RESOLUTION_SECONDS:
            request.session[SESSION_SEEN_AT] = now
        return self.get_response(request)


def rate_limited(request: HttpRequest, scope: str) -> bool:
    """True when this client address has used up `scope`'s requests in the current window.

    A fixed window counter in the shared cache (Redis in production), keyed on
    the trusted client address (portal.middleware.client_address).
    """
    from django.core.cache import cache

    limit, window = settings.PORTAL_RATE_LIMITS[scope]
    bucket = int(time.time() // window)
    key = f"portal:rate:{scope}:{client_address(request) or 'unknown'}:{bucket}"
    cache.add(key, 0, timeout=window + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        count = 1
    return count > limit


def too_many_requests(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": "Too many requests; try again in a minute."}, status=429)
    return HttpResponse(
        "Too many requests; try again in a minute.", status=429, content_type="text/plain"
    )
