"""Resolution in the database: full runs, judgements and undo, incremental through a worker."""

from __future__ import annotations

import csv
import time
from typing import Any

import pandas as pd
import pytest
from django.core.management import call_command
from django.db import transaction

from leads import services
from leads.models import Edge, Entity, EntityKind, EntityMention, Judgement, MatchCandidate
from leads.resolution.records import normalise
from leads.resolution.synthetic import linked_sets


def person_items(source: Any, frame: pd.DataFrame) -> list[tuple[Any, str, dict[str, Any]]]:
    items = []
    for row in frame.to_dict("records"):
        fields = {key: value for key, value in row.items() if key not in ("key", "source")}
        items.append((source, f"person-{row['key']}", fields))
    return items


SMITHS = [
    {
        "first_name": "Johnathan",
        "last_name": "Smith",
        "date_of_birth": "1990-03-04",
        "street": "12 Main Street",
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62704",
    },
    {
        "first_name": "John",
        "last_name": "Smith",
        "date_of_birth": "1990-03-04",
        "street": "12 Main St",
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62704",
    },
    {
        "first_name": "Jon",
        "last_name": "Smith",
        "date_of_birth": "1990-04-03",
        "street": "12 Main Street",
        "city": "Springfield",
        "state": "IL",
        "zip_code": "62704",
    },
]


@pytest.fixture
def people(agency_a: Any) -> dict[str, EntityMention]:
    left, right, _truth = linked_sets(150, seed=4)
    services.mentions_bulk_add(
        agency=agency_a,
        kind=EntityKind.PERSON,
        items=person_items(agency_a, pd.concat([left, right])),
    )
    smiths = services.mentions_bulk_add(
        agency=agency_a,
        kind=EntityKind.PERSON,
        items=[
            (agency_a, role, fields)
            for role, fields in zip(["purchaser", "possessor", "suspect"], SMITHS, strict=True)
        ],
    )
    services.persons_resolve_all()
    return {mention.role: EntityMention.objects.get(pk=mention.pk) for mention in smiths}


def entity_of(mention: EntityMention) -> int:
    return EntityMention.objects.get(pk=mention.pk).entity_id


@pytest.mark.django_db
def test_full_run_resolves_people_and_keeps_reasons(
    people: dict[str, EntityMention], agency_a: Any
) -> None:
    assert (
        entity_of(people["purchaser"])
        == entity_of(people["possessor"])
        == entity_of(people["suspect"])
    )
    pairs = sum(
        entity_of(EntityMention.objects.get(key=f"portal.agency:{agency_a.pk}:person-a-{n}"))
        == entity_of(EntityMention.objects.get(key=f"portal.agency:{agency_a.pk}:person-b-{n}"))
        for n in range(150)
    )
    assert pairs >= 145
    link = MatchCandidate.objects.filter(left=people["purchaser"], right=people["possessor"]).get()
    assert link.decision == MatchCandidate.Decision.LINK
    assert {reason["field"] for reason in link.reasons} >= {"first_name", "date_of_birth"}
    # Entities are not left behind empty.
    assert not Entity.objects.filter(kind=EntityKind.PERSON, mentions__isnull=True).exists()


