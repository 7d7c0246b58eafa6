"""Entity pages under /entities/: search, entity page, network, match review.

Every entity is fetched through `Entity.objects.visible_to(user)`; the network
follows edges only to entities the user may see (leads.selectors); global
metrics are read from Entity, never computed here.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_POST

from leads import selectors, services
from leads.models import Edge, EdgeKind, Entity, EntityKind, EntityMention, Judgement
from leads.network_chart import network_figure
from portal import record_urls
from portal.audit import audit_export, audit_log, audit_search, audit_view
from portal.choices import AuditEventType
from portal.exports import csv_response
from portal.models import visible_agency_filter
from portal.permissions import (
    EXPORT_PERSON_DATA,
    REVIEW_PERSON_MATCHES,
    role_required,
    user_can,
)

LIST_LIMIT = 50
ENTITY_EDGES_SHOWN = 100
REVIEW_PAGE_SIZE = 25
# Fields shown side by side in the review queue, in this order.
REVIEW_FIELDS = [
    ("first_name", "First name"),
    ("middle_name", "Middle name"),
    ("last_name", "Last name"),
    ("date_of_birth", "Date of birth"),
    ("age", "Age"),
    ("sex", "Sex"),
    ("street", "Address"),
    ("city", "City"),
    ("state", "State"),
    ("zip_code", "ZIP"),
]


def record_url(record: Any) -> str:
    """The page of a source record, or "" when its app has none."""
    if record is None:
        return ""
    try:
        return str(record.get_absolute_url())
    except (AttributeError, NoReverseMatch):
        return ""


@login_required
def entity_list(request: HttpRequest) -> HttpResponse:
    """Find an entity by name, serial, FFL or number; the best connected first."""
    query = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    entities = Entity.objects.visible_to(request.user)
    if kind in EntityKind.values:
        entities = entities.filter(kind=kind)
    if query:
        matching = EntityMention.objects.filter(reference__iexact=query).values("entity_id")
        entities = entities.filter(Q(label__icontains=query) | Q(pk__in=matching))
    shown = list(entities.order_by("-degree", "label", "pk")[:LIST_LIMIT])
    if query or kind:
        audit_search(
            request, scope="leads.entity", query=f"{kind} {query}".strip(), results=len(shown)
        )
    return render(
        request,
        "leads/entity_list.html",
        {"entities": shown, "query": query, "kind": kind, "kinds": EntityKind.choices},
    )


@login_required
def entity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One entity: its mentions with their records, why they were matched, its links."""
    entity = get_object_or_404(Entity.objects.visible_to(request.user), pk=pk)
    audit_view(request, entity)
    mentions = selectors.entity_mentions(entity)
    for mention in mentions:
        mention.record_url = record_url(mention.source_record)  # type: ignore[attr-defined]
    pairs = selectors.entity_match_pairs(entity, request.user)
    scope = visible_agency_filter(request.user, "source__agency_id")
    target_scope = visible_agency_filter(request.user, "target__agency_id")
    edges: list[Edge] = []
    if scope is not None and target_scope is not None:
        edges = list(
            Edge.objects.filter(Q(source=entity) | Q(target=entity))
            .filter(scope, target_scope)
            .exclude(source_id=entity.pk, target_id=entity.pk)
            .select_related("source", "target", "evidence_type")
            .prefetch_related("evidence")
            .order_by("kind", "-last_seen", "pk")[:ENTITY_EDGES_SHOWN]
        )
    for edge in edges:
        edge.other = edge.target if edge.source_id == entity.pk else edge.source  # type: ignore[attr-defined]
        edge.evidence_url = record_url(edge.evidence)  # type: ignore[attr-defined]
    return render(
        request,
        "leads/entity_detail.html",
        {
            "entity": entity,
            "mentions": mentions,
            "pairs": pairs,
            "edges": edges,
            "edges_capped": len(edges) == ENTITY_EDGES_SHOWN,
        },
    )


