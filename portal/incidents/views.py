"""Pages: incident list and detail, alert list and detail, alert map, live alerts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from portal.audit import audit_export, audit_search, audit_view
from portal.exports import csv_text
from portal.incidents import selectors
from portal.incidents.charts import alert_map, incident_map
from portal.incidents.choices import AlertType
from portal.incidents.filtersets import AlertFilterSet, IncidentFilterSet
from portal.incidents.models import Incident, ShotSpotterAlert

PAGE_SIZE = 50


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return query.urlencode()


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    filterset = IncidentFilterSet(
        request.GET or None, queryset=selectors.incident_list(request.user)
    )
    incidents = filterset.qs if filterset.is_valid() else selectors.incident_list(request.user)
    if request.GET.get("format") == "csv":
        text, count = csv_text(
            selectors.INCIDENT_EXPORT_HEADER, selectors.incident_export_rows(incidents)
        )
        audit_export(
            request, scope="incidents", fmt="csv", rows=count, query=request.GET.urlencode()
        )
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="incidents.csv"'
        return response
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    if request.GET:
        audit_search(
            request, scope="incidents", query=request.GET.urlencode(), results=page.paginator.count
        )
    return render(
        request,
        "incidents/incident_list.html",
        {"filterset": filterset, "page": page, "query": _query_without_page(request)},
    )


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.visible_to(request.user), pk=pk)
    audit_view(request, incident)
    links = list(selectors.incident_links(request.user, incident))
    persons = incident.persons.all()
    figure = incident_map(
        selectors.incident_point(incident),
        [selectors.alert_point(link.alert) for link in links],
        radius_m=float(settings.PORTAL_ALERT_LINK_RADIUS_M),
    )
    return render(
        request,
        "incidents/incident_detail.html",
        {
            "incident": incident,
            "links": links,
            "persons": persons,
            "figure": figure,
            "radius_m": settings.PORTAL_ALERT_LINK_RADIUS_M,
        },
    )


@login_required
def alert_list(request: HttpRequest) -> HttpResponse:
    filterset = AlertFilterSet(request.GET or None, queryset=selectors.alert_list(request.user))
    alerts = filterset.qs if filterset.is_valid() else selectors.alert_list(request.user)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    if request.GET:
        audit_search(
            request, scope="alerts", query=request.GET.urlencode(), results=page.paginator.count
        )
    return render(
        request,
        "incidents/alert_list.html",
        {"filterset": filterset, "page": page, "query": _query_without_page(request)},
    )


@login_required
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(ShotSpotterAlert.objects.visible_to(request.user), pk=pk)
    audit_view(request, alert)
    return render(
        request,
        "incidents/alert_detail.html",
        {
            "alert": alert,
            "links": selectors.alert_links(request.user, alert),
            "siblings": selectors.event_siblings(request.user, alert),
        },
    )


@login_required
def alert_map_view(request: HttpRequest) -> HttpResponse:
    filterset = AlertFilterSet(request.GET or None, queryset=selectors.alert_list(request.user))
    alerts = filterset.qs if filterset.is_valid() else selectors.alert_list(request.user)
    layers = selectors.map_layers(alerts, request.user)
    figure = alert_map(layers.alerts, base=layers.base, type_labels=dict(AlertType.choices))
    by_type: dict[str, int] = {}
    for point in layers.alerts:
        by_type[point.kind] = by_type.get(point.kind, 0) + point.count
    summary = [
        (dict(AlertType.choices).get(kind, kind or "Unknown"), n) for kind, n in by_type.items()
    ]
    return render(
        request,
        "incidents/alert_map.html",
        {
            "filterset": filterset,
            "figure": figure,
            "alert_count": layers.alert_count,
            "incident_count": layers.incident_count,
            "cell_metres": layers.cell_metres,
            "raw_points_max": selectors.MAP_RAW_POINTS_MAX,
            "capped": layers.capped,
            "summary": sorted(summary),
        },
    )


@login_required
def alert_live(request: HttpRequest) -> HttpResponse:
    return render(request, "incidents/alert_live.html", _live_context(request))


@login_required
@never_cache
def alert_live_json(request: HttpRequest) -> JsonResponse:
    """The last 24 hours of alerts, for the live page's background poll."""
    context = _live_context(request)
    return JsonResponse(
        {
            "generated_at": context["now"].isoformat(),
            "count": len(context["alerts"]),
            "alerts": [
                {
                    "id": alert.pk,
                    "source_id": alert.source_id,
                    "fired_at": timezone.localtime(alert.fired_at).strftime("%Y-%m-%d %H:%M:%S"),
                    "type": alert.get_alert_type_display(),
                    "rounds": alert.rounds,
                    "latitude": alert.latitude,
                    "longitude": alert.longitude,
                    "incidents": alert.incident_count,
                    "event": alert.event_id,
                    "url": alert.get_absolute_url(),
                }
                for alert in context["alerts"]
            ],
            "figure": context["figure"],
        }
    )


def _live_context(request: HttpRequest) -> dict[str, Any]:
    alerts = list(selectors.recent_alerts(request.user)[:2000])
    figure = alert_map(
        [selectors.alert_point(alert) for alert in alerts],
        type_labels=dict(AlertType.choices),
        height=420,
    )
    return {
        "alerts": alerts,
        "figure": figure,
        "now": timezone.now(),
    }
