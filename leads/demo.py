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

from django.db import connection
from django.utils import timezone
from psycopg2.extras import execute_values

from ballistics.choices import Decision
from ballistics.models import Candidate, Evidence, Scan
from ballistics.services import scan_features
from leads.models import Lead, LeadOutcome, LeadStatus
from leads.sources import agency_sources_sync
from leads.workflow import lead_assign, lead_transition, rules_run
from portal.demo import DemoContext

ORDER = 40
# Planted pairs compared by the engine (each comparison takes about a second).
MAX_BALLISTIC_PAIRS = 8
# Leads of each kind worked through the statuses (the rest stay new in the queue).
WORKED_PER_KIND = 400
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
    """Shooting suspects who are also trace possessors (one per status), left to resolution."""
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
        planted.append({"possessor_mention": possessor.pk, "suspect": suspect.pk})
    # The suspects reach the graph as any new incident person would: mentions, then
    # incremental resolution against the trace people (same name and date of birth).
    agency_sources_sync(agency_id=agency.pk)
    ctx.truth.setdefault("leads", {})["planted_person_links"] = planted
    # The planted suspects are incident persons of the demo like any other.
    incidents_truth = ctx.truth.get("incidents")
    if isinstance(incidents_truth, dict) and "persons" in incidents_truth:
        incidents_truth["persons"] += len(planted)
    return len(planted)


def _work(ctx: DemoContext, leads: list[Lead]) -> dict[str, int]:
    """Walk the leads of each kind through the statuses in turn, laid out over past weeks.

    Every lead gets its raising time; the first WORKED_PER_KIND of each kind are
    worked through the workflow (at the state scale the rest wait in the queue, new).
    """
    workers = {
        ctx.agencies["city"].pk: (ctx.users["analyst"], ctx.users["detective"]),
        ctx.agencies["county"].pk: (ctx.users["county.analyst"], ctx.users["county.detective"]),
    }
    now = timezone.now()
    counts: dict[str, int] = defaultdict(int)
    by_kind: dict[str, list[Lead]] = defaultdict(list)
    for lead in leads:
        by_kind[lead.kind].append(lead)
    times: list[tuple[int, dt.datetime, dt.datetime, dt.datetime | None]] = []
    for kind_leads in by_kind.values():
        for position, lead in enumerate(kind_leads):
            status = (
                STATUS_CYCLE[position % len(STATUS_CYCLE)]
                if position < WORKED_PER_KIND
                else LeadStatus.NEW
            )
            # Raised some hours after the evidence entry, in one of the last eight weeks.
            raised = now - dt.timedelta(days=ctx.rng.randint(1, 56), hours=ctx.rng.randint(0, 23))
            entered = raised - dt.timedelta(hours=ctx.rng.choice([2, 6, 20, 30, 60]))
            assigned = None
            if status != LeadStatus.NEW and lead.agency_id in workers:
                analyst, detective = workers[lead.agency_id]
                lead = lead_assign(lead=lead, assignee=detective, user=analyst)
                assigned = raised + dt.timedelta(hours=ctx.rng.choice([3, 12, 26, 40, 70]))
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
            times.append((lead.pk, raised, entered, assigned))
            counts[str(lead.status)] += 1
    # The times in one statement (an UPDATE per lead is minutes at the state scale).
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            "UPDATE leads_lead AS l SET created_at = v.raised, evidence_entered_at = v.entered, "
            "assigned_at = COALESCE(v.assigned, l.assigned_at) "
            "FROM (VALUES %s) AS v(id, raised, entered, assigned) WHERE l.id = v.id",
            times,
            template="(%s, %s::timestamptz, %s::timestamptz, %s::timestamptz)",
            page_size=5000,
        )
    return dict(counts)


def seed(ctx: DemoContext) -> None:
    decided = _decide_planted_pairs(ctx)
    planted = _plant_person_links(ctx)
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
