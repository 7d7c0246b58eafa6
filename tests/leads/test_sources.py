"""Mentions and edges from real imports, ballistic matches and the unknown firearm, metrics."""

from __future__ import annotations

import contextlib
from collections import Counter
from io import StringIO
from typing import Any
from unittest import mock

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ballistics.choices import Decision, EvidenceKind
from leads import services, sources
from leads.models import Edge, EdgeKind, Entity, EntityKind, EntityMention
from portal.incidents.models import Incident, IncidentPerson
from tests.ballistics.factories import CandidateFactory, EvidenceFactory, ScanFactory
from tests.tracing.helpers import row, run_import, write_etrace
from tracing.models import Firearm, PersonMention, Purchase

pytestmark = pytest.mark.django_db

INCIDENTS = (
    "Incident Number,Date Occurred,Time Occurred,Offense,NCIC Code,Address,Latitude,Longitude\n"
    "24-1,05/01/2024,18:00,AGG ASSAULT,1399,100 MAIN ST,39.2904,-76.6122\n"
    "24-2,05/03/2024,,ROBBERY,1299,200 MAIN ST,39.3004,-76.6122\n"
)
PERSONS = (
    "incident_number,role,last_name,first_name,middle_name,dob,age,sex,race,address,city,state,zip\n"
    "24-1,victim,DOE,JANE,,1990-01-02,,F,W,1 ELM ST,METRO,MD,21201\n"
    "24-1,suspect,ROE,RICHARD,A,,33,M,B,,,,\n"
)


def import_incidents(agency: Any, tmp_path: Any, capture: Any) -> None:
    incidents, persons = tmp_path / "incidents.csv", tmp_path / "persons.csv"
    incidents.write_text(INCIDENTS)
    persons.write_text(PERSONS)
    with capture(execute=True):
        call_command(
            "import_incidents",
            str(incidents),
            "--agency",
            agency.ori,
            "--persons",
            str(persons),
            stdout=StringIO(),
        )


def import_traces(agency: Any, tmp_path: Any, capture: Any) -> None:
    path = write_etrace(
        tmp_path / "traces.csv",
        [
            row(
                "T1",
                agency_case_number="24-1",
                possessor_last="ROE",
                possessor_first="RICHARD",
                possessor_dob="",
            ),
            row(
                "T2",
                serial_number="XYZ987",
                recovery_address="5 OAK AVE",
                possessor_last="ROE",
                possessor_first="RICHARD",
                possessor_dob="",
            ),
        ],
    )
    with capture(execute=True):
        job = run_import(agency, path)
    assert job.status == "succeeded", job.result


def edge_kinds() -> Counter[str]:
    """Edges from the source records ("same person?" pairs depend on the trained model)."""
    return Counter(Edge.objects.exclude(kind=EdgeKind.SAME_PERSON).values_list("kind", flat=True))


def entity_of(model: Any, pk: int, role: str | None = None) -> int:
    query = EntityMention.objects.filter(content_type__model=model._meta.model_name, object_id=pk)
    if role:
        query = query.filter(role=role)
    return query.get().entity_id


