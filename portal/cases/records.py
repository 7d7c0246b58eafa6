"""Which records can go in a case, and which of them a user may see.

A case item names its record by content type; this module is the one list of
the kinds a case holds, so a new kind (a lead) is one line, not a migration.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q, QuerySet

# app_label.model of every kind of record a case can hold, in the order panels show them.
CASE_RECORD_LABELS = (
    "incidents.incident",
    "incidents.shotspotteralert",
    "tracing.firearm",
    "tracing.trace",
    "tracing.personmention",
    "leads.entity",
    "ballistics.evidence",
    "leads.lead",
)

# Records whose resolved entities a case's network starts from.
ENTITY_SOURCE_LABELS = (
    "incidents.incident",
    "incidents.incidentperson",
    "tracing.trace",
    "tracing.personmention",
    "tracing.firearm",
    "incidents.shotspotteralert",
    "ballistics.evidence",
)


def record_model(label: str) -> type[models.Model] | None:
    """The model named `app_label.model`, or None when that app has no such model (yet)."""
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def visible_records(user: Any, model: type[models.Model]) -> QuerySet[Any]:
    """`model`'s records the user may see: through visible_to for agency records.

    An entity without an agency of its own is visible when one of its mentions
    is a record the user may see.
    """
    manager: Any = model._default_manager
    if hasattr(manager, "visible_to"):
        return manager.visible_to(user)
    if model._meta.label_lower == "leads.entity":
        condition = Q(pk__in=[])
        for label in ENTITY_SOURCE_LABELS:
            source = record_model(label)
            if source is None or not hasattr(source._default_manager, "visible_to"):
                continue
            content_type = ContentType.objects.get_for_model(source)
            condition |= Q(
                mentions__content_type=content_type,
                mentions__object_id__in=source._default_manager.visible_to(user).values("pk"),
            )
        return manager.filter(condition).distinct()
    return manager.none()