class NetworkForm(forms.Form):
    """What part of the network to draw."""

    hops = forms.IntegerField(min_value=1, max_value=4, initial=2, required=False)
    max_nodes = forms.IntegerField(
        label="At most nodes", min_value=5, max_value=500, initial=150, required=False
    )
    kinds = forms.MultipleChoiceField(
        label="Links", choices=EdgeKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    since = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Seen since"
    )
    until = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Seen until"
    )


def _network(request: HttpRequest, entity: Entity) -> tuple[Any, Any, list[dict[str, Any]], Any]:
    form = NetworkForm(request.GET or None)
    values: dict[str, Any] = {}
    if form.is_valid():
        values = form.cleaned_data
    hops = values.get("hops") or 2
    max_nodes = values.get("max_nodes") or 150
    kinds = values.get("kinds") or None
    edge_filter = selectors.EdgeFilter(
        kinds=tuple(kinds) if kinds else None,
        since=values.get("since"),
        until=values.get("until"),
    )
    ego = selectors.entity_ego_network(
        entity.pk,
        user=request.user,
        hops=hops,
        max_nodes=max_nodes,
        kinds=edge_filter.kinds,
        since=edge_filter.since,
        until=edge_filter.until,
    )
    edges = selectors.ego_edges(ego, edge_filter)
    return form, ego, edges, {"hops": hops, "max_nodes": max_nodes}


@login_required
def entity_network(request: HttpRequest, pk: int) -> HttpResponse:
    """The interactive network around an entity, with a table of the same nodes and links."""
    entity = get_object_or_404(Entity.objects.visible_to(request.user), pk=pk)
    audit_view(request, entity)
    form, ego, edges, settings = _network(request, entity)
    query = request.GET.copy()
    base_query = query.urlencode()
    query["hops"] = str(settings["hops"] + 1)
    more_hops = query.urlencode()
    nodes = sorted(
        (
            {
                "pk": node,
                "hop": data.get("hop", 0),
                "kind": data.get("kind", ""),
                "label": data.get("label", ""),
                "hidden": ego.hidden.get(node, 0),
                "metrics": data.get("metrics") or {},
            }
            for node, data in ego.graph.nodes(data=True)
        ),
        key=lambda row: (row["hop"], row["kind"], str(row["label"])),
    )
    labels = {row["pk"]: row["label"] for row in nodes}
    figure = network_figure(
        ego.graph,
        entity.pk,
        edges,
        hidden=ego.hidden,
        url_of=lambda node: record_urls.record_url("entity_detail", node),
        filename=f"network-{entity.pk}",
    )
    for edge in edges:
        edge["source_label"] = labels.get(edge["source_id"], "")
        edge["target_label"] = labels.get(edge["target_id"], "")
        edge["kind_label"] = EdgeKind(edge["kind"]).label
    return render(
        request,
        "leads/entity_network.html",
        {
            "entity": entity,
            "form": form,
            "nodes": nodes,
            "edges": edges,
            "hidden_total": sum(ego.hidden.values()),
            "truncated": ego.truncated,
            "figure": figure,
            "query": base_query,
            "more_hops": more_hops,
            "can_export": user_can(request.user, EXPORT_PERSON_DATA),
            "settings": settings,
        },
    )


NETWORK_CSV_HEADER = [
    "row",
    "entity_id",
    "kind",
    "label",
    "hop",
    "hidden_neighbours",
    "degree",
    "community",
    "source_entity_id",
    "target_entity_id",
    "link",
    "role",
    "first_seen",
    "last_seen",
]


