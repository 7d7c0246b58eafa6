"""Reads for cases: the case list, the case dashboard and the role home pages.

Every panel reads its kind of record in one query for the whole case (never
one query per item), so the dashboard's query count is pinned in the tests
and does not grow with the case.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import zip_longest
from statistics import median
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from ballistics.choices import Decision
from ballistics.models import Candidate, Evidence
from leads.graph import ego_network
from leads.models import Edge, Entity, EntityMention, Lead, LeadStatus, MatchCandidate
from leads.selectors import lead_queue, leads_visible, time_to_lead_rows
from portal.cases.choices import CaseStatus
from portal.cases.models import Case, CaseItem
from portal.cases.records import ENTITY_SOURCE_LABELS, record_model, visible_records
from portal.cases.timeline import (
    BallisticLink,
    TimelineEvent,
    alert_event,
    alerts_of_incidents,
    ballistic_links,
    incident_event,
    link_events,
    sorted_events,
    trace_events,
)
from portal.incidents.charts import MapPoint
from portal.incidents.models import Incident, IncidentPerson, ShotSpotterAlert
from portal.models import AuditEvent, Job, visible_agency_ids
from tracing.models import Firearm, PersonMention, Trace

NETWORK_MAX_NODES = 60


def case_list(user: Any) -> QuerySet[Case]:
    return Case.objects.visible_to(user).select_related("lead_detective", "agency")


def case_get(user: Any, pk: int) -> Case:
    from django.shortcuts import get_object_or_404

    return get_object_or_404(case_list(user), pk=pk)


def cases_for_adding(user: Any) -> list[Case]:
    """The open cases of the user's own agency, the user's own first (for "Add to case")."""
    return list(
        Case.objects.visible_to(user)
        .filter(agency_id=getattr(user, "agency_id", None))
        .exclude(status=CaseStatus.CLOSED)
        .order_by("number")[:200]
    )


@dataclass
class Person:
    name: str
    role: str
    source: str
    url: str


@dataclass
class AlsoUsed:
    """A gun (or casing) of the case matched to an incident outside the case."""

    subject: str
    subject_url: str
    link: BallisticLink


@dataclass
class CaseDashboard:
    case: Case
    items: list[CaseItem]
    incidents: list[Incident]
    alerts: list[ShotSpotterAlert]
    firearms: list[Firearm]
    traces: list[Trace]
    evidence: list[Evidence]
    events: list[TimelineEvent]
    points: list[MapPoint]
    people: list[Person]
    also_used: list[AlsoUsed]
    traces_by_firearm: dict[int, list[Trace]]
    network: Any = None
    network_labels: dict[Any, str] = field(default_factory=dict)
    network_kinds: dict[Any, str] = field(default_factory=dict)
    activity: list[AuditEvent] = field(default_factory=list)
    others: list[tuple[CaseItem, Any]] = field(default_factory=list)
    open_leads: list[Lead] = field(default_factory=list)


def _ids(items: list[CaseItem], label: str) -> set[int]:
    return {item.object_id for item in items if _label(item) == label}


def _label(item: CaseItem) -> str:
    return f"{item.content_type.app_label}.{item.content_type.model}"


def case_dashboard(user: Any, case: Case) -> CaseDashboard:
    """Everything the case page shows, in a fixed number of queries."""
    agencies = visible_agency_ids(user)
    items = list(case.items.select_related("content_type", "added_by"))

    incidents = list(
        Incident.objects.visible_to(user).filter(pk__in=_ids(items, "incidents.incident"))
    )
    incident_ids = {i.pk for i in incidents}
    direct_traces = set(
        Trace.objects.visible_to(user)
        .filter(pk__in=_ids(items, "tracing.trace"))
        .values_list("firearm_id", flat=True)
    )
    firearms = list(
        Firearm.objects.visible_to(user).filter(
            pk__in=_ids(items, "tracing.firearm") | direct_traces
        )
    )
    firearm_ids = {f.pk for f in firearms}
    traces = list(
        Trace.objects.visible_to(user)
        .filter(Q(firearm_id__in=firearm_ids) | Q(pk__in=_ids(items, "tracing.trace")))
        .select_related("firearm", "purchase__dealer", "purchase__purchaser")
        .order_by("recovery_date", "pk")
    )
    trace_ids = {t.pk for t in traces}
    mentions = list(
        PersonMention.objects.visible_to(user)
        .filter(Q(trace_id__in=trace_ids) | Q(pk__in=_ids(items, "tracing.personmention")))
        .select_related("trace")
    )
    possessors = {m.trace_id: m for m in mentions if m.role == "possessor"}
    alert_links = alerts_of_incidents(user, incident_ids)
    alerts = list(
        ShotSpotterAlert.objects.visible_to(user).filter(
            pk__in=_ids(items, "incidents.shotspotteralert")
        )
    )
    seen_alerts = {a.pk for a in alerts}
    for incident_links in alert_links.values():
        for alert_link in incident_links:
            if alert_link.alert.pk not in seen_alerts:
                seen_alerts.add(alert_link.alert.pk)
                alerts.append(alert_link.alert)
    evidence = list(
        Evidence.objects.visible_to(user)
        .filter(
            Q(pk__in=_ids(items, "ballistics.evidence"))
            | Q(incident_id__in=incident_ids)
            | Q(firearm_id__in=firearm_ids)
        )
        .select_related("incident", "firearm")
    )
    links_by_evidence = ballistic_links(user, [e.pk for e in evidence], agencies)
    incident_persons = list(
        IncidentPerson.objects.visible_to(user)
        .filter(incident_id__in=incident_ids)
        # The incidents are loaded above; neither joined again nor in the model's order
        # (by the incident's date), which would read and sort every incident.
        .order_by("incident_id", "pk")
    )
    incident_by_id = {incident.pk: incident for incident in incidents}

    # "This gun was also used in": matches that reach an incident outside the case.
    also_used: list[AlsoUsed] = []
    events: list[TimelineEvent] = []
    for item in evidence:
        matches = links_by_evidence.get(item.pk, [])
        events.extend(link_events(matches, {}))
        for link in matches:
            if link.incident.pk in incident_ids:
                continue
            if item.firearm_id and item.firearm is not None:
                subject, url = str(item.firearm), item.firearm.get_absolute_url()
            elif item.incident is not None:
                subject = f"Casing {item.exhibit_number} (incident {item.incident.incident_number})"
                url = item.incident.get_absolute_url()
            else:
                subject, url = f"Evidence {item.exhibit_number}", ""
            also_used.append(AlsoUsed(subject, url, link))

    traces_by_firearm: dict[int, list[Trace]] = defaultdict(list)
    for trace in traces:
        traces_by_firearm[trace.firearm_id].append(trace)
        events.extend(trace_events(trace, possessors.get(trace.pk)))
    for incident in incidents:
        events.append(incident_event(incident))
        for casing in (e for e in evidence if e.incident_id == incident.pk):
            events.append(
                TimelineEvent(
                    (casing.recovered_at.date() if casing.recovered_at else incident.occurred_date),
                    "casing",
                    f"Casing {casing.exhibit_number} collected",
                    incident.get_absolute_url(),
                    casing.caliber,
                )
            )
    for alert in alerts:
        events.append(alert_event(alert, f"{alert.rounds} rounds" if alert.rounds else ""))

    points = [
        MapPoint(i.latitude, i.longitude, f"Incident {i.incident_number}", "incident")
        for i in incidents
    ]
    points += [MapPoint(a.latitude, a.longitude, f"Alert {a.source_id}", "alert") for a in alerts]
    points += [
        MapPoint(t.recovery_lat, t.recovery_lon, f"Recovery, trace {t.trace_number}", "recovery")
        for t in traces
        if t.recovery_lat is not None and t.recovery_lon is not None
    ]

    people = [
        Person(
            m.full_name, m.get_role_display(), f"trace {m.trace.trace_number}", m.get_absolute_url()
        )
        for m in mentions
    ]
    people += [
        Person(
            ", ".join(p for p in (person.last_name, person.first_name) if p) or "(unnamed)",
            person.get_role_display(),
            f"incident {incident_by_id[person.incident_id].incident_number}",
            incident_by_id[person.incident_id].get_absolute_url(),
        )
        for person in incident_persons
    ]

    record_ids: dict[str, set[int]] = {
        "incidents.incident": incident_ids,
        "incidents.incidentperson": {p.pk for p in incident_persons},
        "tracing.trace": trace_ids,
        "tracing.personmention": {m.pk for m in mentions},
        "tracing.firearm": firearm_ids,
        "incidents.shotspotteralert": {a.pk for a in alerts},
        "ballistics.evidence": {e.pk for e in evidence},
    }
    entity_items = _ids(items, "leads.entity")
    dashboard = CaseDashboard(
        case=case,
        items=items,
        incidents=incidents,
        alerts=alerts,
        firearms=firearms,
        traces=traces,
        evidence=evidence,
        events=sorted_events(events),
        points=points,
        people=people,
        also_used=also_used,
        traces_by_firearm=dict(traces_by_firearm),
    )
    _case_network(user, dashboard, record_ids, entity_items)
    for node in dashboard.network.nodes if dashboard.network is not None else []:
        if node in entity_items and dashboard.network_kinds.get(node) == "person":
            people.append(Person(dashboard.network_labels[node], "Person entity", "resolution", ""))
    dashboard.activity = case_activity(user, case, record_ids, agencies)
    dashboard.open_leads = case_open_leads(
        case, user, record_ids=record_ids, lead_ids=_ids(items, "leads.lead")
    )
    dashboard.others = _other_items(user, items)
    return dashboard


def _entity_source_types() -> dict[Any, ContentType]:
    """{model: content type} of the installed kinds of record entities are resolved from."""
    models = [m for label in ENTITY_SOURCE_LABELS if (m := record_model(label)) is not None]
    return ContentType.objects.get_for_models(*models)


def _entity_condition(record_ids: dict[str, set[int]]) -> Q:
    condition = Q(pk__in=[])
    for model, content_type in _entity_source_types().items():
        ids = record_ids.get(model._meta.label_lower)
        if ids:
            condition |= Q(content_type=content_type, object_id__in=ids)
    return condition


def _case_network(
    user: Any, dashboard: CaseDashboard, record_ids: dict[str, set[int]], entity_items: set[int]
) -> None:
    """The entities of the case's records and their neighbours, through leads.graph.

    The walk starts from a virtual centre (the case) whose neighbours are the
    case's entities, so one breadth-first walk (a fixed number of indexed edge
    reads) covers the whole case. Neighbours are shown only when one of their
    mentions is a record the user may see.

    A case with more entities than the network shows (`NETWORK_MAX_NODES`) shows
    the entities added to it first, then its records' entities taking turns by
    kind (a gun, an incident, a person...): in the order of their ids alone, a big
    case's network was its first sixty people, none linked to another.
    """
    kind_of = dict(
        EntityMention.objects.filter(_entity_condition(record_ids)).values_list("entity_id", "kind")
    )
    by_kind: dict[str, list[int]] = defaultdict(list)
    for entity_id in sorted(set(kind_of) - entity_items):
        by_kind[kind_of[entity_id]].append(entity_id)
    turns = zip_longest(*(by_kind[kind] for kind in sorted(by_kind)))
    order = sorted(entity_items) + [
        entity_id for turn in turns for entity_id in turn if entity_id is not None
    ]
    seeds = set(order)
    if not seeds:
        return
    centre = "case"

    def adjacent(nodes: list[Any], within: set[Any] | None = None) -> dict[Any, list[Any]]:
        """The nodes' neighbours (only those `within`, if given), by both edge indexes."""
        found: dict[Any, list[Any]] = {node: [] for node in nodes}
        ids = [node for node in nodes if node != centre]
        if centre in found:
            found[centre] = [seed for seed in order if within is None or seed in within]
        others = None if within is None else [node for node in within if node != centre]
        if ids and others != []:
            for near, far in (("source_id", "target_id"), ("target_id", "source_id")):
                edges = Edge.objects.filter(**{f"{near}__in": ids})
                if others is not None:
                    edges = edges.filter(**{f"{far}__in": others})
                for node, other in edges.values_list(near, far):
                    found[node].append(other)
        return found

    ego = ego_network(
        centre, adjacent, hops=2, max_nodes=NETWORK_MAX_NODES + 1, links_among=adjacent
    )
    graph = ego.graph
    graph.remove_node(centre)
    entities = {
        pk: (kind, label)
        for pk, kind, label in Entity.objects.filter(pk__in=list(graph.nodes)).values_list(
            "pk", "kind", "label"
        )
    }
    visible = set(seeds) | _entities_with_visible_mentions(user, set(graph.nodes) - set(seeds))
    graph.remove_nodes_from([n for n in list(graph.nodes) if n not in visible])
    dashboard.network = graph
    dashboard.network_kinds = {n: entities.get(n, ("", ""))[0] for n in graph.nodes}
    dashboard.network_labels = {
        n: entities.get(n, ("", ""))[1] or f"entity {n}" for n in graph.nodes
    }


