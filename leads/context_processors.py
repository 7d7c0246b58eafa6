"""The unread-notification count in every page's header (one indexed COUNT)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from leads.selectors import unread_notification_count

        return unread_notification_count(user)

    # Lazy: pages without the header (downloads, JSON) never run the query.
    return {"unread_notifications": count}
