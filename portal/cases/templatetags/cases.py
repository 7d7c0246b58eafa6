"""`{% add_to_case record %}`: the "Add to case" form on a record's own page;
`{% timeline_steps events %}`: the steps of a timeline as list items."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from portal.cases.selectors import cases_for_adding
from portal.cases.timeline import TimelineEvent

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


@register.simple_tag
def timeline_steps(events: Iterable[TimelineEvent]) -> SafeString:
    """Each step as a list item (cases/_timeline.html): its kind, its date and the record
    it stands on. Built here, every value escaped, rather than by a template loop, which
    took most of a big case's page to render its hundreds of steps."""
    return format_html_join(
        "\n",
        '<li><span class="badge">{}</span> <time>{}</time> {}{}</li>',
        (
            (
                event.kind_label,
                event.day or "date unknown",
                format_html('<a href="{}">{}</a>', event.url, event.label)
                if event.url
                else event.label,
                format_html(' <span class="lede">({})</span>', event.detail)
                if event.detail
                else "",
            )
            for event in events
        ),
    )