def test_imports_create_mentions_and_edges_with_their_evidence(
    agency_a: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import_incidents(agency_a, tmp_path, django_capture_on_commit_callbacks)
    # The incident import alone: two incidents, two persons involved with their roles.
    assert edge_kinds() == {EdgeKind.INVOLVED_IN: 2}
    suspect = IncidentPerson.objects.get(role="suspect")
    involved = Edge.objects.get(kind=EdgeKind.INVOLVED_IN, role="suspect")
    assert involved.evidence == suspect
    assert involved.target_id == entity_of(Incident, suspect.incident_id)

    import_traces(agency_a, tmp_path, django_capture_on_commit_callbacks)
    mentions = Counter(EntityMention.objects.values_list("kind", "source"))
    assert mentions == {
        (EntityKind.PERSON, "incident"): 2,
        (EntityKind.PERSON, "trace"): 4,  # purchaser and possessor of each trace
        (EntityKind.FIREARM, "firearm"): 2,
        (EntityKind.DEALER, "dealer"): 1,
        (EntityKind.INCIDENT, "incident"): 2,
        (EntityKind.PLACE, "trace"): 1,  # T2's recovery address
    }
    assert set(EntityMention.objects.values_list("agency_id", flat=True)) == {agency_a.pk}
    assert edge_kinds() == {
        EdgeKind.INVOLVED_IN: 2,
        EdgeKind.PURCHASED: 2,
        EdgeKind.SOLD_BY: 2,
        EdgeKind.POSSESSED: 2,
        EdgeKind.RECOVERED_IN: 2,
    }
    first_gun = Firearm.objects.get(serial_normalised="ABC123")
    purchase = Purchase.objects.get(trace__trace_number="T1")
    bought = Edge.objects.get(kind=EdgeKind.PURCHASED, evidence_id=purchase.pk)
    assert bought.target_id == entity_of(Firearm, first_gun.pk)
    assert bought.source_id == entity_of(PersonMention, purchase.purchaser_id)
    assert str(bought.first_seen) == "2020-06-01"
    # T1's case number is incident 24-1: the gun was recovered in it.
    recovered = Edge.objects.get(kind=EdgeKind.RECOVERED_IN, evidence_id=purchase.trace_id)
    incident = Incident.objects.get(incident_number="24-1")
    assert recovered.target_id == entity_of(Incident, incident.pk)
    # Both traces were sold by one dealer: one dealer entity.
    assert (
        len(set(Edge.objects.filter(kind=EdgeKind.SOLD_BY).values_list("target", flat=True))) == 1
    )

    # Idempotent: a second sync, and the same file imported again, add nothing.
    before = (EntityMention.objects.count(), Edge.objects.count())
    result = sources.agency_sources_sync(agency_id=agency_a.pk)
    assert result["mentions_added"] == 0 and result["edges_added"] == 0
    import_traces(agency_a, tmp_path, django_capture_on_commit_callbacks)
    assert (EntityMention.objects.count(), Edge.objects.count()) == before


def test_a_reimported_trace_with_new_facts_replaces_its_person_mentions(
    agency_a: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import_traces(agency_a, tmp_path, django_capture_on_commit_callbacks)
    path = write_etrace(
        tmp_path / "again.csv",
        [row("T1", agency_case_number="24-1", possessor_last="POE", possessor_first="EDGAR")],
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_import(agency_a, path)
    possessors = EntityMention.objects.filter(role="possessor")
    names = sorted(mention.fields["last_name"] for mention in possessors)
    assert names == ["POE", "ROE"]  # T1's new possessor, T2's unchanged one
    # Every edge still stands on a live mention.
    assert (
        not Edge.objects.filter(source_mention__isnull=True)
        .exclude(kind=EdgeKind.SAME_PERSON)
        .exists()
    )


def casing(agency: Any, incident: Any = None, **fields: Any) -> Any:
    evidence = EvidenceFactory(agency=agency, incident=incident, **fields)
    return evidence, ScanFactory(agency=agency, evidence=evidence)


def test_casings_tied_by_ballistic_matches_are_one_unknown_firearm_until_a_test_fire(
    agency_a: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import_incidents(agency_a, tmp_path, django_capture_on_commit_callbacks)
    import_traces(agency_a, tmp_path, django_capture_on_commit_callbacks)
    first_incident, second_incident = Incident.objects.order_by("incident_number")
    first, first_scan = casing(agency_a, first_incident)
    second, second_scan = casing(agency_a, second_incident)
    sources.agency_sources_sync(agency_id=agency_a.pk)
    assert entity_of(type(first), first.pk) != entity_of(type(second), second.pk)

    with django_capture_on_commit_callbacks(execute=True):
        CandidateFactory(
            agency=agency_a,
            query=first_scan,
            candidate=second_scan,
            decision=Decision.POTENTIAL_LEAD,
        )
    unknown = Entity.objects.get(pk=entity_of(type(first), first.pk))
    assert entity_of(type(second), second.pk) == unknown.pk
    assert unknown.attributes["unknown"] and unknown.label.startswith("Unknown firearm (2 casings")
    # The match links the two shootings; each casing comes from its incident.
    match = Edge.objects.get(kind=EdgeKind.BALLISTIC_MATCH)
    assert {match.source_id, match.target_id} == {
        entity_of(Incident, first_incident.pk),
        entity_of(Incident, second_incident.pk),
    }
    assert set(
        Edge.objects.filter(kind=EdgeKind.CASING_FROM).values_list("source_id", flat=True)
    ) == {unknown.pk}

    # A recovered gun's test-fire matches one casing: the casings join the traced gun.
    test_fire, test_scan = casing(
        agency_a,
        kind=EvidenceKind.TEST_FIRE,
        firearm_description="Glock 19 9mm, S/N ABC123",
        caliber="9MM",
    )
    with django_capture_on_commit_callbacks(execute=True):
        CandidateFactory(
            agency=agency_a, query=test_scan, candidate=second_scan, decision=Decision.CONFIRMED
        )
    gun = Firearm.objects.get(serial_normalised="ABC123")
    gun_entity = entity_of(Firearm, gun.pk)
    assert {
        entity_of(type(first), first.pk),
        entity_of(type(second), second.pk),
        entity_of(type(test_fire), test_fire.pk),
    } == {gun_entity}
    known = Entity.objects.get(pk=gun_entity)
    assert not known.attributes["unknown"] and "ABC123" in known.label
    # The traced gun's purchase edge and the casings' incidents now meet on one node.
    kinds = set(Edge.objects.filter(source_id=gun_entity).values_list("kind", flat=True)) | set(
        Edge.objects.filter(target_id=gun_entity).values_list("kind", flat=True)
    )
    assert {EdgeKind.PURCHASED, EdgeKind.CASING_FROM, EdgeKind.SOLD_BY} <= kinds


def test_a_match_decision_taken_back_splits_the_casings_again(agency_a: Any) -> None:
    first, first_scan = casing(agency_a)
    second, second_scan = casing(agency_a)
    candidate = CandidateFactory(
        agency=agency_a, query=first_scan, candidate=second_scan, decision=Decision.CONFIRMED
    )
    sources.agency_sources_sync(agency_id=agency_a.pk)
    assert entity_of(type(first), first.pk) == entity_of(type(second), second.pk)
    candidate.decision = Decision.NOT_A_MATCH
    candidate.save()
    assert sources.ballistic_candidate_apply(candidate_id=candidate.pk) == "separate"
    assert entity_of(type(first), first.pk) != entity_of(type(second), second.pk)
    assert not Edge.objects.filter(kind=EdgeKind.BALLISTIC_MATCH).exists()


def test_a_match_across_agencies_never_merges_their_entities(agency_a: Any, agency_b: Any) -> None:
    first, first_scan = casing(agency_a)
    second, second_scan = casing(agency_b)
    candidate = CandidateFactory(
        agency=agency_a, query=first_scan, candidate=second_scan, decision=Decision.CONFIRMED
    )
    assert sources.ballistic_candidate_apply(candidate_id=candidate.pk) == "separate"
    ours = Entity.objects.get(pk=entity_of(type(first), first.pk))
    theirs = Entity.objects.get(pk=entity_of(type(second), second.pk))
    assert (ours.agency_id, theirs.agency_id) == (agency_a.pk, agency_b.pk)


def test_graph_metrics_command_stores_degree_centrality_and_community(
    agency_a: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import_incidents(agency_a, tmp_path, django_capture_on_commit_callbacks)
    import_traces(agency_a, tmp_path, django_capture_on_commit_callbacks)
    Entity.objects.update(degree=0, metrics={})
    call_command("graph_metrics", stdout=StringIO())
    gun = Entity.objects.get(
        pk=entity_of(Firearm, Firearm.objects.get(serial_normalised="ABC123").pk)
    )
    # Purchaser, possessor, dealer and the incident it was recovered in.
    assert gun.degree == 4
    assert gun.metrics["betweenness"] > 0 and gun.metrics["community"] >= 1
    incident = Entity.objects.get(kind=EntityKind.INCIDENT, label="Incident 24-2")
    assert incident.degree == 0 and incident.metrics["betweenness"] == 0


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_an_imported_trace_is_in_the_graph_within_seconds_through_a_real_worker(
    celery_worker: Any, agency_a: Any, tmp_path: Any
) -> None:
    import time

    path = write_etrace(tmp_path / "traces.csv", [row("T1"), row("T2", serial_number="XYZ9")])
    assert run_import(agency_a, path).status == "succeeded"
    started = time.monotonic()
    deadline = started + 20
    while time.monotonic() < deadline:
        if Edge.objects.filter(kind=EdgeKind.SOLD_BY).count() == 2:
            break
        time.sleep(0.1)
    assert Edge.objects.filter(kind=EdgeKind.SOLD_BY).count() == 2
    assert EntityMention.objects.filter(kind=EntityKind.PERSON).count() == 4
    assert time.monotonic() - started < 20


def mention_rows() -> dict[str, tuple[Any, ...]]:
    """What a mention holds, with its entity's label and its blocking keys, by mention key."""
    return {
        mention.key: (
            mention.agency_id,
            mention.kind,
            mention.content_type_id,
            mention.object_id,
            mention.role,
            mention.fields,
            mention.source,
            mention.reference,
            mention.entity.label,
            sorted(mention.blocking_keys.values_list("rule", "key_hash")),
        )
        for mention in EntityMention.objects.select_related("entity")
    }


# Written in batches of two, every batch boundary is crossed.
@pytest.mark.parametrize("batch", [2, sources.MENTION_BATCH])
def test_copied_mentions_are_those_mentions_bulk_add_writes(
    agency_a: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
    batch: int,
) -> None:
    monkeypatch.setattr(sources, "MENTION_BATCH", batch)
    import_incidents(agency_a, tmp_path, django_capture_on_commit_callbacks)
    import_traces(agency_a, tmp_path, django_capture_on_commit_callbacks)
    casing(agency_a, Incident.objects.first())
    casing(agency_a, kind=EvidenceKind.TEST_FIRE, firearm_description="Glock 19, S/N ABC123")
    # The mentions written afresh, unresolved (each its own entity), by COPY...
    Entity.objects.all().delete()
    keys = sources.BlockingKeyBuffer()
    added = sources._mentions_add(agency_a.pk, keys)
    keys.write()
    assert {kind for kind, ids in added.items() if ids} == set(EntityKind) - {EntityKind.ALERT}
    copied = mention_rows()
    assert copied and {values[9] != [] for values in copied.values()} == {True, False}

    # ... and by mentions_bulk_add.
    Entity.objects.all().delete()
    for (model, kind), rows in groupby_model_kind(copied).items():
        services.mentions_bulk_add(
            agency=agency_a.pk,
            kind=kind,
            items=[(model(pk=values[3]), values[4], values[5]) for values in rows],
            source=rows[0][6],
            references=[values[7] for values in rows],
        )
    assert mention_rows() == copied


def groupby_model_kind(rows: dict[str, tuple[Any, ...]]) -> dict[tuple[Any, str], list[Any]]:
    groups: dict[tuple[Any, str], list[Any]] = {}
    for values in rows.values():
        model = ContentType.objects.get_for_id(values[2]).model_class()
        groups.setdefault((model, values[1]), []).append(values)
    return groups


def test_a_later_import_adds_exactly_its_records_mentions_and_edges(
    agency_a: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import_incidents(agency_a, tmp_path, django_capture_on_commit_callbacks)
    import_traces(agency_a, tmp_path, django_capture_on_commit_callbacks)
    # A test-fire whose gun was recovered in an incident: drawn once, not at every sync.
    test_fire, _scan = casing(
        agency_a, Incident.objects.first(), kind=EvidenceKind.TEST_FIRE, caliber="9MM"
    )
    sources.agency_sources_sync(agency_id=agency_a.pk)
    # A sync that finds nothing new writes nothing (it is run after every import and
    # every examiner's decision, over every record of the agency).
    edges = set(Edge.objects.values_list("pk", "kind"))
    assert EdgeKind.SAME_PERSON in {kind for _, kind in edges}
    with CaptureQueriesContext(connection) as queries:
        again = sources.agency_sources_sync(agency_id=agency_a.pk)
    assert not sources.sync_changed(again) and again["edges_added"] == 0
    assert set(Edge.objects.values_list("pk", "kind")) == edges
    assert not [q["sql"] for q in queries if q["sql"].startswith(("INSERT", "UPDATE"))]
    drawn = Edge.objects.filter(
        evidence_type=ContentType.objects.get_for_model(test_fire),
        evidence_id=test_fire.pk,
        kind=EdgeKind.RECOVERED_IN,
    )
    assert drawn.count() == 1
    before_mentions = set(EntityMention.objects.values_list("pk", flat=True))
    before_edges = set(Edge.objects.exclude(kind=EdgeKind.SAME_PERSON).values_list("pk", flat=True))

    path = write_etrace(
        tmp_path / "later.csv",
        [
            row(
                "T3",
                serial_number="NEW555",
                recovery_address="9 PINE RD",
                possessor_last="LANE",
                possessor_first="LOIS",
            )
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_import(agency_a, path)
    trace = Purchase.objects.get(trace__trace_number="T3").trace
    new_mentions = EntityMention.objects.exclude(pk__in=before_mentions)
    assert Counter(new_mentions.values_list("kind", "role")) == {
        (EntityKind.PERSON, "purchaser"): 1,
        (EntityKind.PERSON, "possessor"): 1,
        (EntityKind.FIREARM, "firearm"): 1,
        (EntityKind.PLACE, sources.PLACE_ROLE): 1,
    }
    t3_records = {("personmention", pk) for pk in trace.mentions.values_list("pk", flat=True)} | {
        ("firearm", trace.firearm_id),
        ("trace", trace.pk),
    }
    assert {
        (mention.content_type.model, mention.object_id) for mention in new_mentions
    } == t3_records
    new_edges = Edge.objects.exclude(pk__in=before_edges).exclude(kind=EdgeKind.SAME_PERSON)
    assert Counter(new_edges.values_list("kind", flat=True)) == {
        EdgeKind.PURCHASED: 1,
        EdgeKind.SOLD_BY: 1,
        EdgeKind.POSSESSED: 1,
        EdgeKind.RECOVERED_IN: 1,
    }
    # Each new edge stands on T3's records: its evidence and its ends' mentions.
    for edge in new_edges:
        assert edge.evidence in (trace, trace.purchase)
        assert edge.source_mention is not None and edge.target_mention is not None
        assert edge.source_mention.entity_id == edge.source_id
        assert edge.target_mention.entity_id == edge.target_id
        ends = {edge.source_mention.pk, edge.target_mention.pk}
        assert ends & set(new_mentions.values_list("pk", flat=True))
    recovered = new_edges.get(kind=EdgeKind.RECOVERED_IN)
    assert recovered.target_mention is not None
    assert recovered.target_mention.role == sources.PLACE_ROLE


def test_a_recovery_place_joins_its_address_entity_as_it_is_written(
    agency_a: Any, agency_b: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    def place_of(agency: Any, trace_number: str) -> int:
        return EntityMention.objects.get(
            agency=agency, role=sources.PLACE_ROLE, reference=trace_number
        ).entity_id

    def load(agency: Any, name: str, rows: list[dict[str, str]]) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            job = run_import(agency, write_etrace(tmp_path / name, rows))
        assert job.status == "succeeded", job.result

    # Two guns recovered at one address, written two ways, in one file: one place.
    load(
        agency_a,
        "first.csv",
        [
            row("P1", recovery_address="5 Oak Ave."),
            row("P2", serial_number="XYZ987", recovery_address="5  OAK AVE"),
        ],
    )
    place = place_of(agency_a, "P1")
    assert place_of(agency_a, "P2") == place
    # A later file: one more at that address joins it; another address is a new place.
    later = [
        row("P3", serial_number="NEW555", recovery_address="5 oak ave"),
        row("P4", serial_number="NEW666", recovery_address="9 PINE RD"),
    ]
    load(agency_a, "later.csv", later)
    assert place_of(agency_a, "P3") == place
    assert place_of(agency_a, "P4") != place
    # Another agency's record of the same address is its own agency's place.
    load(agency_b, "other.csv", later)
    assert place_of(agency_b, "P3") not in (place, place_of(agency_a, "P4"))
    assert Entity.objects.get(pk=place_of(agency_b, "P3")).agency_id == agency_b.pk
    # Each place entity is exactly its mentions: a full run of places has nothing to move.
    assert Entity.objects.filter(kind=EntityKind.PLACE).count() == 4
    assert services.kind_resolve_all(EntityKind.PLACE) == {
        "mentions": 6,
        "entities": 4,
        "changed": 0,
    }
    recovered = Edge.objects.filter(kind=EdgeKind.RECOVERED_IN, target_id=place)
    assert recovered.count() == 3


def _edge_indexes() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s", [Edge._meta.db_table]
        )
        return {definition for (definition,) in cursor.fetchall()}


def test_a_first_load_draws_the_same_edges_with_the_edge_indexes_built_after(
    agency_a: Any,
    agency_b: Any,
    tmp_path: Any,
    django_capture_on_commit_callbacks: Any,
    monkeypatch: Any,
) -> None:
    indexes = _edge_indexes()
    # Agency B's sync treated as a big first load, then the same file for agency A.
    with monkeypatch.context() as patched:
        patched.setattr(services, "ANALYZE_ABOVE", 0)
        with CaptureQueriesContext(connection) as queries:
            import_traces(agency_b, tmp_path, django_capture_on_commit_callbacks)
    dropped = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DROP INDEX")]
    assert any("edge" in statement for statement in dropped)
    import_traces(agency_a, tmp_path, django_capture_on_commit_callbacks)

    def edges_of(agency: Any) -> Counter[tuple[str, str]]:
        return Counter(
            Edge.objects.filter(source__agency=agency)
            .exclude(kind=EdgeKind.SAME_PERSON)
            .values_list("kind", "role")
        )

    assert edges_of(agency_b) == edges_of(agency_a)
    assert sum(edges_of(agency_b).values()) == 7
    assert _edge_indexes() == indexes


def test_the_imports_of_one_transaction_ask_for_one_sync_of_each_agency(
    agency_a: Any, agency_b: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    from leads.tasks import sources_sync
    from portal.incidents.signals import incident_records_saved
    from tracing.signals import traces_imported

    def in_a_failed_import(signal: Any, agency_id: int) -> None:
        """The signal sent within a savepoint that is then rolled back."""
        with contextlib.suppress(RuntimeError), transaction.atomic():
            signal.send(sender=Incident, agency_id=agency_id)
            raise RuntimeError("the import failed")

    asked: list[Any] = []
    with mock.patch.object(
        sources_sync, "apply_async", lambda args, **options: asked.append((args, options))
    ):
        with django_capture_on_commit_callbacks(execute=True):
            # Imports of both agencies in one transaction (a first load writes them so).
            with transaction.atomic():
                traces_imported.send(sender=None, agency_id=agency_a.pk)
                incident_records_saved.send(sender=Incident, agency_id=agency_b.pk)
                traces_imported.send(sender=None, agency_id=agency_a.pk)
            # A failed import's request, while one of the agency's waits, adds nothing.
            in_a_failed_import(incident_records_saved, agency_a.pk)
        assert asked == [
            ((agency_a.pk,), {"queue": "resolution"}),
            ((agency_b.pk,), {"queue": "resolution"}),
        ]
        asked.clear()
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            # A request dropped with its savepoint's rollback is asked for again.
            in_a_failed_import(traces_imported, agency_b.pk)
            incident_records_saved.send(sender=Incident, agency_id=agency_b.pk)
        assert [args for args, _ in asked] == [(agency_b.pk,)]


def test_the_mentions_resolved_in_one_transaction_ask_for_one_metrics_run_of_each_agency(
    agency_a: Any, agency_b: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import transaction

    from leads import services
    from leads.tasks import graph_metrics

    asked: list[Any] = []
    with (
        mock.patch.object(graph_metrics, "apply_async", lambda args, **o: asked.append(args)),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        for agency in (agency_a, agency_a, agency_b, agency_a):
            services.graph_metrics_enqueue(agency.pk)
    assert asked == [(agency_a.pk,), (agency_b.pk,)]
