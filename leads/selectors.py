"""Reads of the link graph: only the neighbourhood of the asked entity is queried."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet

from leads.graph import EgoNetwork, Node, ego_network
from leads.models import Edge, Entity, Lead, LeadKind, LeadStatus, Notification


def _neighbours_query(kinds: Iterable[str] | None) -> object:
    def neighbours(nodes: list[Node]) -> dict[Node, list[Node]]:
        found: dict[Node, list[Node]] = {node: [] for node in nodes}
        outgoing = Edge.objects.filter(source_id__in=nodes)
        incoming = Edge.objects.filter(target_id__in=nodes)
        if kinds is not None:
            outgoing = outgoing.filter(kind__in=list(kinds))
            incoming = incoming.filter(kind__in=list(kinds))
        # Two index scans ((source, target) and (target, source)), not one OR.
        for source, target in outgoing.values_list("source_id", "target_id"):
            found[source].append(target)
        for source, target in incoming.values_list("source_id", "target_id"):
            found[target].append(source)
        return found

    return neighbours


def entity_ego_network(
    entity_id: int, *, hops: int = 2, max_nodes: int = 500, kinds: Iterable[str] | None = None
) -> EgoNetwork:
    """The ego network of an entity from the stored edges, with stored degrees for the
    hidden-neighbour counts."""
    neighbours = _neighbours_query(kinds)
    ego = ego_network(entity_id, neighbours, hops=hops, max_nodes=max_nodes)  # type: ignore[arg-type]
    degrees: dict[Node, int] = dict(
        Entity.objects.filter(pk__in=list(ego.hops)).values_list("pk", "degree")
    )
    if kinds is None:
        ego.hidden = {
            node: max(degrees.get(node, 0) - ego.graph.degree[node], 0) for node in ego.hops
        }
        ego.truncated = ego.truncated or any(ego.hidden.values())
    for node, kind in Entity.objects.filter(pk__in=list(ego.hops)).values_list("pk", "kind"):
        ego.graph.nodes[node]["kind"] = kind
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