def _entities_with_visible_mentions(user: Any, entity_ids: set[int]) -> set[int]:
    """Entities (outside the case) with at least one mention the user may see.

    One query that stops, for each entity, at its first visible mention: a dealer's or
    a place's entity has a mention for every trace through it.
    """
    if not entity_ids:
        return set()
    visible_mention = Q(pk__in=[])
    for model, content_type in _entity_source_types().items():
        record = visible_records(user, model).filter(pk=OuterRef("object_id"))
        visible_mention |= Q(content_type=content_type) & Q(Exists(record))
    mentions = EntityMention.objects.filter(visible_mention, entity_id=OuterRef("pk"))
    return set(
        Entity.objects.filter(pk__in=entity_ids)
        .filter(Exists(mentions))
        .values_list("pk", flat=True)
    )


def case_open_leads(
    case: Case,
    user: Any,
    *,
    record_ids: dict[str, set[int]] | None = None,
    lead_ids: set[int] | None = None,
) -> list[Lead]:
    """Open leads the user may see that are in the case or stand on one of its records
    (one query, whatever the number of records)."""
    if record_ids is None or lead_ids is None:
        items = list(case.items.select_related("content_type"))
        lead_ids = _ids(items, "leads.lead")
        record_ids = defaultdict(set)
        for item in items:
            record_ids[_label(item)].add(item.object_id)
    condition = Q(pk__in=lead_ids)
    for model, content_type in _entity_source_types().items():
        ids = record_ids.get(model._meta.label_lower)
        if ids:
            condition |= Q(records__content_type=content_type, records__object_id__in=ids)
    return list(
        leads_visible(user)
        .filter(condition)
        .exclude(status=LeadStatus.CLOSED)
        .select_related("assignee")
        .distinct()
        .order_by("-score", "-pk")[:25]
    )


