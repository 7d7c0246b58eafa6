"""The story of a gun or a person, from the dealer's counter to the crime scene.

Reads only what the asking user may see: every record comes through
`visible_to(user)`, and records reached through a join (the incident of a
matched casing, the alert linked to it) are kept only when their agency is
one the user may see. The number of queries does not depend on how many
traces, casings or incidents a gun has.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from ballistics.choices import Decision, EvidenceKind
from ballistics.models import Candidate, Evidence
from portal.incidents.models import (
    AlertIncidentLink,
    Incident,
    IncidentPerson,
    ShotSpotterAlert,
)
from portal.models import visible_agency_ids
from tracing.models import Firearm, PersonMention, Trace

# A potential lead is shown beside a confirmed match, marked as unconfirmed.
MATCH_DECISIONS = (Decision.CONFIRMED, Decision.POTENTIAL_LEAD)


@dataclass(frozen=True)
class TimelineEvent:
    """One dated step of a story; `url` is the record it stands on."""

    when: dt.date | None
    kind: str
    label: str
    url: str = ""
    detail: str = ""

    @property
    def kind_label(self) -> str:
        return EVENT_KINDS.get(self.kind, self.kind)

    @property
    def day(self) -> str:
        """The date as YYYY-MM-DD ("" when unknown): cheaper than the date filter for a
        story of hundreds of steps."""
        return self.when.isoformat() if self.when else ""


EVENT_KINDS = {
    "manufacture": "Manufacture / import",
    "purchase": "Sale by the dealer",
    "incident": "Incident",
    "casing": "Casing matched",
    "alert": "Gunshot alert",
    "recovery": "Recovery",
    "trace": "Trace request",
}


def _sort_key(event: TimelineEvent) -> tuple[dt.date, int]:
    order = list(EVENT_KINDS).index(event.kind) if event.kind in EVENT_KINDS else 99
    # Undated steps (manufacture) come first.
    return (event.when or dt.date.min, order)


def sorted_events(events: Iterable[TimelineEvent]) -> list[TimelineEvent]:
    """In date order, each step once (one incident reached by two casings is one step)."""
    return sorted(dict.fromkeys(events), key=_sort_key)


@dataclass(frozen=True)
class BallisticLink:
    """A casing found at an incident matched to a test-fire of a gun, or to another casing."""

    from_evidence: Evidence
    evidence: Evidence
    incident: Incident
    candidate: Candidate

    @property
    def confirmed(self) -> bool:
        return self.candidate.decision == Decision.CONFIRMED


def ballistic_links(
    user: Any, evidence_ids: Iterable[int], agencies: set[int]
) -> dict[int, list[BallisticLink]]:
    """For each evidence id, the visible casings (and their incidents) it was matched to.

    One query: the candidates decided as confirmed or potential matches with
    either scan on one of the evidence items.
    """
    wanted = set(evidence_ids)
    found: dict[int, list[BallisticLink]] = defaultdict(list)
    if not wanted:
        return found
    candidates = (
        Candidate.objects.visible_to(user)
        .filter(decision__in=MATCH_DECISIONS)
        .filter(Q(query__evidence_id__in=wanted) | Q(candidate__evidence_id__in=wanted))
        .select_related(
            "query__evidence__incident",
            "candidate__evidence__incident",
        )
        .order_by("pk")
    )
    for candidate in candidates:
        pairs = (
            (candidate.query.evidence, candidate.candidate.evidence),
            (candidate.candidate.evidence, candidate.query.evidence),
        )
        for own, other in pairs:
            if own is None or other is None or own.pk not in wanted:
                continue
            incident = other.incident
            if incident is None or other.agency_id not in agencies:
                continue
            if incident.agency_id not in agencies:
                continue
            found[own.pk].append(BallisticLink(own, other, incident, candidate))
    return found


def alerts_of_incidents(
    user: Any, incident_ids: Iterable[int]
) -> dict[int, list[AlertIncidentLink]]:
    """The gunshot alerts linked to each incident (one query)."""
    found: dict[int, list[AlertIncidentLink]] = defaultdict(list)
    ids = set(incident_ids)
    if not ids:
        return found
    links = (
        AlertIncidentLink.objects.visible_to(user)
        .filter(incident_id__in=ids)
        .select_related("alert")
        .order_by("distance_m")
    )
    for link in links:
        found[link.incident_id].append(link)
    return found


@dataclass
class FirearmStory:
    """A gun's timeline and the figures a detective asks first."""

    firearm: Firearm
    events: list[TimelineEvent]
    traces: list[Trace]
    links: list[BallisticLink]
    time_to_crime_days: list[int] = field(default_factory=list)
    # Days from the (first) purchase to the first incident its casings were matched to.
    purchase_to_first_incident_days: int | None = None


