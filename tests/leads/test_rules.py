"""Each lead rule on hand-made data: it raises once, and new facts join as new."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ballistics.choices import Decision, EvidenceKind
from ballistics.services import candidate_decide
from leads.models import (
    Entity,
    EntityKind,
    EntityMention,
    Judgement,
    Lead,
    LeadKind,
    LeadRecord,
)
from leads.rules import (
    alert_cluster_findings,
    person_link_findings,
    repeat_gun_findings,
    trafficking_findings,
)
from leads.workflow import leads_raise, rules_run
from portal.incidents.models import Incident, ShotSpotterAlert
from tests.ballistics.factories import CandidateFactory, EvidenceFactory, ScanFactory
from tests.incidents.factories import (
    AlertFactory,
    AlertIncidentLinkFactory,
    IncidentFactory,
    IncidentPersonFactory,
    ShootingEventFactory,
)
from tests.leads.factories import LeadSettingsFactory
from tests.tracing.helpers import row, run_import, write_etrace
from tracing.models import PersonMention, Trace

pytestmark = pytest.mark.django_db


def _records(lead: Lead) -> dict[tuple[str, int], LeadRecord]:
    records = lead.records.select_related("content_type")
    return {(r.content_type.model, r.object_id): r for r in records}


def _casing(agency: Any, incident: Incident, kind: str = EvidenceKind.SCENE_CASING) -> Any:
    evidence = EvidenceFactory(agency=agency, incident=incident, kind=kind)
    return ScanFactory(agency=agency, evidence=evidence)


# --- ballistic ---


def test_a_match_between_two_incidents_raises_one_lead_and_a_later_match_joins_it(
    agency_a: Any, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first, second, third = (IncidentFactory(agency=agency_a) for _ in range(3))
    s1, s2, s3 = _casing(agency_a, first), _casing(agency_a, second), _casing(agency_a, third)
    match = CandidateFactory(agency=agency_a, query=s1, candidate=s2)
    with django_capture_on_commit_callbacks(execute=True):
        candidate_decide(
            candidate=match, decision=Decision.CONFIRMED, user=owner, examined_on=dt.date.today()
        )
    lead = Lead.objects.get(kind=LeadKind.BALLISTIC)
    records = _records(lead)
    assert {("incident", first.pk), ("incident", second.pk)} <= set(records)
    assert ("evidence", s1.evidence.pk) in records and ("candidate", match.pk) in records
    assert not any(r.is_new for r in records.values())
    assert "fired by one gun" in records[("incident", first.pk)].evidence["why"]
    assert lead.number.startswith(f"L-{lead.created_at.year}-")
    assert lead.score > 0 and len(lead.score_explanation) == 4
    # Time-to-lead counts from the later casing's entry, not from the decision.
    assert lead.evidence_entered_at == max(s1.evidence.created_at, s2.evidence.created_at)

    # The same facts again (a redelivered task, a re-save): nothing new.
    with django_capture_on_commit_callbacks(execute=True):
        match.save()
    assert Lead.objects.count() == 1 and lead.records.count() == len(records)

    # A casing of a third shooting matches the second: it joins the lead, as new.
    later = CandidateFactory(agency=agency_a, query=s3, candidate=s2)
    with django_capture_on_commit_callbacks(execute=True):
        candidate_decide(candidate=later, decision=Decision.POTENTIAL_LEAD, user=owner)
    assert Lead.objects.count() == 1
    joined = _records(lead)
    assert joined[("incident", third.pk)].is_new and joined[("candidate", later.pk)].is_new
    assert not joined[("incident", first.pk)].is_new
    assert lead.events.filter(action="facts_added").count() == 1


def test_no_ballistic_lead_within_one_incident_or_on_a_rejection(
    agency_a: Any, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    incident, other = IncidentFactory(agency=agency_a), IncidentFactory(agency=agency_a)
    same = CandidateFactory(
        agency=agency_a, query=_casing(agency_a, incident), candidate=_casing(agency_a, incident)
    )
    rejected = CandidateFactory(
        agency=agency_a, query=_casing(agency_a, incident), candidate=_casing(agency_a, other)
    )
    with django_capture_on_commit_callbacks(execute=True):
        candidate_decide(
            candidate=same, decision=Decision.CONFIRMED, user=owner, examined_on=dt.date.today()
        )
        candidate_decide(candidate=rejected, decision=Decision.NOT_A_MATCH, user=owner)
    assert not Lead.objects.exists()


def test_potential_leads_raise_nothing_when_the_agency_waits_for_confirmation(
    agency_a: Any, owner: Any, django_capture_on_commit_callbacks: Any
) -> None:
    LeadSettingsFactory(agency=agency_a, ballistic_potential_leads=False)
    match = CandidateFactory(
        agency=agency_a,
        query=_casing(agency_a, IncidentFactory(agency=agency_a)),
        candidate=_casing(agency_a, IncidentFactory(agency=agency_a)),
    )
    with django_capture_on_commit_callbacks(execute=True):
        candidate_decide(candidate=match, decision=Decision.POTENTIAL_LEAD, user=owner)
    assert not Lead.objects.exists()


# --- trafficking ---


STRAW = {
    "purchaser_last": "ROE",
    "purchaser_first": "RAY",
    "purchaser_dob": "1991-02-03",
    "possessor_last": "POE",
    "possessor_first": "PAT",
    "possessor_dob": "1999-09-09",
}


def test_a_purchaser_of_two_traced_guns_raises_one_trafficking_lead(
    agency_a: Any, tmp_path: Path
) -> None:
    rows = [
        row("T-1", serial_number="S1", purchase_date="2015-01-02", **STRAW),
        row("T-2", serial_number="S2", purchase_date="2016-01-02", **STRAW),
        row("T-3", serial_number="S3"),  # another purchaser, one gun, long TTC
    ]
    run_import(agency_a, write_etrace(tmp_path / "a.csv", rows))
    assert leads_raise(trafficking_findings(agency_a))["raised"] == 1
    lead = Lead.objects.get()
    assert lead.kind == LeadKind.TRAFFICKING and "ROE" in lead.title
    traces = set(lead.records.filter(role="trace").values_list("object_id", flat=True))
    expected = Trace.objects.filter(trace_number__in=["T-1", "T-2"]).values_list("pk", flat=True)
    assert traces == set(expected)
    record = lead.records.filter(role="trace").first()
    assert record is not None and "Repeat purchaser" in record.evidence["indicators"]
    # Run again: no second lead.
    assert leads_raise(trafficking_findings(agency_a)) == {"raised": 0, "joined": 0, "records": 0}

    # A third gun of the same purchaser arrives with the next import: it joins, as new.
    rows.append(row("T-4", serial_number="S4", purchase_date="2017-01-02", **STRAW))
    run_import(agency_a, write_etrace(tmp_path / "b.csv", rows))
    assert leads_raise(trafficking_findings(agency_a))["joined"] == 1
    new = lead.records.get(object_id=Trace.objects.get(trace_number="T-4").pk, role="trace")
    assert new.is_new and Lead.objects.count() == 1


def test_the_purchaser_threshold_is_the_agency_s(agency_a: Any, tmp_path: Path) -> None:
    LeadSettingsFactory(agency=agency_a, purchaser_min_guns=3)
    rows = [
        row("T-1", serial_number="S1", purchase_date="2015-01-02", **STRAW),
        row("T-2", serial_number="S2", purchase_date="2016-01-02", **STRAW),
    ]
    run_import(agency_a, write_etrace(tmp_path / "a.csv", rows))
    assert trafficking_findings(agency_a) == []


def test_a_short_time_to_crime_gun_found_on_someone_else_raises_a_lead(
    agency_a: Any, tmp_path: Path
) -> None:
    rows = [
        # 100 days, found on someone else: a lead.
        row("T-1", serial_number="S1", purchase_date="2024-02-22", **STRAW),
        # 100 days, but found on its purchaser: none.
        row("T-2", serial_number="S2", purchase_date="2024-02-22"),
        # found on someone else, but sold 3 years before: none.
        row(
            "T-3",
            serial_number="S3",
            purchase_date="2021-01-01",
            **{**STRAW, "purchaser_last": "LEE", "purchaser_dob": "1980-01-01"},
        ),
    ]
    run_import(agency_a, write_etrace(tmp_path / "a.csv", rows))
    leads_raise(trafficking_findings(agency_a))
    lead = Lead.objects.get()
    records = _records(lead)
    trace = Trace.objects.get(trace_number="T-1")
    assert ("trace", trace.pk) in records
    assert (
        "days after sale from a possessor who is not the purchaser"
        in records[("trace", trace.pk)].evidence["why"]
    )
    possessor = PersonMention.objects.get(trace=trace, role="possessor")
    assert ("personmention", possessor.pk) in records


def test_the_resolved_person_groups_spellings_and_joins_the_name_keyed_lead(
    agency_a: Any, tmp_path: Path
) -> None:
    rows = [
        row("T-1", serial_number="S1", purchase_date="2015-01-02", **STRAW),
        row("T-2", serial_number="S2", purchase_date="2016-01-02", **STRAW),
        row(
            "T-3",
            serial_number="S3",
            purchase_date="2017-01-02",
            **{**STRAW, "purchaser_last": "ROWE"},
        ),
    ]
    run_import(agency_a, write_etrace(tmp_path / "a.csv", rows))
    leads_raise(trafficking_findings(agency_a))
    lead = Lead.objects.get()
    assert lead.records.filter(role="trace").count() == 2
    # Person resolution puts the three purchaser mentions in one entity.
    person = Entity.objects.create(agency=agency_a, kind=EntityKind.PERSON, label="ROE, RAY")
    content_type = ContentType.objects.get_for_model(PersonMention)
    for mention in PersonMention.objects.filter(role="purchaser"):
        EntityMention.objects.create(
            agency=agency_a,
            entity=person,
            kind=EntityKind.PERSON,
            content_type=content_type,
            object_id=mention.pk,
            key=f"tracing.personmention:{mention.pk}:purchaser",
        )
    counts = leads_raise(trafficking_findings(agency_a))
    # The third trace joins, with the possessor it was found on.
    assert counts == {"raised": 0, "joined": 1, "records": 2}
    assert Lead.objects.count() == 1
    assert lead.records.filter(role="trace", is_new=True).count() == 1


def _straw_rows(purchasers: int) -> list[dict[str, str]]:
    """Each purchaser buys two guns later traced, each found on someone else."""
    return [
        row(
            f"T-{n}-{gun}",
            serial_number=f"S{n}{gun}",
            purchase_date=f"201{gun}-01-02",
            **{**STRAW, "purchaser_last": f"ROE{chr(65 + n)}", "purchaser_dob": f"199{n}-02-03"},
        )
        for n in range(purchasers)
        for gun in range(2)
    ]


def test_trafficking_findings_read_a_fixed_number_of_queries_with_whole_facts(
    agency_a: Any, tmp_path: Path, django_assert_max_num_queries: Any
) -> None:
    # The rule loads only the columns its facts show: a fact reading one more would cost
    # a query per purchaser, and a state's run has hundreds of thousands.
    run_import(agency_a, write_etrace(tmp_path / "a.csv", _straw_rows(2)))
    with CaptureQueriesContext(connection) as few:
        assert len(trafficking_findings(agency_a)) == 2
    run_import(agency_a, write_etrace(tmp_path / "b.csv", _straw_rows(6)))
    with django_assert_max_num_queries(len(few)):
        found = trafficking_findings(agency_a)
    assert len(found) == 6
    trace = next(fact for fact in found[0].facts if fact.role == "trace")
    record = Trace.objects.select_related("firearm", "purchase__dealer").get(pk=trace.obj.pk)
    assert trace.details["firearm"] == str(record.firearm)
    assert trace.details["dealer"] == record.purchase.dealer.display_name != ""
    assert trace.details["purchase_date"] == record.purchase.purchase_date.isoformat()
    assert "Repeat purchaser" in trace.details["indicators"]
    possessor = next(fact for fact in found[0].facts if fact.role == "possessor")
    assert possessor.label.startswith("Possessor POE, PAT")


# --- repeat crime gun ---


def test_a_gun_traced_from_two_incidents_raises_a_repeat_gun_lead(
    agency_a: Any, tmp_path: Path
) -> None:
    first = IncidentFactory(agency=agency_a, incident_number="24-000111")
    second = IncidentFactory(agency=agency_a, incident_number="24-000222")
    rows = [
        row("T-1", serial_number="RG1", agency_case_number="24-000111"),
        row("T-2", serial_number="RG1", agency_case_number="24-000222", recovery_date="2024-08-01"),
        row("T-3", serial_number="ONCE", agency_case_number="24-000333"),
    ]
    run_import(agency_a, write_etrace(tmp_path / "a.csv", rows))
    leads_raise(repeat_gun_findings(agency_a))
    lead = Lead.objects.get(kind=LeadKind.REPEAT_GUN)
    records = _records(lead)
    firearm = Trace.objects.get(trace_number="T-1").firearm
    assert ("firearm", firearm.pk) in records
    assert {("incident", first.pk), ("incident", second.pk)} <= set(records)
    assert leads_raise(repeat_gun_findings(agency_a))["raised"] == 0


def test_a_test_fire_confirmed_against_casings_of_two_incidents_raises_a_repeat_gun_lead(
    agency_a: Any, owner: Any
) -> None:
    recovered_in = IncidentFactory(agency=agency_a)
    shooting = IncidentFactory(agency=agency_a)
    test_fire = _casing(agency_a, recovered_in, kind=EvidenceKind.TEST_FIRE)
    casing = _casing(agency_a, shooting)
    match = CandidateFactory(agency=agency_a, query=test_fire, candidate=casing)
    assert repeat_gun_findings(agency_a) == []  # not decided yet
    candidate_decide(
        candidate=match, decision=Decision.CONFIRMED, user=owner, examined_on=dt.date.today()
    )
    (finding,) = repeat_gun_findings(agency_a)
    assert finding.kind == LeadKind.REPEAT_GUN
    assert {recovered_in, shooting} <= {f.obj for f in finding.facts}


# --- alert cluster ---


def _cluster(agency: Any, *, alerts: int, casings: int) -> tuple[Any, Any]:
    event = ShootingEventFactory(agency=agency, alert_count=alerts)
    incident = IncidentFactory(agency=agency)
    for _ in range(alerts):
        alert = AlertFactory(agency=agency, event=event)
        AlertIncidentLinkFactory(agency=agency, alert=alert, incident=incident)
    for _ in range(casings):
        EvidenceFactory(agency=agency, incident=incident)
    return event, incident


def test_an_alert_cluster_with_recovered_casings_raises_a_lead(agency_a: Any) -> None:
    event, incident = _cluster(agency_a, alerts=3, casings=2)
    _cluster(agency_a, alerts=3, casings=0)  # no casings: no lead
    _cluster(agency_a, alerts=1, casings=1)  # one alert: no cluster
    leads_raise(alert_cluster_findings(agency_a))
    lead = Lead.objects.get()
    assert lead.kind == LeadKind.ALERT_CLUSTER
    records = _records(lead)
    assert ("incident", incident.pk) in records
    assert sum(1 for model, _ in records if model == "shotspotteralert") == 3
    assert sum(1 for model, _ in records if model == "evidence") == 2
    # Another alert joins the shooting later: it joins the lead, as new.
    alert = AlertFactory(agency=agency_a, event=event)
    AlertIncidentLinkFactory(agency=agency_a, alert=alert, incident=incident)
    assert leads_raise(alert_cluster_findings(agency_a))["joined"] == 1
    assert lead.records.get(object_id=alert.pk, role="alert").is_new
    assert ShotSpotterAlert.objects.count() == 8


# --- person link ---


def _mention(entity: Entity, record: Any, role: str) -> EntityMention:
    content_type = ContentType.objects.get_for_model(record)
    return EntityMention.objects.create(
        agency=entity.agency,
        entity=entity,
        kind=EntityKind.PERSON,
        content_type=content_type,
        object_id=record.pk,
        role=role,
        key=f"{content_type.model}:{record.pk}:{role}",
    )


def test_a_person_in_a_trace_and_an_incident_raises_a_person_link_lead(
    agency_a: Any, owner: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    run_import(agency_a, write_etrace(tmp_path / "a.csv", [row("T-1", **STRAW)]))
    purchaser = PersonMention.objects.get(role="purchaser")
    suspect = IncidentPersonFactory(
        agency=agency_a, role="suspect", last_name="ROE", first_name="RAY"
    )
    person, other = (
        Entity.objects.create(agency=agency_a, kind=EntityKind.PERSON) for _ in range(2)
    )
    left = _mention(person, purchaser, "purchaser")
    right = _mention(other, suspect, "suspect")
    assert person_link_findings(agency_a) == []  # two people, so far
    # The analyst judges them the same; resolution moves the mention into one entity.
    EntityMention.objects.filter(pk=right.pk).update(entity=person)
    with django_capture_on_commit_callbacks(execute=True):
        Judgement.objects.create(left=left, right=right, decision="same", decided_by=owner)
    lead = Lead.objects.get(kind=LeadKind.PERSON_LINK)
    records = _records(lead)
    assert ("incident", suspect.incident_id) in records
    assert ("trace", purchaser.trace_id) in records
    assert ("entity", person.pk) in records
    assert rules_run(agency=agency_a, kinds=[LeadKind.PERSON_LINK])["raised"] == 0


def test_an_import_runs_the_rules_after_it_commits(
    agency_a: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    rows = [
        row("T-1", serial_number="S1", purchase_date="2015-01-02", **STRAW),
        row("T-2", serial_number="S2", purchase_date="2016-01-02", **STRAW),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        run_import(agency_a, write_etrace(tmp_path / "a.csv", rows))
    assert Lead.objects.filter(kind=LeadKind.TRAFFICKING).count() == 1
