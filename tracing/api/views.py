from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from rest_framework import viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from portal.api.mixins import ScopedReadOnlyViewSet
from portal.audit import audit_view
from tracing.api.serializers import (
    DealerSerializer,
    FirearmSerializer,
    PersonMentionSerializer,
    TraceSerializer,
)
from tracing.filtersets import DealerFilterSet, FirearmFilterSet, TraceFilterSet
from tracing.models import Dealer, Firearm, PersonMention, Trace


class TraceViewSet(ScopedReadOnlyViewSet):
    """e-Trace traces with their firearm, purchase and indicators."""

    scoped_queryset = Trace.objects.select_related(
        "agency", "firearm", "purchase__dealer"
    ).order_by("-recovery_date", "-pk")
    serializer_class = TraceSerializer
    filterset_class = TraceFilterSet


class FirearmViewSet(ScopedReadOnlyViewSet):
    """Firearms, one per manufacturer and normalised serial."""

    scoped_queryset = Firearm.objects.order_by("pk")
    serializer_class = FirearmSerializer
    filterset_class = FirearmFilterSet


class PurchaserViewSet(ScopedReadOnlyViewSet):
    """Purchasers exactly as each trace named them (person mentions)."""

    scoped_queryset = PersonMention.objects.filter(role="purchaser").order_by("pk")
    serializer_class = PersonMentionSerializer
    filterset_fields = ["person_key", "last_name_key"]


class DealerViewSet(viewsets.ReadOnlyModelViewSet[Dealer]):
    """Dealers in the FFL list or behind a trace you can see."""

    serializer_class = DealerSerializer
    filterset_class = DealerFilterSet

    def get_queryset(self) -> QuerySet[Dealer]:
        visible = Trace.objects.visible_to(self.request.user).filter(
            purchase__dealer=OuterRef("pk")
        )
        return Dealer.objects.filter(Q(in_ffl_list=True) | Exists(visible)).order_by("pk")

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        audit_view(request, instance)
        return Response(self.get_serializer(instance).data)