def case_activity(
    user: Any, case: Case, record_ids: dict[str, set[int]], agencies: set[int]
) -> list[AuditEvent]:
    """Recent audit events on the case and its records, by users of visible agencies."""
    condition = Q(object_type="cases.case", object_id=str(case.pk))
    for label, ids in record_ids.items():
        if ids:
            condition |= Q(object_type=label, object_id__in=[str(pk) for pk in ids])
    return list(
        AuditEvent.objects.filter(condition, agency_id__in=agencies).order_by(
            "-occurred_at", "-id"
        )[:20]
    )


def _other_items(user: Any, items: list[CaseItem]) -> list[tuple[CaseItem, Any]]:
    """Items of kinds without a panel of their own (entities, leads), with their record."""
    shown = {
        "incidents.incident",
        "incidents.shotspotteralert",
        "tracing.firearm",
        "tracing.trace",
        "tracing.personmention",
        "ballistics.evidence",
    }
    by_label: dict[str, set[int]] = defaultdict(set)
    for item in items:
        if _label(item) not in shown:
            by_label[_label(item)].add(item.object_id)
    records: dict[tuple[str, int], Any] = {}
    for label, ids in by_label.items():
        model = record_model(label)
        if model is None:
            continue
        for record in visible_records(user, model).filter(pk__in=ids):
            records[(label, record.pk)] = record
    return [
        (item, records[(_label(item), item.object_id)])
        for item in items
        if (_label(item), item.object_id) in records
    ]


