from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from leads import selectors
from leads.api.serializers import (
    EntityDetailSerializer,
    EntitySerializer,
    LeadDetailSerializer,
    LeadSerializer,
    NetworkQuerySerializer,
    NetworkSerializer,
)
from leads.filtersets import LeadFilterSet
from leads.models import Entity, Lead, LeadRecord
from portal.api.mixins import ScopedReadOnlyViewSet
from portal.audit import audit_view


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


class EntityViewSet(ScopedReadOnlyViewSet):
    """Resolved entities (persons, firearms, dealers, places, incidents, alerts)."""

    scoped_queryset = Entity.objects.order_by("-degree", "pk")
    filterset_fields = ["kind"]

    def get_serializer_class(self) -> Any:
        return EntityDetailSerializer if self.action == "retrieve" else EntitySerializer

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("mentions")
        return queryset

    @extend_schema(parameters=[NetworkQuerySerializer], responses=NetworkSerializer)
    @action(detail=True)
    def network(self, request: Request, pk: str | None = None) -> Response:
        """The ego network of the entity: only entities the user may see."""
        entity = self.get_object()
        query = NetworkQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        values = query.validated_data
        kinds = tuple(values.get("kinds") or ()) or None
        ego = selectors.entity_ego_network(
            entity.pk,
            user=request.user,
            hops=values["hops"],
            max_nodes=values["max_nodes"],
            kinds=kinds,
            since=values.get("since"),
            until=values.get("until"),
        )
        edges = selectors.ego_edges(
            ego,
            selectors.EdgeFilter(kinds=kinds, since=values.get("since"), until=values.get("until")),
        )
        audit_view(request, entity)
        data = {
            "centre": entity.pk,
            "truncated": ego.truncated,
            "nodes": [
                {
                    "id": node,
                    "kind": attributes.get("kind", ""),
                    "name": attributes.get("label", ""),
                    "hop": attributes.get("hop", 0),
                    "hidden_neighbours": ego.hidden.get(node, 0),
                }
                for node, attributes in ego.graph.nodes(data=True)
            ],
            "edges": [
                {
                    "source_id": edge["source_id"],
                    "target_id": edge["target_id"],
                    "kind": edge["kind"],
                    "role": edge["role"],
                    "first_seen": edge["first_seen"],
                    "last_seen": edge["last_seen"],
                }
                for edge in edges
            ],
        }
        return Response(NetworkSerializer(data).data)