@pytest.mark.django_db
def test_a_full_run_reads_each_mention_as_its_fields_normalise(agency_a: Any) -> None:
    """The run reads the fields as text in the database: what it normalises is what the
    stored fields normalise to, for an age without a birth date, a missing field and a
    null one alike."""
    items: list[tuple[Any, str, dict[str, Any]]] = [
        (agency_a, "purchaser", {**SMITHS[0], "middle_name": "Lee"}),
        (
            agency_a,
            "victim",
            {
                "first_name": "Ana",
                "last_name": "Ruiz",
                "age": 34,
                "age_on": "2024-05-06",
                "sex": "F",
                "city": None,
            },
        ),
        (agency_a, "suspect", {"first_name": "Jo", "street": "4b Elm Rd", "zip_code": "02134"}),
    ]
    mentions = services.mentions_bulk_add(agency=agency_a, kind=EntityKind.PERSON, items=items)

    pks, frame, agencies = services.person_mentions_frame()

    assert pks == [mention.pk for mention in mentions]
    assert agencies.tolist() == [agency_a.pk] * 3
    expected = pd.DataFrame(
        [
            {**fields, "key": mention.key, "source": "agency"}
            for mention, (_source, _role, fields) in zip(mentions, items, strict=True)
        ]
    )
    read, stored = normalise(frame), normalise(expected)
    pd.testing.assert_frame_equal(read, stored)
    assert read["birth_year_min"].tolist()[1:] == [1989, -1]
    assert read["zip"].tolist()[2] == "02134"


@pytest.mark.django_db
def test_not_the_same_splits_is_respected_by_reruns_and_undo_merges(
    people: dict[str, EntityMention], owner: Any
) -> None:
    edge_target = Entity.objects.create(agency=owner.agency, kind=EntityKind.FIREARM, label="gun")
    Edge.objects.create(
        source_id=entity_of(people["suspect"]),
        source_mention=people["suspect"],
        target=edge_target,
        kind="possessed",
    )
    judgement = services.judgement_record(
        left=people["purchaser"],
        right=people["suspect"],
        decision=Judgement.Decision.DIFFERENT,
        user=owner,
    )
    assert entity_of(people["purchaser"]) != entity_of(people["suspect"])
    services.persons_resolve_all()
    assert entity_of(people["purchaser"]) != entity_of(people["suspect"])
    # The gun's edge followed the suspect's mention to its own entity.
    edge = Edge.objects.get(target=edge_target)
    assert edge.source_id == entity_of(people["suspect"])
    services.judgement_undo(judgement=judgement)
    assert entity_of(people["purchaser"]) == entity_of(people["suspect"])


@pytest.mark.django_db
def test_same_judgement_merges_and_undo_splits(
    people: dict[str, EntityMention], agency_a: Any, owner: Any
) -> None:
    stranger = EntityMention.objects.get(key=f"portal.agency:{agency_a.pk}:person-a-7")
    judgement = services.judgement_record(
        left=people["possessor"], right=stranger, decision=Judgement.Decision.SAME, user=owner
    )
    assert entity_of(stranger) == entity_of(people["possessor"])
    services.persons_resolve_all()
    assert entity_of(stranger) == entity_of(people["possessor"])
    services.judgement_undo(judgement=judgement)
    assert entity_of(stranger) != entity_of(people["possessor"])
    assert entity_of(people["purchaser"]) == entity_of(people["possessor"])