# --- role home pages -------------------------------------------------------------------


def home_detective(user: Any) -> dict[str, Any]:
    """My open cases, and ballistic links and alert links new on their incidents."""
    cases = list(
        Case.objects.visible_to(user)
        .filter(lead_detective=user)
        .exclude(status=CaseStatus.CLOSED)
        .annotate(item_count=Count("items"))
        .order_by("-updated_at")[:20]
    )
    incident_type = ContentType.objects.get_for_model(Incident)
    incident_ids = set(
        CaseItem.objects.filter(case__in=cases, content_type=incident_type).values_list(
            "object_id", flat=True
        )
    )
    since = timezone.now() - dt.timedelta(days=14)
    new_links = list(
        Candidate.objects.visible_to(user)
        .filter(decision__in=(Decision.CONFIRMED, Decision.POTENTIAL_LEAD), decided_at__gte=since)
        .filter(
            Q(query__evidence__incident_id__in=incident_ids)
            | Q(candidate__evidence__incident_id__in=incident_ids)
        )
        .select_related("query__evidence__incident", "candidate__evidence__incident")
        .order_by("-decided_at")[:20]
    )
    my_leads = list(
        leads_visible(user)
        .filter(assignee=user)
        .exclude(status=LeadStatus.CLOSED)
        .order_by("-score", "-pk")[:15]
    )
    return {"my_cases": cases, "new_links": new_links, "my_leads": my_leads}