@login_required
@role_required(EXPORT_PERSON_DATA)
def entity_network_csv(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The drawn network's nodes and links as CSV (neutralised, audited)."""
    entity = get_object_or_404(Entity.objects.visible_to(request.user), pk=pk)
    _form, ego, edges, _settings = _network(request, entity)
    rows: list[list[Any]] = []
    for node, data in sorted(ego.graph.nodes(data=True), key=lambda item: item[1].get("hop", 0)):
        metrics = data.get("metrics") or {}
        rows.append(
            [
                "node",
                node,
                data.get("kind", ""),
                data.get("label", ""),
                data.get("hop", 0),
                ego.hidden.get(node, 0),
                ego.graph.degree[node],
                metrics.get("community", ""),
                "",
                "",
                "",
                "",
                "",
                "",
            ]
        )
    for edge in edges:
        rows.append(
            [
                "link",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                edge["source_id"],
                edge["target_id"],
                edge["kind"],
                edge["role"],
                edge["first_seen"] or "",
                edge["last_seen"] or "",
            ]
        )
    audit_export(request, scope="leads.network", fmt="csv", rows=len(rows), entity=entity.pk)
    return csv_response(f"network-{entity.pk}.csv", NETWORK_CSV_HEADER, rows)


def _side_by_side(left: EntityMention, right: EntityMention) -> list[tuple[str, Any, Any, bool]]:
    rows = []
    for name, label in REVIEW_FIELDS:
        a, b = left.fields.get(name), right.fields.get(name)
        if a in (None, "") and b in (None, ""):
            continue
        same = str(a or "").strip().upper() == str(b or "").strip().upper()
        rows.append((label, a, b, same))
    return rows


@login_required
@role_required(REVIEW_PERSON_MATCHES)
def entity_review(request: HttpRequest) -> HttpResponse:
    """Uncertain person pairs (between the two thresholds), most probable first."""
    paginator = Paginator(selectors.review_queue(request.user), REVIEW_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    pairs = [
        {
            "candidate": candidate,
            "rows": _side_by_side(candidate.left, candidate.right),
        }
        for candidate in page.object_list
    ]
    audit_search(request, scope="leads.review", query="", results=len(pairs))
    return render(
        request,
        "leads/entity_review.html",
        {
            "page": page,
            "pairs": pairs,
            "judgements": selectors.recent_judgements(request.user),
            "decisions": Judgement.Decision,
        },
    )


@login_required
@role_required(REVIEW_PERSON_MATCHES)
@require_POST
def entity_review_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Record "same" or "not the same" on a pair of the queue."""
    candidate = get_object_or_404(selectors.review_queue(request.user), pk=pk)
    decision = request.POST.get("decision", "")
    if decision not in Judgement.Decision.values:
        messages.error(request, "Choose “same” or “not the same”.")
        return redirect("entity_review")
    judgement = services.judgement_record(
        left=candidate.left,
        right=candidate.right,
        decision=decision,
        user=request.user,
        note=request.POST.get("note", "")[:500],
    )
    audit_log(
        request=request,
        event_type=AuditEventType.CREATE,
        obj=judgement,
        detail={"decision": decision, "left": candidate.left_id, "right": candidate.right_id},
    )
    messages.success(request, f"Recorded: {judgement.get_decision_display().lower()}.")
    return redirect(f"{reverse('entity_review')}?page={request.POST.get('page', '1')[:6]}")


@login_required
@role_required(REVIEW_PERSON_MATCHES)
@require_POST
def entity_judgement_undo(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a judgement back: the two mentions are re-clustered without it."""
    scope = visible_agency_filter(request.user, "left__agency_id")
    judgements = Judgement.objects.filter(scope) if scope is not None else Judgement.objects.none()
    judgement = get_object_or_404(judgements, pk=pk)
    detail = {
        "decision": judgement.decision,
        "left": judgement.left_id,
        "right": judgement.right_id,
    }
    object_id = str(judgement.pk)
    services.judgement_undo(judgement=judgement)
    audit_log(
        request=request,
        event_type=AuditEventType.DELETE,
        object_type="leads.judgement",
        object_id=object_id,
        detail=detail,
    )
    messages.success(request, "Judgement undone; the pair is back in the queue.")
    return redirect("entity_review")
