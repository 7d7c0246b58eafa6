from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from leads.api.serializers import LeadDetailSerializer, LeadSerializer
from leads.filtersets import LeadFilterSet
from leads.models import Lead, LeadRecord
from portal.api.mixins import ScopedReadOnlyViewSet


class LeadViewSet(ScopedReadOnlyViewSet):
    """Leads, highest score first; one lead with the records it stands on and their evidence."""

    scoped_queryset = Lead.objects.select_related("agency", "assignee").order_by(
        "-score", "-created_at", "-pk"
    )
    filterset_class = LeadFilterSet

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            records = LeadRecord.objects.select_related("content_type").order_by(
                "occurred_at", "pk"
            )
            queryset = queryset.prefetch_related(Prefetch("records", queryset=records))
        return queryset

    def get_serializer_class(self) -> Any:
        return LeadDetailSerializer if self.action == "retrieve" else LeadSerializer
