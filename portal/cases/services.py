"""Writes: opening a case and adding records to it (each one audited)."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.http import HttpRequest

from portal.audit import audit_log
from portal.cases.choices import CaseStatus
from portal.cases.models import Case, CaseItem
from portal.choices import AuditEventType
from portal.models import Agency, User


@transaction.atomic
def case_create(
    *,
    agency: Agency,
    number: str,
    title: str,
    lead_detective: User | None = None,
    status: str = CaseStatus.OPEN,
    summary: str = "",
    request: HttpRequest | None = None,
) -> Case:
    case = Case.objects.create(
        agency=agency,
        number=number.strip(),
        title=title.strip(),
        lead_detective=lead_detective,
        status=status,
        summary=summary,
    )
    audit_log(
        request=request,
        event_type=AuditEventType.CREATE,
        obj=case,
        user=lead_detective if request is None else None,
    )
    return case


@transaction.atomic
def case_item_add(
    *,
    case: Case,
    record: models.Model,
    user: User | None,
    note: str = "",
    request: HttpRequest | None = None,
) -> tuple[CaseItem, bool]:
    """Put `record` in `case` (once: adding it again changes nothing). The caller has
    checked that the user may see both the case and the record."""
    item, created = CaseItem.objects.get_or_create(
        case=case,
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        defaults={"agency_id": case.agency_id, "added_by": user, "note": note[:300]},
    )
    if created:
        Case.objects.filter(pk=case.pk).update(updated_at=item.added_at)
        detail: dict[str, Any] = {"record": record._meta.label_lower, "record_id": record.pk}
        audit_log(
            request=request,
            event_type=AuditEventType.UPDATE,
            obj=case,
            user=user if request is None else None,
            detail={"added": detail},
        )
    return item, created