def firearm_story(user: Any, firearm: Firearm) -> FirearmStory:
    """Import or manufacture, sale, incidents its casings were matched to, their alerts,
    recovery with its possessor and the trace: about six queries, whatever the gun's history."""
    agencies = visible_agency_ids(user)
    traces = list(
        Trace.objects.visible_to(user)
        .filter(firearm=firearm)
        .select_related("purchase__dealer", "purchase__purchaser")
        .order_by("recovery_date", "pk")
    )
    possessors = {
        mention.trace_id: mention
        for mention in PersonMention.objects.visible_to(user).filter(
            trace__in=[t.pk for t in traces], role="possessor"
        )
    }
    test_fires = list(
        Evidence.objects.visible_to(user).filter(firearm=firearm, kind=EvidenceKind.TEST_FIRE)
    )
    by_evidence = ballistic_links(user, [e.pk for e in test_fires], agencies)
    links = [link for e in test_fires for link in by_evidence.get(e.pk, [])]
    alerts = alerts_of_incidents(user, {link.incident.pk for link in links})

    events: list[TimelineEvent] = []
    if firearm.importer or firearm.country or firearm.manufacturer:
        made = firearm.manufacturer or "unknown maker"
        where = f" in {firearm.country}" if firearm.country else ""
        imported = f", imported by {firearm.importer}" if firearm.importer else ""
        events.append(
            TimelineEvent(
                None,
                "manufacture",
                f"Made by {made}{where}{imported}",
                firearm.get_absolute_url(),
                "date not known",
            )
        )
    purchase_dates: list[dt.date] = []
    for trace in traces:
        events.extend(trace_events(trace, possessors.get(trace.pk)))
        purchase = getattr(trace, "purchase", None)
        if purchase is not None and purchase.purchase_date:
            purchase_dates.append(purchase.purchase_date)
    events.extend(link_events(links, alerts))

    first_purchase = min(purchase_dates) if purchase_dates else None
    incident_dates = [link.incident.occurred_date for link in links]
    after = [d for d in incident_dates if first_purchase and d >= first_purchase]
    return FirearmStory(
        firearm=firearm,
        events=sorted_events(events),
        traces=traces,
        links=links,
        time_to_crime_days=[
            t.time_to_crime_days for t in traces if t.time_to_crime_days is not None
        ],
        purchase_to_first_incident_days=(
            (min(after) - first_purchase).days if first_purchase and after else None
        ),
    )


def incident_event(incident: Incident) -> TimelineEvent:
    """The shooting or crime itself, as every timeline shows it."""
    return TimelineEvent(
        incident.occurred_date,
        "incident",
        f"Incident {incident.incident_number}: {incident.offense or 'offense not given'}",
        incident.get_absolute_url(),
        incident.address,
    )


def alert_event(alert: ShotSpotterAlert, detail: str) -> TimelineEvent:
    """A gunshot alert on a timeline; the detail says what ties it there."""
    return TimelineEvent(
        alert.fired_date,
        "alert",
        f"Alert {alert.source_id} ({alert.get_alert_type_display() or 'type unknown'})",
        alert.get_absolute_url(),
        detail,
    )


def trace_events(trace: Trace, possessor: PersonMention | None) -> list[TimelineEvent]:
    events = []
    purchase = getattr(trace, "purchase", None)
    if purchase is not None and (purchase.purchase_date or purchase.dealer_id):
        dealer = purchase.dealer
        buyer = purchase.purchaser
        label = "Sold by " + (dealer.display_name if dealer else "an unknown dealer")
        if buyer is not None:
            label += f" to {buyer.full_name}"
        events.append(
            TimelineEvent(
                purchase.purchase_date,
                "purchase",
                label,
                dealer.get_absolute_url() if dealer else trace.get_absolute_url(),
                f"FFL {dealer.ffl_number}" if dealer else "",
            )
        )
    if trace.recovery_date or trace.recovery_address:
        place = ", ".join(p for p in (trace.recovery_address, trace.recovery_city) if p)
        label = "Recovered" + (f" at {place}" if place else "")
        if possessor is not None:
            label += f" from {possessor.full_name}"
        ttc = (
            f"time-to-crime {trace.time_to_crime_days} days"
            if trace.time_to_crime_days is not None
            else ""
        )
        events.append(
            TimelineEvent(
                trace.recovery_date,
                "recovery",
                label,
                possessor.get_absolute_url() if possessor else trace.get_absolute_url(),
                ttc,
            )
        )
    events.append(
        TimelineEvent(
            trace.request_date or trace.recovery_date,
            "trace",
            f"Trace {trace.trace_number}: {trace.get_status_display()}",
            trace.get_absolute_url(),
            trace.status_reason,
        )
    )
    return events