def home_analyst(user: Any) -> dict[str, Any]:
    """Person pairs waiting for a decision (only pairs of records the user may see) and imports."""
    pairs = list(
        MatchCandidate.objects.filter(decision=MatchCandidate.Decision.REVIEW)
        .select_related("left", "right")
        .order_by("-probability")[:100]
    )
    visible = _visible_mention_ids(user, [p.left for p in pairs] + [p.right for p in pairs])
    review = [p for p in pairs if p.left_id in visible and p.right_id in visible][:15]
    jobs = list(Job.objects.visible_to(user).select_related("created_by")[:10])
    queue = list(lead_queue(user).exclude(status=LeadStatus.CLOSED)[:15])
    return {"review_queue": review, "imports": jobs, "lead_queue": queue}


def _visible_mention_ids(user: Any, mentions: list[EntityMention]) -> set[int]:
    """The mentions whose source record the user may see (one query per kind of record)."""
    by_type: dict[int, set[int]] = defaultdict(set)
    for mention in mentions:
        by_type[mention.content_type_id].add(mention.object_id)
    visible: set[tuple[int, int]] = set()
    for type_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue
        for pk in visible_records(user, model).filter(pk__in=ids).values_list("pk", flat=True):
            visible.add((type_id, pk))
    return {m.pk for m in mentions if (m.content_type_id, m.object_id) in visible}


def home_lab(user: Any) -> dict[str, Any]:
    """Evidence registered lately, and candidates still waiting for an examiner."""
    evidence = list(
        Evidence.objects.visible_to(user)
        .select_related("incident", "firearm")
        .annotate(scan_count=Count("scans"))
        .order_by("-created_at")[:15]
    )
    pending = list(
        Candidate.objects.visible_to(user)
        .filter(decision=Decision.PENDING)
        .select_related("query__evidence__incident", "candidate__evidence__incident")
        .order_by("-score")[:15]
    )
    return {"evidence_queue": evidence, "pending_candidates": pending}


def home_supervisor(user: Any) -> dict[str, Any]:
    """Time from evidence entry to a ballistic lead (the leads' own measure), and open cases
    per detective."""
    hours = [
        float(row["entry_to_lead_hours"])  # type: ignore[arg-type]
        for row in time_to_lead_rows(user)
        if row["entry_to_lead_hours"] is not None
    ]
    workload = list(
        Case.objects.visible_to(user)
        .filter(agency_id=getattr(user, "agency_id", None))
        .exclude(status=CaseStatus.CLOSED)
        .values("lead_detective__username")
        .annotate(open_cases=Count("id", distinct=True), items=Count("items"))
        .order_by("-open_cases")
    )
    return {
        "time_to_lead_hours": round(median(hours), 1) if hours else None,
        "time_to_lead_count": len(hours),
        "workload": workload,
    }


def home_panels(user: Any) -> dict[str, Any]:
    role = getattr(user, "role", "")
    if role == "detective":
        return home_detective(user)
    if role == "analyst":
        return home_analyst(user)
    if role == "lab":
        return home_lab(user)
    if role in ("supervisor", "admin"):
        return home_supervisor(user)
    return {}
