"""Raising many findings at once gives what raising them one at a time gives."""

from __future__ import annotations

from typing import Any

import pytest

from leads.models import Lead, LeadEvent, LeadKind, LeadRecord, Notification
from leads.rules import Finding, incident_fact
from leads.workflow import lead_assign, lead_raise, leads_raise
from portal.models import AuditEvent
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def _findings(agency: Any) -> tuple[list[Finding], Any]:
    """A hand-made run: keys, other keys and anchors meeting leads raised earlier in it."""
    a, b, c, d, e, f = IncidentFactory.create_batch(6, agency=agency)

    def finding(kind: str, key: str, facts: list[Any], **extra: Any) -> Finding:
        return Finding(
            agency=agency,
            kind=kind,
            facts_key=key,
            title=f"Lead {key}",
            summary=f"Summary of {key}.",
            facts=[incident_fact(incident, "On the lead.") for incident in facts],
            **extra,
        )

    earlier = finding(LeadKind.BALLISTIC, "k0", [f])
    run = [
        finding(LeadKind.BALLISTIC, "k1", [a, b], anchors=[a]),
        finding(LeadKind.BALLISTIC, "k1", [b, c]),  # the same key: c joins
        finding(LeadKind.BALLISTIC, "k3", [c, d], anchors=[c]),  # c, joined in the run
        finding(LeadKind.REPEAT_GUN, "k4", [a], anchors=[a]),  # another kind: a new lead
        finding(LeadKind.REPEAT_GUN, "k5", [e], other_keys=["k4"]),  # found by another key
        finding(LeadKind.BALLISTIC, "k0", [f, e]),  # the stored lead: its assignee is told
        finding(LeadKind.BALLISTIC, "k1", [a, b, c, d]),  # nothing new: nothing happens
        finding(LeadKind.ALERT_CLUSTER, "k7", [f, f]),  # a record twice is put on once
    ]
    return [earlier, *run], {a.pk: "a", b.pk: "b", c.pk: "c", d.pk: "d", e.pk: "e", f.pk: "f"}


def _state(agency: Any, names: dict[int, str]) -> dict[str, Any]:
    leads = Lead.objects.filter(agency=agency).order_by("pk")
    return {
        "leads": [
            (lead.number, lead.kind, lead.facts_key, lead.title, lead.score, lead.priority)
            for lead in leads
        ],
        "records": sorted(
            (lead, names[obj], is_new)
            for lead, obj, is_new in LeadRecord.objects.filter(lead__agency=agency).values_list(
                "lead__number", "object_id", "is_new"
            )
        ),
        "events": list(
            LeadEvent.objects.filter(lead__agency=agency)
            .order_by("pk")
            .exclude(action="assigned")
            .values_list("lead__number", "action", "text")
        ),
        "notifications": list(
            Notification.objects.filter(lead__agency=agency)
            .order_by("pk")
            .values_list("lead__number", "text")
        ),
        "audited": sorted(
            Lead.objects.get(pk=pk).number
            for pk in AuditEvent.objects.filter(
                object_type="leads.lead",
                event_type="create",
                object_id__in=[str(lead.pk) for lead in leads],
            ).values_list("object_id", flat=True)
        ),
    }


def _assigned_earlier(agency: Any, earlier: Finding, name: str) -> None:
    lead = lead_raise(earlier).lead
    detective = UserFactory(username=f"detective-{name}", agency=agency)
    lead_assign(lead=lead, assignee=detective, user=detective)


def test_bulk_raising_gives_the_leads_one_at_a_time_raising_gives(
    agency_a: Any, agency_b: Any
) -> None:
    (earlier, *run), names_a = _findings(agency_a)
    _assigned_earlier(agency_a, earlier, "a")
    counts = leads_raise(run)
    (earlier_b, *run_b), names_b = _findings(agency_b)
    _assigned_earlier(agency_b, earlier_b, "b")
    one_by_one = {"raised": 0, "joined": 0, "records": 0}
    for finding in run_b:
        result = lead_raise(finding)
        one_by_one["raised"] += result.created
        one_by_one["joined"] += bool(not result.created and result.added)
        one_by_one["records"] += result.added
    assert counts == one_by_one == {"raised": 3, "joined": 4, "records": 8}
    bulk, single = _state(agency_a, names_a), _state(agency_b, names_b)
    assert bulk == single
    assert bulk["notifications"][-1][1].startswith("New facts joined lead")
    numbers = [number for number, *_ in bulk["leads"]]
    year = numbers[0].split("-")[1]
    assert numbers == [f"L-{year}-{n:04d}" for n in range(1, 5)]
    assert bulk["records"].count(("L-" + year + "-0002", "c", True)) == 1


def test_raising_again_changes_nothing_and_numbers_continue(agency_a: Any) -> None:
    (earlier, *run), _names = _findings(agency_a)
    leads_raise([earlier, *run])
    before = (Lead.objects.count(), LeadRecord.objects.count(), LeadEvent.objects.count())
    assert leads_raise([earlier, *run]) == {"raised": 0, "joined": 0, "records": 0}
    assert (Lead.objects.count(), LeadRecord.objects.count(), LeadEvent.objects.count()) == before
    (more, *_rest), _ = _findings(agency_a)
    more.facts_key = "k-more"
    leads_raise([more])
    numbers = sorted(Lead.objects.filter(agency=agency_a).values_list("number", flat=True))
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == list(range(1, len(numbers) + 1))
