"""Writing the audit trail: one call per audited event (SECURITY.md item 9)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from portal.bulk import copy_rows
from portal.choices import AuditEventType, AuditOutcome
from portal.middleware import client_address
from portal.models import AuditEvent


def audit_log(
    *,
    request: HttpRequest | None,
    event_type: AuditEventType | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    outcome: AuditOutcome | str = AuditOutcome.SUCCESS,
    user: Any = None,
    username: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event. `detail` must hold no secrets and minimal personal data."""
    actor = user if user is not None else getattr(request, "user", None)
    if actor is not None and not actor.is_authenticated:
        actor = None
    agency_id = getattr(actor, "agency_id", None)
    if actor is None and username:
        # A failed sign-in has no actor; its agency is the named account's, if it exists,
        # so that the agency's supervisors see attempts on their users.
        from portal.models import User

        agency_id = (
            User.objects.filter(username=username).values_list("agency_id", flat=True).first()
        )
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else username)[:150],
        agency_id=agency_id,
        event_type=str(event_type),
        object_type=object_type,
        object_id=object_id,
        outcome=str(outcome),
        client_address=client_address(request) if request is not None else None,
        request_id=getattr(request, "request_id", "") if request is not None else "",
        detail=detail or {},
    )


def audit_view(request: HttpRequest, obj: models.Model) -> None:
    """Record that the requesting user viewed one record."""
    audit_log(request=request, event_type=AuditEventType.VIEW, obj=obj)


def audit_search(request: HttpRequest, *, scope: str, query: str, results: int) -> None:
    audit_log(
        request=request,
        event_type=AuditEventType.SEARCH,
        object_type=scope,
        detail={"query": query[:200], "results": results},
    )


def audit_export(request: HttpRequest, *, scope: str, fmt: str, rows: int, **extra: Any) -> None:
    audit_log(
        request=request,
        event_type=AuditEventType.EXPORT,
        object_type=scope,
        detail={"format": fmt, "rows": rows, **extra},
    )


def audit_log_system_bulk(
    *,
    event_type: AuditEventType | str,
    model: type[models.Model],
    entries: list[tuple[Any, dict[str, Any]]],
    username: str = "system",
) -> int:
    """Append one audit event per (primary key of a `model` record, detail) done by a system
    process, in one COPY.

    The events are those `audit_log(request=None, obj=..., username=..., detail=...)`
    writes one at a time (no actor; the agency of the named account, if any). A rule
    run raises hundreds of thousands of leads at a state's first load: no model
    instance is built for any of them.
    """
    if not entries:
        return 0
    from portal.models import User

    agency_id = User.objects.filter(username=username).values_list("agency_id", flat=True).first()
    object_type = model._meta.label_lower
    return copy_rows(
        AuditEvent,
        [
            "actor_username",
            "agency_id",
            "event_type",
            "object_type",
            "object_id",
            "outcome",
            "detail",
        ],
        (
            (
                username[:150],
                agency_id,
                str(event_type),
                object_type,
                str(pk),
                str(AuditOutcome.SUCCESS),
                detail,
            )
            for pk, detail in entries
        ),
    )
