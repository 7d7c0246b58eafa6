"""The audit review page for supervisors and administrators, and its CSV export."""

from __future__ import annotations

from datetime import UTC

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from portal.audit import audit_export, audit_log
from portal.choices import AuditEventType
from portal.exports import csv_response
from portal.filtersets import AuditEventFilterSet
from portal.models import AuditEvent
from portal.permissions import REVIEW_AUDIT, role_required

EXPORT_HEADER = [
    "occurred_at_utc",
    "actor",
    "agency",
    "event_type",
    "object_type",
    "object_id",
    "outcome",
    "client_address",
    "request_id",
    "detail",
]


def agency_audit_events(request: HttpRequest) -> QuerySet[AuditEvent]:
    """The audit rows of the reviewer's own agency only (audit rows are never shared)."""
    agency_id = getattr(request.user, "agency_id", None)
    if agency_id is None:
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(agency_id=agency_id)


def _filters_used(filterset: AuditEventFilterSet) -> dict[str, str]:
    return {key: str(value) for key, value in filterset.data.items() if value and key != "page"}


@login_required
@role_required(REVIEW_AUDIT)
def audit_list(request: HttpRequest) -> HttpResponse:
    filterset = AuditEventFilterSet(request.GET, queryset=agency_audit_events(request))
    events = filterset.qs if filterset.is_valid() else agency_audit_events(request).none()
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    audit_log(
        request=request,
        event_type=AuditEventType.AUDIT_ACCESS,
        object_type="portal.auditevent",
        detail={"filters": _filters_used(filterset), "page": page.number},
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "portal/audit_list.html",
        {"filter": filterset, "page": page, "query": query.urlencode()},
    )


@login_required
@role_required(REVIEW_AUDIT)
def audit_export_csv(request: HttpRequest) -> StreamingHttpResponse | HttpResponse:
    filterset = AuditEventFilterSet(request.GET, queryset=agency_audit_events(request))
    if not filterset.is_valid():
        return HttpResponse("Invalid filters.", status=400, content_type="text/plain")
    events = filterset.qs
    count = events.count()
    filters = _filters_used(filterset)
    audit_log(
        request=request,
        event_type=AuditEventType.AUDIT_ACCESS,
        object_type="portal.auditevent",
        detail={"filters": filters, "export": "csv"},
    )
    audit_export(request, scope="portal.auditevent", fmt="csv", rows=count, filters=filters)
    rows = (
        (
            event.occurred_at.astimezone(UTC).isoformat(),
            event.actor_username,
            event.agency.ori if event.agency else "",
            event.event_type,
            event.object_type,
            event.object_id,
            event.outcome,
            event.client_address or "",
            event.request_id,
            event.detail,
        )
        for event in events.iterator(chunk_size=2000)
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return csv_response(f"audit-{stamp}.csv", EXPORT_HEADER, rows)
