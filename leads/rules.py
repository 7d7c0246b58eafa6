"""The rules that raise leads: each reads the sources and returns findings (no writes).

A Finding is a candidate lead: its kind, the key that names its facts (the
same facts raised twice give the same key, so no second lead is made), the
anchors an existing lead may already hold (a ballistic lead holding one of
the two incidents is joined by the new match), and its records, each with
the evidence for putting it on the lead. leads/workflow.py turns findings
into leads; the Celery tasks in leads/tasks.py run the rules after each
import, ballistic decision and analyst judgement.

The rules reuse what the sources already compute: the trace indicators of
tracing/indicators.py (time-to-crime, purchaser not possessor, repeat
purchaser, multiple sale), the alert clustering and alert-incident links of
portal/incidents/linking.py, the examiner's decisions on ballistics
candidates, and the person entities of leads/resolution.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Q
from django.urls import NoReverseMatch
from django.utils import timezone

from ballistics.choices import Decision, EvidenceKind
from ballistics.models import Candidate, Evidence
from ballistics.services import gallery_agencies
from leads.models import Entity, EntityKind, EntityMention, LeadKind, LeadSettings
from portal.incidents.models import (
    AlertIncidentLink,
    Incident,
    IncidentPerson,
    ShootingEvent,
    ShotSpotterAlert,
)
from portal.models import Agency
from tracing.choices import MentionRole
from tracing.indicators import indicators_of_trace
from tracing.models import Firearm, PersonMention, Trace

# Solvability points (scoring.py sums them, up to 25).
SOLVE_CONFIRMED = 15
SOLVE_POTENTIAL = 8
SOLVE_NAMED_PERSON = 10
SOLVE_DEALER = 5
SOLVE_FIREARM = 10
SOLVE_TEST_FIRE = 10


@dataclass
class Fact:
    """One record for a lead, with the evidence (in words and figures) for putting it there."""

    obj: models.Model
    role: str
    label: str
    why: str
    occurred_at: dt.datetime | None = None
    latitude: float | None = None
    longitude: float | None = None
    entered_at: dt.datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)
    solvability: list[tuple[int, str]] = field(default_factory=list)

    @property
    def evidence(self) -> dict[str, Any]:
        return {
            "why": self.why,
            **self.details,
            "solvability": [list(item) for item in self.solvability],
        }

    @property
    def url(self) -> str:
        get_url = getattr(self.obj, "get_absolute_url", None)
        if get_url is None:
            return ""
        try:
            return str(get_url())
        except NoReverseMatch:
            return ""


@dataclass
class Finding:
    """A lead a rule would raise: kind, facts key, anchors to join on, records."""

    agency: Agency
    kind: str
    facts_key: str
    title: str
    summary: str
    facts: list[Fact]
    anchors: Sequence[models.Model] = field(default_factory=list)
    other_keys: list[str] = field(default_factory=list)
    # When the evidence that completed the facts was entered (time-to-lead); the newest
    # record's entry when a rule does not say.
    entered_at: dt.datetime | None = None

    @property
    def evidence_entered_at(self) -> dt.datetime | None:
        if self.entered_at is not None:
            return self.entered_at
        entered = [fact.entered_at for fact in self.facts if fact.entered_at is not None]
        return max(entered) if entered else None


def lead_settings(agency: Agency) -> LeadSettings:
    """The agency's thresholds (the defaults when the agency has none stored)."""
    found = LeadSettings.objects.filter(agency=agency).first()
    return found if found is not None else LeadSettings(agency=agency)


