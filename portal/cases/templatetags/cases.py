"""`{% add_to_case record %}`: the "Add to case" form on a record's own page."""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType
from django.db import models

from portal.cases.selectors import cases_for_adding

register = template.Library()


@register.inclusion_tag("cases/_add_to_case.html", takes_context=True)
def add_to_case(context: Any, record: models.Model) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "record": record,
        "content_type_id": ContentType.objects.get_for_model(record).pk,
        "cases": cases_for_adding(user) if user is not None else [],
        "csrf_token": context.get("csrf_token"),
        "next": request.get_full_path() if request is not None else "",
    }
