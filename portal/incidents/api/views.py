"""Read endpoints for incidents, alerts and links, and the live ShotSpotter feed (POST)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.mixins import ScopedReadOnlyViewSet
from portal.audit import audit_log
from portal.choices import AuditEventType
from portal.incidents.api.serializers import (
    AlertDetailSerializer,
    AlertFeedSerializer,
    AlertIncidentLinkSerializer,
    AlertSerializer,
    IncidentDetailSerializer,
    IncidentSerializer,
)
from portal.incidents.filtersets import AlertFilterSet, IncidentFilterSet
from portal.incidents.import_jobs import IMPORT_ROLES
from portal.incidents.models import AlertIncidentLink, Incident, ShotSpotterAlert
from portal.incidents.services import alerts_receive
from portal.models import Agency

FEED_MAX_ALERTS = 1000


class IncidentViewSet(ScopedReadOnlyViewSet):
    """Crime incidents, with persons and linked alerts on the detail."""

    scoped_queryset = Incident.objects.all()
    filterset_class = IncidentFilterSet

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            return queryset.prefetch_related("persons", "alert_links__alert")
        return queryset

    def get_serializer_class(self) -> Any:
        return IncidentDetailSerializer if self.action == "retrieve" else IncidentSerializer


FeedResult = inline_serializer(
    name="AlertFeedResult",
    fields={
        "received": serializers.IntegerField(),
        "created": serializers.IntegerField(),
        "updated": serializers.IntegerField(),
        "unchanged": serializers.IntegerField(),
        "alerts": serializers.ListField(child=serializers.DictField()),
    },
)


class AlertViewSet(ScopedReadOnlyViewSet):
    """ShotSpotter alerts. POST one alert or a list: the live feed; links follow in a worker."""

    scoped_queryset = ShotSpotterAlert.objects.all()
    filterset_class = AlertFilterSet

    def get_queryset(self) -> QuerySet[Any]:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            return queryset.prefetch_related("incident_links__incident")
        return queryset

    def get_serializer_class(self) -> Any:
        if self.action == "create":
            return AlertFeedSerializer
        return AlertDetailSerializer if self.action == "retrieve" else AlertSerializer

    @extend_schema(
        request=AlertFeedSerializer,
        responses={201: FeedResult},
        description="One alert object, or a list of up to 1000. Validation errors are 400s "
        "naming each bad field (for a list, by position). Re-sending an alert changes nothing.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        agency = getattr(user, "agency", None)
        if getattr(user, "role", None) not in IMPORT_ROLES or not isinstance(agency, Agency):
            raise PermissionDenied("Your role may not send alerts.")
        payload = request.data
        many = isinstance(payload, list)
        if not many and not isinstance(payload, dict):
            return Response(
                {"detail": "Send one alert object or a list of alert objects."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if many and not payload:
            return Response({"detail": "The list is empty."}, status=status.HTTP_400_BAD_REQUEST)
        if many and len(payload) > FEED_MAX_ALERTS:
            return Response(
                {"detail": f"Send at most {FEED_MAX_ALERTS} alerts at a time."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        serializer = AlertFeedSerializer(data=payload, many=many)
        serializer.is_valid(raise_exception=True)
        items = serializer.validated_data if many else [serializer.validated_data]
        counts, alerts = alerts_receive(
            agency=agency,
            items=items,
            default_tz=settings.TIME_ZONE,
        )
        audit_log(
            request=request,
            event_type=AuditEventType.CREATE,
            object_type="incidents.shotspotteralert",
            object_id=",".join(alert.source_id for alert in alerts)[:100],
            detail={"received": len(items), **counts, "via": "feed"},
        )
        return Response(
            {
                "received": len(items),
                **counts,
                "alerts": [
                    {"id": alert.pk, "source_id": alert.source_id, "url": alert.get_absolute_url()}
                    for alert in alerts
                ],
            },
            status=status.HTTP_201_CREATED,
        )


class AlertIncidentLinkViewSet(ScopedReadOnlyViewSet):
    """Links between alerts and incidents: distance, minutes and the rule that made each."""

    scoped_queryset = AlertIncidentLink.objects.select_related("alert", "incident")
    serializer_class = AlertIncidentLinkSerializer