def _midnight(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


# --- facts of each kind of record ---


def incident_fact(incident: Incident, why: str) -> Fact:
    return Fact(
        obj=incident,
        role="incident",
        label=f"Incident {incident.incident_number}: {incident.offense or 'offense not given'}, "
        f"{incident.occurred_date:%Y-%m-%d}",
        why=why,
        occurred_at=incident.occurred_at or _midnight(incident.occurred_date),
        latitude=incident.latitude,
        longitude=incident.longitude,
        entered_at=incident.created_at,
        details={
            "key": f"incident:{incident.incident_number}",
            "incident_number": incident.incident_number,
            "offense": incident.offense,
            "address": incident.address,
            "killed": incident.killed,
            "injured": incident.injured,
        },
    )


def evidence_fact(evidence: Evidence, why: str) -> Fact:
    incident = evidence.incident
    test_fire = evidence.kind == EvidenceKind.TEST_FIRE
    return Fact(
        obj=evidence,
        role="test_fire" if test_fire else "casing",
        label=f"{evidence.get_kind_display()} {evidence.exhibit_number} ({evidence.caliber})",
        why=why,
        occurred_at=evidence.recovered_at or (incident.occurred_at if incident else None),
        latitude=incident.latitude if incident else None,
        longitude=incident.longitude if incident else None,
        entered_at=evidence.created_at,
        details={
            "key": f"exhibit:{evidence.exhibit_number}",
            "refs": [f"incident:{incident.incident_number}"] if incident else [],
            "exhibit_number": evidence.exhibit_number,
            "caliber": evidence.caliber,
            "incident_number": incident.incident_number if incident else "",
            "firearm": evidence.firearm_description,
        },
        solvability=[(SOLVE_TEST_FIRE, "a recovered gun was test-fired")] if test_fire else [],
    )


def candidate_fact(candidate: Candidate) -> Fact:
    confirmed = candidate.decision == Decision.CONFIRMED
    left, right = candidate.query.evidence, candidate.candidate.evidence
    return Fact(
        obj=candidate,
        role="match",
        label=f"Ballistic {candidate.get_decision_display().lower()}: "
        f"{left.exhibit_number if left else '?'} ~ {right.exhibit_number if right else '?'}",
        why=(
            "An examiner confirmed under the microscope that both casings were fired by one gun."
            if confirmed
            else "An examiner marked the correlation as a potential lead (a NIBIN lead, "
            "not yet confirmed under the microscope)."
        ),
        occurred_at=candidate.decided_at,
        entered_at=candidate.decided_at,
        details={
            "refs": [f"exhibit:{e.exhibit_number}" for e in (left, right) if e is not None],
            "decision": candidate.get_decision_display(),
            "score": round(candidate.score, 2),
            "rank": candidate.rank,
            "examined_on": candidate.examined_on.isoformat() if candidate.examined_on else "",
        },
        solvability=[
            (SOLVE_CONFIRMED, "a ballistic match is confirmed")
            if confirmed
            else (SOLVE_POTENTIAL, "a ballistic correlation awaits confirmation")
        ],
    )


def trace_fact(trace: Trace, why: str) -> Fact:
    indicators = indicators_of_trace(trace)
    purchase = getattr(trace, "purchase", None)
    dealer = purchase.dealer if purchase is not None else None
    solvability = [(SOLVE_DEALER, "the selling dealer is known")] if dealer else []
    return Fact(
        obj=trace,
        role="trace",
        label=f"Trace {trace.trace_number}: {trace.firearm}, recovered "
        f"{trace.recovery_date or 'on an unknown date'}",
        why=why,
        occurred_at=_midnight(trace.recovery_date),
        latitude=trace.recovery_lat,
        longitude=trace.recovery_lon,
        entered_at=trace.created_at,
        details={
            "key": f"trace:{trace.trace_number}",
            "refs": [f"firearm:{trace.firearm_id}"],
            "trace_number": trace.trace_number,
            "firearm": str(trace.firearm),
            "time_to_crime_days": trace.time_to_crime_days,
            "dealer": dealer.display_name if dealer else "",
            "ffl_number": dealer.ffl_number if dealer else "",
            "purchase_date": purchase.purchase_date.isoformat()
            if purchase is not None and purchase.purchase_date
            else "",
            "indicators": [item.label for item in indicators],
            "indicator_explanations": [item.explanation for item in indicators],
        },
        solvability=solvability,
    )


def person_fact(mention: PersonMention, why: str) -> Fact:
    named = bool(mention.last_name and mention.dob)
    return Fact(
        obj=mention,
        role=mention.role,
        label=f"{mention.get_role_display()} {mention.full_name}"
        + (f" (born {mention.dob:%Y-%m-%d})" if mention.dob else ""),
        why=why,
        entered_at=mention.created_at,
        details={
            "refs": [f"trace:{mention.trace.trace_number}"],
            "name": mention.full_name,
            "dob": mention.dob.isoformat() if mention.dob else "",
        },
        solvability=[(SOLVE_NAMED_PERSON, "a person is named with a date of birth")]
        if named
        else [],
    )


def incident_person_fact(person: IncidentPerson, why: str) -> Fact:
    name = ", ".join(part for part in (person.last_name, person.first_name) if part)
    return Fact(
        obj=person,
        role=person.role,
        label=f"{person.get_role_display()} {name or '(unnamed)'} in incident "
        f"{person.incident.incident_number}",
        why=why,
        entered_at=person.created_at,
        details={
            "refs": [f"incident:{person.incident.incident_number}"],
            "name": name,
            "incident_number": person.incident.incident_number,
        },
        solvability=[(SOLVE_NAMED_PERSON, "a person is named in an incident")] if name else [],
    )


def firearm_fact(firearm: Firearm, why: str) -> Fact:
    return Fact(
        obj=firearm,
        role="firearm",
        label=f"Firearm {firearm}",
        why=why,
        entered_at=firearm.created_at,
        details={
            "key": f"firearm:{firearm.pk}",
            "serial": firearm.serial_as_written,
            "manufacturer": firearm.manufacturer,
        },
        solvability=[(SOLVE_FIREARM, "the gun itself is in hand")],
    )


def entity_fact(entity: Entity, why: str) -> Fact:
    return Fact(
        obj=entity,
        role="person",
        label=f"Resolved person {entity.label or entity.pk}",
        why=why,
        entered_at=entity.created_at,
        details={"key": f"entity:{entity.pk}", "entity": entity.pk},
    )


def alert_fact(alert: ShotSpotterAlert, why: str) -> Fact:
    return Fact(
        obj=alert,
        role="alert",
        label=f"Alert {alert.source_id}: {alert.get_alert_type_display() or 'gunshots'}, "
        f"{alert.rounds or '?'} rounds",
        why=why,
        occurred_at=alert.fired_at or _midnight(alert.fired_date),
        latitude=alert.latitude,
        longitude=alert.longitude,
        entered_at=alert.created_at,
        details={
            "key": f"alert:{alert.source_id}",
            "source_id": alert.source_id,
            "rounds": alert.rounds,
        },
    )


# --- the rules ---


def _lead_decisions(settings: LeadSettings) -> list[str]:
    if settings.ballistic_potential_leads:
        return [Decision.CONFIRMED, Decision.POTENTIAL_LEAD]
    return [Decision.CONFIRMED]


def candidates_with_evidence() -> models.QuerySet[Candidate]:
    return Candidate.objects.select_related(
        "agency",
        "query__evidence__incident",
        "candidate__evidence__incident",
    )


def ballistic_finding(candidate: Candidate, settings: LeadSettings | None = None) -> Finding | None:
    """A match between casings of two different incidents: a ballistic lead (NIBIN lead)."""
    settings = settings or lead_settings(candidate.agency)
    if candidate.decision not in _lead_decisions(settings):
        return None
    left, right = candidate.query.evidence, candidate.candidate.evidence
    if left is None or right is None or left.incident is None or right.incident is None:
        return None
    if left.incident_id == right.incident_id:
        return None
    first, second = sorted((left.incident, right.incident), key=lambda i: i.pk)
    why = "Casings from this incident and another were fired by one gun (ballistic match)."
    facts = [
        candidate_fact(candidate),
        evidence_fact(left, "One of the two matched cartridge cases."),
        evidence_fact(right, "One of the two matched cartridge cases."),
        incident_fact(first, why),
        incident_fact(second, why),
    ]
    return Finding(
        agency=candidate.agency,
        kind=LeadKind.BALLISTIC,
        facts_key=f"ballistic:incidents:{first.pk}-{second.pk}",
        title=f"Ballistic link: incidents {first.incident_number} and {second.incident_number}",
        summary=(
            f"Cartridge cases {left.exhibit_number} and {right.exhibit_number} were fired by the "
            f"same gun ({candidate.get_decision_display().lower()}), linking incident "
            f"{first.incident_number} ({first.occurred_date:%Y-%m-%d}) to incident "
            f"{second.incident_number} ({second.occurred_date:%Y-%m-%d})."
        ),
        facts=facts,
        anchors=[first, second],
        # The later of the two casings' entry: the moment the match could first be made.
        entered_at=max(left.created_at, right.created_at),
    )


def ballistic_findings(agency: Agency) -> list[Finding]:
    settings = lead_settings(agency)
    found = []
    for candidate in candidates_with_evidence().filter(
        agency=agency, decision__in=_lead_decisions(settings)
    ):
        finding = ballistic_finding(candidate, settings)
        if finding is not None:
            found.append(finding)
    return found


def _purchaser_identities(mentions: list[PersonMention]) -> dict[int, tuple[str, list[str]]]:
    """Mention id -> (identity key, other keys): the resolved person, else name and birth date.

    Where person resolution has put the mention in an entity, the entity is the
    purchaser; where it has not yet, the normalised last|first|date-of-birth key
    the import stored is. A lead raised on the name key is found again through
    `other keys` once the entity exists.
    """
    content_type = ContentType.objects.get_for_model(PersonMention)
    entity_of = dict(
        EntityMention.objects.filter(
            content_type=content_type, object_id__in=[m.pk for m in mentions]
        ).values_list("object_id", "entity_id")
    )
    keys_of_entity: dict[int, set[str]] = defaultdict(set)
    for mention in mentions:
        if mention.pk in entity_of:
            keys_of_entity[entity_of[mention.pk]].add(f"trafficking:person:{mention.person_key}")
    identities = {}
    for mention in mentions:
        entity_id = entity_of.get(mention.pk)
        if entity_id is not None:
            identities[mention.pk] = (
                f"trafficking:entity:{entity_id}",
                sorted(keys_of_entity[entity_id]),
            )
        else:
            identities[mention.pk] = (f"trafficking:person:{mention.person_key}", [])
    return identities


# The columns the trafficking facts read (person_fact, trace_fact): a state's rule run
# loads hundreds of thousands of purchasers with their trace, gun, sale and dealer, and
# a model instance costs for every column it is given.
_FACT_PERSON_COLUMNS = (
    "trace_id",
    "role",
    "first_name",
    "middle_name",
    "last_name",
    "dob",
    "person_key",
    "created_at",
    "trace__trace_number",
)
_FACT_TRACE_COLUMNS = (
    "trace_number",
    "firearm_id",
    "recovery_date",
    "recovery_lat",
    "recovery_lon",
    "created_at",
    "time_to_crime_days",
    "purchaser_not_possessor",
    "multiple_sale",
    "repeat_purchaser",
    "out_of_state_source",
    "firearm__manufacturer",
    "firearm__model",
    "firearm__caliber",
    "firearm__serial_normalised",
    "firearm__obliterated",
    "purchase__trace_id",
    "purchase__purchase_date",
    "purchase__dealer_id",
    "purchase__dealer__business_name",
    "purchase__dealer__license_name",
    "purchase__dealer__ffl_number",
)


def trafficking_findings(agency: Agency) -> list[Finding]:
    """A purchaser with N+ traced guns, or a short time-to-crime gun found on someone else."""
    settings = lead_settings(agency)
    content_type = ContentType.objects.get_for_model(PersonMention)
    purchasers = PersonMention.objects.filter(agency=agency, role=MentionRole.PURCHASER).exclude(
        last_name_key=""
    )
    resolved = EntityMention.objects.filter(
        content_type=content_type, object_id__in=purchasers.values("pk")
    )
    shared_entities = (
        resolved.values("entity_id").annotate(n=Count("pk")).filter(n__gte=2).values("entity_id")
    )
    short = Q(trace__time_to_crime_days__lt=settings.ttc_days, trace__purchaser_not_possessor=True)
    candidates = list(
        purchasers.filter(
            Q(trace__repeat_purchaser=True)
            | short
            | Q(pk__in=resolved.filter(entity_id__in=shared_entities).values("object_id"))
        )
        .select_related("trace__firearm", "trace__purchase__dealer")
        .only(*_FACT_PERSON_COLUMNS, *(f"trace__{column}" for column in _FACT_TRACE_COLUMNS))
    )
    identities = _purchaser_identities(candidates)
    groups: dict[str, list[PersonMention]] = defaultdict(list)
    other_keys: dict[str, list[str]] = {}
    for mention in candidates:
        key, others = identities[mention.pk]
        groups[key].append(mention)
        other_keys[key] = others
    possessors = {
        m.trace_id: m
        for m in PersonMention.objects.filter(
            trace_id__in=[m.trace_id for m in candidates], role=MentionRole.POSSESSOR
        )
        .select_related("trace")
        .only(*_FACT_PERSON_COLUMNS)
    }
    found = []
    for key, mentions in groups.items():
        mentions.sort(key=lambda m: (m.trace.recovery_date or dt.date.min, m.trace_id))
        traces = {m.trace_id: m.trace for m in mentions}
        many = len(traces) >= settings.purchaser_min_guns

        def is_short(trace: Trace) -> bool:
            return (
                trace.time_to_crime_days is not None
                and trace.time_to_crime_days < settings.ttc_days
                and trace.purchaser_not_possessor
            )

        chosen = [t for t in traces.values() if many or is_short(t)]
        if not chosen:
            continue
        person = mentions[0]
        facts = [
            person_fact(
                person,
                f"Bought {len(traces)} traced gun{'s' if len(traces) != 1 else ''}"
                + (
                    " (the same person after resolution)."
                    if key.startswith("trafficking:entity:")
                    else "."
                ),
            )
        ]
        reasons = []
        if many:
            reasons.append(f"bought {len(traces)} guns later traced to crimes")
        shorts = [t for t in chosen if is_short(t)]
        if shorts:
            reasons.append(
                f"{len(shorts)} gun{'s' if len(shorts) != 1 else ''} recovered within "
                f"{settings.ttc_days} days of sale from someone else"
            )
        for trace in chosen:
            why = []
            if many:
                why.append(f"one of {len(traces)} traced guns this purchaser bought")
            if is_short(trace):
                why.append(
                    f"recovered {trace.time_to_crime_days} days after sale from a possessor who "
                    "is not the purchaser"
                )
            facts.append(trace_fact(trace, "; ".join(why).capitalize() + "."))
            possessor = possessors.get(trace.pk)
            if possessor is not None and trace.purchaser_not_possessor:
                facts.append(
                    person_fact(possessor, f"Found with the gun of trace {trace.trace_number}.")
                )
        found.append(
            Finding(
                agency=agency,
                kind=LeadKind.TRAFFICKING,
                facts_key=key,
                other_keys=other_keys.get(key, []),
                title=f"Possible straw purchaser: {person.full_name}",
                summary=f"{person.full_name} " + " and ".join(reasons) + ".",
                facts=facts,
            )
        )
    return found


def repeat_gun_findings(agency: Agency) -> list[Finding]:
    """A firearm tied to N+ incidents: traced from several recoveries, or test-fire matches."""
    settings = lead_settings(agency)
    minimum = settings.firearm_min_incidents
    found: list[Finding] = []
    # (a) One gun traced from several recoveries; a trace's agency case number names the
    # incident it was recovered in when the agency's incidents use the same numbers.
    firearms = Firearm.objects.filter(agency=agency).annotate(n=Count("traces")).filter(n__gte=2)
    traces = list(
        Trace.objects.filter(agency=agency, firearm__in=firearms)
        .select_related("firearm", "purchase__dealer")
        .order_by("recovery_date", "pk")
    )
    numbers = {t.agency_case_number for t in traces if t.agency_case_number}
    incidents = {
        i.incident_number: i
        for i in Incident.objects.filter(agency=agency, incident_number__in=numbers)
    }
    by_firearm: dict[int, list[Trace]] = defaultdict(list)
    for trace in traces:
        by_firearm[trace.firearm_id].append(trace)
    for firearm_traces in by_firearm.values():
        firearm = firearm_traces[0].firearm
        events = {
            ("incident", incidents[t.agency_case_number].pk)
            if t.agency_case_number in incidents
            else ("recovery", t.agency_case_number or t.trace_number)
            for t in firearm_traces
        }
        if len(events) < minimum:
            continue
        facts = [firearm_fact(firearm, f"Tied to {len(events)} incidents or recoveries.")]
        seen_incidents = set()
        for trace in firearm_traces:
            facts.append(trace_fact(trace, "A recovery of this gun in a crime."))
            incident = incidents.get(trace.agency_case_number)
            if incident is not None and incident.pk not in seen_incidents:
                seen_incidents.add(incident.pk)
                facts.append(
                    incident_fact(
                        incident, f"The agency case number of trace {trace.trace_number}."
                    )
                )
        found.append(
            Finding(
                agency=agency,
                kind=LeadKind.REPEAT_GUN,
                facts_key=f"repeat_gun:firearm:{firearm.pk}",
                title=f"Repeat crime gun: {firearm}",
                summary=f"The {firearm} was recovered or used in {len(events)} separate "
                "incidents: one gun passing between crimes.",
                facts=facts,
                anchors=[firearm],
            )
        )
    # (b) A test-fire from a recovered gun confirmed against casings of other incidents.
    matches = list(
        candidates_with_evidence()
        .filter(
            agency=agency,
            decision=Decision.CONFIRMED,
        )
        .filter(
            Q(query__evidence__kind=EvidenceKind.TEST_FIRE)
            | Q(candidate__evidence__kind=EvidenceKind.TEST_FIRE)
        )
        .order_by("pk")
    )
    by_test_fire: dict[int, list[tuple[Candidate, Evidence]]] = defaultdict(list)
    test_fires: dict[int, Evidence] = {}
    for match in matches:
        left, right = match.query.evidence, match.candidate.evidence
        if left is None or right is None:
            continue
        test_fire, other = (left, right) if left.kind == EvidenceKind.TEST_FIRE else (right, left)
        test_fires[test_fire.pk] = test_fire
        by_test_fire[test_fire.pk].append((match, other))
    for test_fire_id, pairs in by_test_fire.items():
        test_fire = test_fires[test_fire_id]
        tied = {other.incident for _, other in pairs if other.incident is not None}
        if test_fire.incident is not None:
            tied.add(test_fire.incident)
        if len(tied) < minimum:
            continue
        facts = [evidence_fact(test_fire, "Test-fire of the recovered gun.")]
        for match, other in pairs:
            facts.append(candidate_fact(match))
            facts.append(evidence_fact(other, "Fired by the test-fired gun (confirmed)."))
        for incident in sorted(tied, key=lambda i: i.pk):
            facts.append(incident_fact(incident, "The test-fired gun is tied to this incident."))
        found.append(
            Finding(
                agency=agency,
                kind=LeadKind.REPEAT_GUN,
                facts_key=f"repeat_gun:test_fire:{test_fire.pk}",
                title=f"Repeat crime gun: {test_fire.firearm_description or test_fire}",
                summary=f"The gun test-fired as {test_fire.exhibit_number} is tied to "
                f"{len(tied)} incidents by confirmed ballistic matches.",
                facts=facts,
                anchors=[test_fire],
            )
        )
    return found


def alert_cluster_findings(agency: Agency) -> list[Finding]:
    """A shooting event of N+ alerts whose linked incidents have recovered casings."""
    settings = lead_settings(agency)
    events = {
        event.pk: event
        for event in ShootingEvent.objects.filter(
            agency=agency, alert_count__gte=settings.alert_min_alerts
        )
    }
    links = list(
        AlertIncidentLink.objects.filter(alert__event_id__in=list(events))
        .select_related("alert", "incident")
        .order_by("alert__fired_at", "pk")
    )
    incident_ids = {link.incident_id for link in links}
    casings: dict[int, list[Evidence]] = defaultdict(list)
    for evidence in Evidence.objects.filter(
        incident_id__in=incident_ids,
        kind=EvidenceKind.SCENE_CASING,
        agency_id__in=gallery_agencies(agency),
    ).select_related("incident"):
        assert evidence.incident_id is not None
        casings[evidence.incident_id].append(evidence)
    by_event: dict[int, list[AlertIncidentLink]] = defaultdict(list)
    for link in links:
        assert link.alert.event_id is not None
        by_event[link.alert.event_id].append(link)
    alerts_of_event: dict[int, list[ShotSpotterAlert]] = defaultdict(list)
    for alert in ShotSpotterAlert.objects.filter(event_id__in=list(by_event)).order_by(
        "fired_at", "pk"
    ):
        assert alert.event_id is not None
        alerts_of_event[alert.event_id].append(alert)
    found = []
    for event_id, event_links in by_event.items():
        event = events[event_id]
        incidents = {link.incident.pk: link.incident for link in event_links}
        event_casings = [c for i in incidents for c in casings.get(i, [])]
        if len(event_casings) < settings.alert_min_casings:
            continue
        alerts = alerts_of_event[event_id]
        linked: dict[int, list[str]] = defaultdict(list)
        for link in event_links:
            linked[link.alert_id].append(f"incident:{link.incident.incident_number}")
        facts = []
        for alert in alerts:
            fact = alert_fact(alert, f"One of {len(alerts)} alerts of one shooting (clustered).")
            fact.details["refs"] = linked.get(alert.pk, [])
            facts.append(fact)
        for link in event_links:
            if link.incident.pk in incidents:
                incident = incidents.pop(link.incident.pk)
                facts.append(
                    incident_fact(
                        incident,
                        f"Alert {link.alert.source_id} was {link.distance_m:.0f} m from it"
                        + (f", {abs(link.minutes):.0f} minutes apart." if link.minutes else "."),
                    )
                )
        for casing in event_casings:
            facts.append(
                evidence_fact(
                    casing, "Recovered at an incident of this shooting: enter it in NIBIN."
                )
            )
        found.append(
            Finding(
                agency=agency,
                kind=LeadKind.ALERT_CLUSTER,
                facts_key=f"alert_cluster:event:{event.pk}",
                title=f"Alert cluster with casings: {len(alerts)} alerts, "
                f"{len(event_casings)} casing{'s' if len(event_casings) != 1 else ''}",
                summary=f"{len(alerts)} gunshot alerts from {event.first_fired_at:%Y-%m-%d %H:%M} "
                f"form one shooting, linked to {len({link.incident_id for link in event_links})} "
                f"incident(s) where {len(event_casings)} cartridge case(s) were recovered.",
                facts=facts,
                anchors=[event, *{link.incident for link in event_links}],
            )
        )
    return found


def person_link_findings(agency: Agency, entity_ids: Iterable[int] | None = None) -> list[Finding]:
    """One resolved person in N+ traces and incidents, one of them an incident."""
    settings = lead_settings(agency)
    trace_type = ContentType.objects.get_for_model(PersonMention)
    incident_type = ContentType.objects.get_for_model(IncidentPerson)
    visible = gallery_agencies(agency)
    person_mentions = EntityMention.objects.filter(kind=EntityKind.PERSON)
    if entity_ids is not None:
        entities = list(entity_ids)
    else:
        entities = list(
            person_mentions.filter(
                content_type=incident_type,
                object_id__in=IncidentPerson.objects.filter(agency=agency).values("pk"),
            )
            .values_list("entity_id", flat=True)
            .distinct()
        )
    rows = list(
        person_mentions.filter(entity_id__in=entities).values_list(
            "entity_id", "content_type_id", "object_id"
        )
    )
    trace_people = PersonMention.objects.filter(
        agency_id__in=visible, pk__in=[o for _, ct, o in rows if ct == trace_type.pk]
    ).select_related("trace__firearm", "trace__purchase__dealer")
    incident_people = IncidentPerson.objects.filter(
        agency_id__in=visible, pk__in=[o for _, ct, o in rows if ct == incident_type.pk]
    ).select_related("incident")
    by_key: dict[tuple[int, int], models.Model] = {}
    by_key.update({(trace_type.pk, m.pk): m for m in trace_people})
    by_key.update({(incident_type.pk, p.pk): p for p in incident_people})
    grouped: dict[int, list[models.Model]] = defaultdict(list)
    for entity_id, content_type_id, object_id in rows:
        record = by_key.get((content_type_id, object_id))
        if record is not None:
            grouped[entity_id].append(record)
    entities_by_id = Entity.objects.in_bulk(list(grouped))
    found = []
    for entity_id, records in sorted(grouped.items()):
        traces = {r.trace_id: r.trace for r in records if isinstance(r, PersonMention)}
        incidents = {r.incident_id: r.incident for r in records if isinstance(r, IncidentPerson)}
        if not incidents or len(traces) + len(incidents) < settings.person_min_records:
            continue
        people = [r for r in records if isinstance(r, PersonMention | IncidentPerson)]
        name = (
            people[0].full_name
            if isinstance(people[0], PersonMention)
            else (", ".join(p for p in (people[0].last_name, people[0].first_name) if p))
        )
        facts: list[Fact] = []
        if entity_id in entities_by_id:
            facts.append(
                entity_fact(
                    entities_by_id[entity_id],
                    "Person resolution put these mentions in one person.",
                )
            )
        for record in people:
            if isinstance(record, PersonMention):
                fact = person_fact(record, "Resolved as the same person.")
            else:
                fact = incident_person_fact(record, "Resolved as the same person.")
            fact.details["refs"] = [*fact.details.get("refs", []), f"entity:{entity_id}"]
            facts.append(fact)
        for trace in traces.values():
            facts.append(trace_fact(trace, f"{name} is named on this trace."))
        for incident in incidents.values():
            facts.append(incident_fact(incident, f"{name} is named in this incident."))
        found.append(
            Finding(
                agency=agency,
                kind=LeadKind.PERSON_LINK,
                facts_key=f"person_link:entity:{entity_id}",
                title=f"Person link: {name or 'unnamed person'}",
                summary=f"{name or 'One person'} appears in {len(traces)} trace(s) and "
                f"{len(incidents)} incident(s), resolved as one person.",
                facts=facts,
                anchors=people,
            )
        )
    return found


RULES: dict[str, Callable[[Agency], list[Finding]]] = {
    LeadKind.BALLISTIC: ballistic_findings,
    LeadKind.TRAFFICKING: trafficking_findings,
    LeadKind.REPEAT_GUN: repeat_gun_findings,
    LeadKind.ALERT_CLUSTER: alert_cluster_findings,
    LeadKind.PERSON_LINK: person_link_findings,
}
