"""Reads of the link graph: only the neighbourhood of the asked entity is queried.

Every read is for a user: an edge is followed only to entities the user may see
(`visible_agency_filter`, the one scoping rule), so an ego network never shows,
nor counts as hidden, another agency's entities.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from leads.graph import EgoNetwork, Node, ego_network
from leads.models import (
    Edge,
    Entity,
    EntityKind,
    EntityMention,
    Judgement,
    Lead,
    LeadKind,
    LeadStatus,
    MatchCandidate,
    Notification,
)
from portal.models import visible_agency_filter


@dataclass(frozen=True)
class EdgeFilter:
    """Which edges a graph read follows: kinds, and a date window on the evidence."""

    kinds: tuple[str, ...] | None = None
    since: dt.date | None = None
    until: dt.date | None = None

    @property
    def is_full(self) -> bool:
        return self.kinds is None and self.since is None and self.until is None

    def apply(self, edges: Any) -> Any:
        if self.kinds is not None:
            edges = edges.filter(kind__in=list(self.kinds))
        if self.since is not None:
            edges = edges.filter(Q(last_seen__isnull=True) | Q(last_seen__gte=self.since))
        if self.until is not None:
            edges = edges.filter(Q(first_seen__isnull=True) | Q(first_seen__lte=self.until))
        return edges


def _neighbours_query(user: Any, edge_filter: EdgeFilter) -> Any:
    scope = visible_agency_filter(user, "agency_id")

    def neighbours(nodes: list[Node]) -> dict[Node, list[Node]]:
        found: dict[Node, list[Node]] = {node: [] for node in nodes}
        if scope is None:
            return found
        outgoing = edge_filter.apply(Edge.objects.filter(source_id__in=nodes))
        incoming = edge_filter.apply(Edge.objects.filter(target_id__in=nodes))
        # Two index scans ((source, target) and (target, source)), not one OR.
        pairs = [
            *outgoing.values_list("source_id", "target_id"),
            *(
                (target, source)
                for source, target in incoming.values_list("source_id", "target_id")
            ),
        ]
        others = {other for node, other in pairs if other != node}
        # Then one primary-key read keeps the neighbours the user may see (cheaper than
        # joining every edge to its entity).
        visible = set(
            Entity.objects.filter(scope, pk__in=list(others)).values_list("pk", flat=True)
        )
        for node, other in pairs:
            if other in visible and other != node:
                found[node].append(other)
        return found

    return neighbours


def entity_ego_network(
    entity_id: int,
    *,
    user: Any,
    hops: int = 2,
    max_nodes: int = 500,
    kinds: Iterable[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> EgoNetwork:
    """The ego network of an entity the user may see, from the stored edges.

    Hidden-neighbour counts come from the adjacency read while walking (exact for
    nodes inside the last hop; a lower bound for the last hop's nodes).
    """
    edge_filter = EdgeFilter(
        kinds=tuple(kinds) if kinds is not None else None, since=since, until=until
    )
    neighbours = _neighbours_query(user, edge_filter)
    ego = ego_network(entity_id, neighbours, hops=hops, max_nodes=max_nodes)
    for node, kind, label, agency_id, metrics in Entity.objects.filter(
        pk__in=list(ego.hops)
    ).values_list("pk", "kind", "label", "agency_id", "metrics"):
        ego.graph.nodes[node].update(kind=kind, label=label, agency_id=agency_id, metrics=metrics)
    return ego


# --- Leads: the reads other pages use (case dashboards show open leads on their records). ---


def leads_visible(user: Any) -> QuerySet[Lead]:
    """The leads the user may see: their agency's and those of agencies sharing with it."""
    return Lead.objects.visible_to(user)


def lead_queue(user: Any) -> QuerySet[Lead]:
    """The queue's rows: each lead with its assignee and record counts, in one query."""
    return (
        leads_visible(user)
        .select_related("agency", "assignee")
        .annotate(
            record_count=Count("records", distinct=True),
            new_count=Count("records", filter=Q(records__is_new=True), distinct=True),
        )
        .order_by("-score", "-created_at", "-pk")
    )


def leads_for_records(
    user: Any, content_type: ContentType, ids: Iterable[int], *, open_only: bool = True
) -> QuerySet[Lead]:
    """The leads the user may see that stand on any of these records (e.g. a case's)."""
    leads = leads_visible(user).filter(
        records__content_type=content_type, records__object_id__in=list(ids)
    )
    if open_only:
        leads = leads.exclude(status=LeadStatus.CLOSED)
    return leads.distinct().order_by("-score", "-pk")


def unread_notification_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def time_to_lead_rows(user: Any, *, kind: str = LeadKind.BALLISTIC) -> list[dict[str, object]]:
    """Per lead of `kind`: hours from evidence entry to lead, and from lead to assignment."""
    rows = []
    for pk, number, created, entered, assigned in (
        leads_visible(user)
        .filter(kind=kind)
        .order_by("created_at")
        .values_list("pk", "number", "created_at", "evidence_entered_at", "assigned_at")
    ):
        rows.append(
            {
                "pk": pk,
                "number": number,
                "created_at": created,
                "entry_to_lead_hours": (created - entered).total_seconds() / 3600
                if entered
                else None,
                "lead_to_assignment_hours": (assigned - created).total_seconds() / 3600
                if assigned
                else None,
            }
        )
    return rows


def ego_edges(ego: EgoNetwork, edge_filter: EdgeFilter) -> list[dict[str, Any]]:
    """The stored edges among the ego network's nodes (kind, role, dates, evidence)."""
    nodes = list(ego.hops)
    edges = edge_filter.apply(
        Edge.objects.filter(source_id__in=nodes, target_id__in=nodes).exclude(
            source_id=F("target_id")
        )
    )
    return list(
        edges.order_by("kind", "pk").values(
            "pk",
            "source_id",
            "target_id",
            "kind",
            "role",
            "first_seen",
            "last_seen",
            "details",
            "evidence_type_id",
            "evidence_id",
        )[:5000]
    )


def entity_mentions(entity: Entity) -> list[EntityMention]:
    """The entity's mentions with their source records (one query per source type)."""
    return list(
        entity.mentions.select_related("content_type")
        .prefetch_related("source_record")
        .order_by("source", "reference", "pk")
    )


def entity_match_pairs(entity: Entity, user: Any) -> list[MatchCandidate]:
    """Scored pairs (links and pairs for review) touching the entity's mentions."""
    ids = list(entity.mentions.values_list("pk", flat=True))
    scope = visible_agency_filter(user, "right__agency_id")
    if scope is None:
        return []
    return list(
        MatchCandidate.objects.filter(Q(left_id__in=ids) | Q(right_id__in=ids))
        .filter(scope)
        .select_related("left", "right")
        .order_by("-probability")[:50]
    )


def review_queue(user: Any) -> Any:
    """Person pairs between the two thresholds, not yet judged, that the user may see."""
    scope = visible_agency_filter(user, "left__agency_id")
    if scope is None:
        return MatchCandidate.objects.none()
    decided = Judgement.objects.filter(left_id=OuterRef("left_id"), right_id=OuterRef("right_id"))
    return (
        MatchCandidate.objects.filter(
            scope, decision=MatchCandidate.Decision.REVIEW, left__kind=EntityKind.PERSON
        )
        .filter(~Exists(decided))
        .select_related("left", "right")
        .order_by("-probability", "pk")
    )


def recent_judgements(user: Any, limit: int = 20) -> list[Judgement]:
    scope = visible_agency_filter(user, "left__agency_id")
    if scope is None:
        return []
    return list(
        Judgement.objects.filter(scope)
        .select_related("left", "right", "decided_by")
        .order_by("-created_at", "-pk")[:limit]
    )