def wait_until(check: Any, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("the worker did not resolve the mention in time")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_new_mention_is_resolved_by_a_real_worker(
    celery_worker: Any, agency_a: Any, agency_b: Any
) -> None:
    left, right, _truth = linked_sets(150, seed=4)
    services.mentions_bulk_add(
        agency=agency_a,
        kind=EntityKind.PERSON,
        items=person_items(agency_a, pd.concat([left, right])),
    )
    first = services.mentions_bulk_add(
        agency=agency_a, kind=EntityKind.PERSON, items=[(agency_a, "purchaser", SMITHS[0])]
    )[0]
    services.persons_resolve_all()
    with transaction.atomic():
        newcomer = services.mention_add(
            agency=agency_a,
            kind=EntityKind.PERSON,
            source_record=agency_b,
            role="suspect",
            fields=SMITHS[2],
        )
    wait_until(lambda: entity_of(newcomer) == entity_of(first))
    newcomer.refresh_from_db()
    assert newcomer.score is not None and newcomer.score >= 0.99
    assert any(reason["field"] == "last_name" for reason in newcomer.reasons)


@pytest.mark.django_db
def test_firearms_with_a_serial_typo_resolve_in_a_full_run_and_incrementally(
    agency_a: Any, owner: Any
) -> None:
    guns = services.mentions_bulk_add(
        agency=agency_a,
        kind=EntityKind.FIREARM,
        items=[
            (
                agency_a,
                "purchase",
                {"serial": "ABC12345", "manufacturer": "Smith & Wesson", "caliber": "9MM"},
            ),
            (
                agency_a,
                "recovered",
                {"serial": "ABC-12354", "manufacturer": "S&W", "caliber": "9mm Luger"},
            ),
            (agency_a, "other", {"serial": "ABC12346", "manufacturer": "Glock", "caliber": "9MM"}),
        ],
    )
    call_command("resolve", "--kind", "firearm")
    assert entity_of(guns[0]) == entity_of(guns[1])
    assert entity_of(guns[2]) != entity_of(guns[0])
    late = services.mention_add(
        agency=agency_a,
        kind=EntityKind.FIREARM,
        source_record=agency_a,
        role="test-fire",
        fields={"serial": "ABC1245", "manufacturer": "Smith and Wesson Inc.", "caliber": "9"},
    )
    assert services.mention_resolve(mention_id=late.pk) == "link"
    assert entity_of(late) == entity_of(guns[0])
    # "Not the same" on a firearm pair splits it on the next run.
    services.judgement_record(
        left=guns[0], right=guns[1], decision=Judgement.Decision.DIFFERENT, user=owner
    )
    call_command("resolve", "--kind", "firearm")
    assert entity_of(guns[0]) != entity_of(guns[1])


@pytest.mark.django_db
def test_dealers_resolve_by_ffl_number(agency_a: Any) -> None:
    dealers = services.mentions_bulk_add(
        agency=agency_a,
        kind=EntityKind.DEALER,
        items=[
            (agency_a, "seller-1", {"ffl": "9-33-012-01-5K-12345", "name": "Gun Shop"}),
            (agency_a, "seller-2", {"ffl": "933012016C12345", "name": "GUN SHOP LLC"}),
            (agency_a, "seller-3", {"ffl": "9-33-012-01-5K-54321", "name": "Other"}),
        ],
    )
    call_command("resolve", "--kind", "dealer")
    assert entity_of(dealers[0]) == entity_of(dealers[1]) != entity_of(dealers[2])


@pytest.mark.django_db
def test_export_entities_writes_one_row_per_mention(
    people: dict[str, EntityMention], agency_a: Any, tmp_path: Any
) -> None:
    out = tmp_path / "persons.csv"
    call_command("export_entities", "--kind", "person", "--out", str(out))
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 303
    assert set(rows[0]) == {"entity_id", "source", "source_record", "role"}
    smiths = [row for row in rows if row["role"] in ("purchaser", "possessor", "suspect")]
    assert {row["entity_id"] for row in smiths} == {str(entity_of(people["purchaser"]))}
    assert {(row["source"], row["source_record"]) for row in smiths} == {
        ("agency", str(agency_a.pk))
    }


@pytest.mark.django_db
def test_review_pairs_are_same_person_edges_until_judged(
    people: dict[str, EntityMention], agency_a: Any, owner: Any
) -> None:
    from leads.sources import same_person_edges_refresh

    # Two review pairs between different entities, one within an entity (no edge).
    first = EntityMention.objects.get(key=f"portal.agency:{agency_a.pk}:person-a-1")
    second = EntityMention.objects.get(key=f"portal.agency:{agency_a.pk}:person-a-2")
    MatchCandidate.objects.all().delete()
    for left, right, chance in (
        (people["purchaser"], first, 0.81234),
        (people["suspect"], second, 0.5),
        (people["purchaser"], people["possessor"], 0.9),
    ):
        MatchCandidate.objects.create(
            left=left, right=right, probability=chance, weight=1.0, decision="review"
        )
    assert same_person_edges_refresh(agency_a.pk) == 2
    edges = {
        (edge.source_mention_id, edge.target_mention_id): edge
        for edge in Edge.objects.filter(kind="same_person")
    }
    assert set(edges) == {(people["purchaser"].pk, first.pk), (people["suspect"].pk, second.pk)}
    edge = edges[(people["purchaser"].pk, first.pk)]
    assert (edge.source_id, edge.target_id) == (entity_of(people["purchaser"]), entity_of(first))
    assert edge.evidence == MatchCandidate.objects.get(left=people["purchaser"], right=first)
    assert edge.details == {"probability": 0.812}
    # A judged pair leaves the review queue, and its edge goes with it.
    Judgement.objects.create(
        left=people["suspect"],
        right=second,
        decision=Judgement.Decision.DIFFERENT,
        decided_by=owner,
    )
    assert same_person_edges_refresh(agency_a.pk) == 1
    assert list(
        Edge.objects.filter(kind="same_person").values_list("source_mention", "target_mention")
    ) == [(people["purchaser"].pk, first.pk)]


@pytest.mark.django_db
def test_retired_entities_hand_their_edges_on_and_only_empty_ones_go(agency_a: Any) -> None:
    from leads.models import EdgeKind
    from tests.leads.factories import EntityFactory, EntityMentionFactory

    entities: list[Any] = [EntityFactory(agency=agency_a) for _ in range(6)]
    gun, dealer, successor, kept, emptied, emptied_too = entities
    EntityMentionFactory(agency=agency_a, entity=successor)
    EntityMentionFactory(agency=agency_a, entity=kept)  # still mentioned: stays
    handed_on = Edge.objects.create(source=emptied, target=gun, kind=EdgeKind.PURCHASED)
    incoming = Edge.objects.create(source=dealer, target=emptied, kind=EdgeKind.SOLD_BY)
    between = Edge.objects.create(source=emptied, target=emptied_too, kind=EdgeKind.SAME_PERSON)

    services._retire({emptied.pk: successor.pk, emptied_too.pk: successor.pk, kept.pk: gun.pk})

    assert set(Entity.objects.filter(agency=agency_a).values_list("pk", flat=True)) == {
        gun.pk,
        dealer.pk,
        successor.pk,
        kept.pk,
    }
    handed_on.refresh_from_db()
    incoming.refresh_from_db()
    assert (handed_on.source_id, handed_on.target_id) == (successor.pk, gun.pk)
    assert (incoming.source_id, incoming.target_id) == (dealer.pk, successor.pk)
    # Both ends moved to the one successor: the edge is kept, as a loop on it.
    between.refresh_from_db()
    assert (between.source_id, between.target_id) == (successor.pk, successor.pk)


@pytest.mark.django_db
def test_edges_follow_their_mentions_to_the_entities_they_moved_to(agency_a: Any) -> None:
    from leads.models import EdgeKind
    from tests.leads.factories import EntityFactory, EntityMentionFactory

    entities: list[Any] = [EntityFactory(agency=agency_a) for _ in range(4)]
    person, merged_into, gun, other = entities
    moved: Any = EntityMentionFactory(agency=agency_a, entity=person)
    stayed: Any = EntityMentionFactory(agency=agency_a, entity=other)
    out = Edge.objects.create(
        source=person, source_mention=moved, target=gun, kind=EdgeKind.POSSESSED
    )
    back = Edge.objects.create(
        source=gun, target=person, target_mention=moved, kind=EdgeKind.POSSESSED
    )
    untouched = Edge.objects.create(
        source=other, source_mention=stayed, target=gun, kind=EdgeKind.POSSESSED
    )
    EntityMention.objects.filter(pk=moved.pk).update(entity=merged_into)

    services._follow_mentions([moved.pk, stayed.pk])

    assert Edge.objects.get(pk=out.pk).source_id == merged_into.pk
    assert Edge.objects.get(pk=back.pk).target_id == merged_into.pk
    assert Edge.objects.get(pk=untouched.pk).source_id == other.pk
