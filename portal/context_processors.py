"""Navigation by role, gathered from every app's `nav_items`."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = getattr(user, "role", "")
    items = []
    configs = sorted(apps.get_app_configs(), key=lambda c: getattr(c, "nav_order", 100))
    for config in configs:
        for label, url_name, roles in getattr(config, "nav_items", []):
            if role not in roles:
                continue
            try:
                url = reverse(url_name)
            except NoReverseMatch:
                continue
            items.append({"label": label, "url": url, "active": request.path.startswith(url)})
    # Dashboard is "/" and would be active everywhere.
    for item in items:
        if item["url"] == "/":
            item["active"] = request.path == "/"
    return {"nav_items": items}