def link_events(
    links: list[BallisticLink], alerts: dict[int, list[AlertIncidentLink]]
) -> list[TimelineEvent]:
    events = []
    seen_incidents: set[int] = set()
    for link in links:
        incident = link.incident
        status = "confirmed match" if link.confirmed else "potential match (not confirmed)"
        events.append(
            TimelineEvent(
                incident.occurred_date,
                "casing",
                f"Casing {link.evidence.exhibit_number} matched to test-fire "
                f"{link.from_evidence.exhibit_number}",
                incident.get_absolute_url(),
                f"{status}, score {link.candidate.score:g}",
            )
        )
        if incident.pk in seen_incidents:
            continue
        seen_incidents.add(incident.pk)
        events.append(incident_event(incident))
        for alert_link in alerts.get(incident.pk, []):
            alert = alert_link.alert
            events.append(alert_event(alert, f"{alert_link.distance_m:.0f} m from the incident"))
    return events


@dataclass
class PersonStory:
    """Everything a person did that the user may see, from traces and incidents."""

    events: list[TimelineEvent]
    entity_id: int | None = None
    mention_count: int = 0


def person_story(user: Any, mention: PersonMention) -> PersonStory:
    """The person's purchases, possessions and incidents.

    Mentions written with the same name and date of birth always count; when
    resolution has put the mention in a person entity, every visible mention of
    that entity (in traces and in incidents) counts too.
    """
    from leads.models import EntityMention

    mention_type = ContentType.objects.get_for_model(PersonMention)
    incident_person_type = ContentType.objects.get_for_model(IncidentPerson)
    entity_id = (
        EntityMention.objects.filter(content_type=mention_type, object_id=mention.pk)
        .values_list("entity_id", flat=True)
        .first()
    )
    trace_mention_ids: set[int] = set()
    incident_person_ids: set[int] = set()
    if entity_id is not None:
        for type_id, object_id in EntityMention.objects.filter(entity_id=entity_id).values_list(
            "content_type_id", "object_id"
        ):
            if type_id == mention_type.pk:
                trace_mention_ids.add(object_id)
            elif type_id == incident_person_type.pk:
                incident_person_ids.add(object_id)
    mentions = list(
        PersonMention.objects.visible_to(user)
        .filter(Q(person_key=mention.person_key) | Q(pk__in=trace_mention_ids))
        .select_related("trace__firearm", "trace__purchase__dealer")
    )
    persons = list(
        IncidentPerson.objects.visible_to(user)
        .filter(pk__in=incident_person_ids)
        .select_related("incident")
        .order_by("pk")
    )
    return PersonStory(
        events=sorted_events(person_events(mentions, persons)),
        entity_id=entity_id,
        mention_count=len(mentions) + len(persons),
    )


def person_events(
    mentions: Iterable[PersonMention], persons: Iterable[IncidentPerson]
) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for item in mentions:
        trace = item.trace
        gun = f"{trace.firearm.manufacturer} {trace.firearm.model}".strip() or "a firearm"
        purchase = getattr(trace, "purchase", None)
        if item.role == "purchaser" and purchase is not None:
            dealer = purchase.dealer
            events.append(
                TimelineEvent(
                    purchase.purchase_date,
                    "purchase",
                    f"{item.full_name} bought {gun}"
                    + (f" from {dealer.display_name}" if dealer else ""),
                    trace.firearm.get_absolute_url(),
                    f"trace {trace.trace_number}",
                )
            )
        events.append(
            TimelineEvent(
                trace.recovery_date,
                "recovery",
                f"{gun} recovered ({item.get_role_display().lower()}: {item.full_name})",
                trace.get_absolute_url(),
                (
                    f"time-to-crime {trace.time_to_crime_days} days"
                    if trace.time_to_crime_days is not None
                    else ""
                ),
            )
        )
    for person in persons:
        incident = person.incident
        events.append(
            TimelineEvent(
                incident.occurred_date,
                "incident",
                f"{person.get_role_display()} in incident {incident.incident_number}",
                incident.get_absolute_url(),
                incident.offense,
            )
        )
    return events
