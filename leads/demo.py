"""Demo leads: the rules run over the demo city, then the leads are worked through every status.

Ballistic leads need an examiner's decision: a few of the planted same-gun
pairs (ctx.truth["ballistics"]) are compared by the real engine and decided
by the demo lab user. Person links need resolved people: where the demo has
none yet, one possessor of a short time-to-crime trace is planted as a
suspect of a shooting and resolved as one person. Everything else comes
from the rules on the demo traces, alerts and casings. The leads are then
laid out over the last weeks (raised, assigned, worked, closed) so that the
queue and the time-to-lead dashboard have history.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from ballistics.choices import Decision
from ballistics.models import Candidate, Evidence, Scan
from ballistics.services import scan_features
from leads.models import Entity, EntityKind, EntityMention, Lead, LeadOutcome, LeadStatus
from leads.workflow import lead_assign, lead_transition, rules_run
from portal.demo import DemoContext

ORDER = 40
# Planted pairs compared by the engine (each comparison takes about a second).
MAX_BALLISTIC_PAIRS = 8
STATUS_CYCLE = [LeadStatus.NEW, LeadStatus.ASSIGNED, LeadStatus.INVESTIGATING, LeadStatus.CLOSED]
OUTCOMES = [LeadOutcome.CASE_OPENED, LeadOutcome.ARREST, LeadOutcome.INSUFFICIENT]


def _decide_planted_pairs(ctx: DemoContext) -> int:
    planted = ctx.truth.get("ballistics", {}).get("planted_links", [])
    examiner = ctx.users["lab"]
    decided = 0
    used: set[int] = set()
    for link in planted:
        # Pairs of shootings not yet linked: each becomes its own lead.
        incidents = {i for i in link["incidents"] if i is not None}
        if decided >= MAX_BALLISTIC_PAIRS or len(incidents) < 2 or incidents & used:
            continue
        used |= incidents
        scans = list(
            Scan.objects.filter(evidence__exhibit_number__in=link["evidence"]).select_related(
                "evidence"
            )
        )
        if len(scans) != 2:
            continue
        query, other = sorted(scans, key=lambda s: s.pk)
        result = scan_features(query), scan_features(other)
        from ballistics.correlation.engine import compare

        score = compare(*result)
        confirmed = decided % 2 == 0
        Candidate.objects.update_or_create(
            query=query,
            candidate=other,
            defaults={
                "agency": query.agency,
                "rank": 1,
                "coarse_score": 0.0,
                "score": score.score,
                "angle": score.angle,
                "decision": Decision.CONFIRMED if confirmed else Decision.POTENTIAL_LEAD,
                "examiner": examiner,
                "decided_at": timezone.now(),
                "examined_on": timezone.localdate() if confirmed else None,
            },
        )
        decided += 1
    return decided


def _plant_person_links(ctx: DemoContext, count: int = len(STATUS_CYCLE)) -> int:
    """Resolve trace possessors and shooting suspects as the same people (one per status)."""
    from portal.incidents.models import Incident, IncidentPerson
    from tracing.models import PersonMention

    agency = ctx.agencies["city"]
    possessors = list(
        PersonMention.objects.filter(
            agency=agency, role="possessor", trace__purchaser_not_possessor=True
        )
        .exclude(last_name="")
        .order_by("pk")[:count]
    )
    incidents = list(
        Incident.objects.filter(agency=agency, ballistic_evidence__isnull=False)
        .distinct()
        .order_by("pk")[:count]
    )
    planted = []
    for number, (possessor, incident) in enumerate(zip(possessors, incidents, strict=False)):
        suspect = IncidentPerson.objects.create(
            agency=agency,
            incident=incident,
            role="suspect",
            last_name=possessor.last_name,
            first_name=possessor.first_name,
            dob=possessor.dob,
            person_key=f"demo-lead-suspect-{number}",
        )
        entity = Entity.objects.create(kind=EntityKind.PERSON, label=possessor.full_name)
        for record, role in ((possessor, "possessor"), (suspect, "suspect")):
            content_type = ContentType.objects.get_for_model(record)
            EntityMention.objects.get_or_create(
                key=f"{content_type.app_label}.{content_type.model}:{record.pk}:{role}",
                defaults={
                    "entity": entity,
                    "kind": EntityKind.PERSON,
                    "content_type": content_type,
                    "object_id": record.pk,
                    "role": role,
                    "source": content_type.model,
                },
            )
        planted.append({"possessor_mention": possessor.pk, "suspect": suspect.pk})
    ctx.truth.setdefault("leads", {})["planted_person_links"] = planted
    # The planted suspects are incident persons of the demo like any other.
    incidents_truth = ctx.truth.get("incidents")
    if isinstance(incidents_truth, dict) and "persons" in incidents_truth:
        incidents_truth["persons"] += len(planted)
    return len(planted)


def _work(ctx: DemoContext, leads: list[Lead]) -> dict[str, int]:
    """Walk the leads of each kind through the statuses in turn, laid out over past weeks."""
    workers = {
        ctx.agencies["city"].pk: (ctx.users["analyst"], ctx.users["detective"]),
        ctx.agencies["county"].pk: (ctx.users["county.analyst"], ctx.users["county.detective"]),
    }
    now = timezone.now()
    counts: dict[str, int] = defaultdict(int)
    by_kind: dict[str, list[Lead]] = defaultdict(list)
    for lead in leads:
        by_kind[lead.kind].append(lead)
    for kind_leads in by_kind.values():
        for position, lead in enumerate(kind_leads):
            status = STATUS_CYCLE[position % len(STATUS_CYCLE)]
            # Raised some hours after the evidence entry, in one of the last eight weeks.
            raised = now - dt.timedelta(days=ctx.rng.randint(1, 56), hours=ctx.rng.randint(0, 23))
            entered = raised - dt.timedelta(hours=ctx.rng.choice([2, 6, 20, 30, 60]))
            Lead.objects.filter(pk=lead.pk).update(created_at=raised, evidence_entered_at=entered)
            if status != LeadStatus.NEW and lead.agency_id in workers:
                analyst, detective = workers[lead.agency_id]
                lead = lead_assign(lead=lead, assignee=detective, user=analyst)
                assigned = raised + dt.timedelta(hours=ctx.rng.choice([3, 12, 26, 40, 70]))
                Lead.objects.filter(pk=lead.pk).update(assigned_at=assigned)
                if status in (LeadStatus.INVESTIGATING, LeadStatus.CLOSED):
                    lead = lead_transition(
                        lead=lead, status=LeadStatus.INVESTIGATING, user=detective
                    )
                if status == LeadStatus.CLOSED:
                    lead = lead_transition(
                        lead=lead,
                        status=LeadStatus.CLOSED,
                        user=detective,
                        outcome=OUTCOMES[position % len(OUTCOMES)],
                        note="Demo outcome.",
                    )
            counts[str(lead.status)] += 1
    return dict(counts)


def seed(ctx: DemoContext) -> None:
    decided = _decide_planted_pairs(ctx)
    has_people = EntityMention.objects.filter(
        kind=EntityKind.PERSON,
        content_type=ContentType.objects.get(app_label="incidents", model="incidentperson"),
    ).exists()
    planted = 0 if has_people else _plant_person_links(ctx)
    raised: dict[str, Any] = {}
    for key in ("city", "county"):
        raised[key] = rules_run(agency=ctx.agencies[key])
    leads = list(Lead.objects.order_by("kind", "-score", "pk"))
    statuses = _work(ctx, leads)
    kinds: dict[str, int] = defaultdict(int)
    for lead in leads:
        kinds[lead.kind] += 1
    ctx.truth.setdefault("leads", {}).update(
        {
            "ballistic_pairs_decided": decided,
            "person_links_planted": planted,
            "kinds": dict(kinds),
            "statuses": statuses,
            "evidence_items": Evidence.objects.count(),
        }
    )
    ctx.say(
        f"{len(leads)} leads ("
        + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
        + f"); statuses {dict(sorted(statuses.items()))}"
    )
