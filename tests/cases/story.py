"""A hand-made case: a traced gun, its test-fire matched to casings at two shootings (one
in the case, one outside), an alert, people, and resolved entities; and agency B's records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType

from leads.models import Edge, Entity, EntityMention
from tests.ballistics.factories import CandidateFactory, EvidenceFactory, ScanFactory
from tests.cases.factories import CaseFactory, CaseItemFactory
from tests.incidents.factories import (
    AlertFactory,
    AlertIncidentLinkFactory,
    IncidentFactory,
    IncidentPersonFactory,
)
from tests.tracing.factories import (
    DealerFactory,
    FirearmFactory,
    PersonMentionFactory,
    PurchaseFactory,
    TraceFactory,
)

T1 = dt.datetime(2024, 3, 5, 23, 10, tzinfo=dt.UTC)
T2 = dt.datetime(2024, 4, 20, 1, 30, tzinfo=dt.UTC)


@dataclass
class Story:
    case: Any
    firearm: Any
    trace: Any
    dealer: Any
    purchaser: Any
    possessor: Any
    incident_in_case: Any
    incident_outside: Any
    incident_other_agency: Any
    alert: Any
    victim: Any
    test_fire: Any
    person_entity: Any
    case_b: Any


def add_mention(entity: Any, record: Any, *, kind: str, role: str = "", **fields: Any) -> Any:
    """A resolution mention of `record` in `entity`, as the resolution step writes them."""
    content_type = ContentType.objects.get_for_model(record)
    # With a live worker the graph sync may have mentioned the record already: the story's
    # entity takes that mention, as a resolution run would.
    mention, _ = EntityMention.objects.update_or_create(
        key=f"{content_type.app_label}.{content_type.model}:{record.pk}:{role}",
        defaults={
            "entity": entity,
            "kind": kind,
            "content_type": content_type,
            "object_id": record.pk,
            "role": role,
            "agency_id": record.agency_id,
            **fields,
        },
    )
    return mention


def mention_entity(record: Any, kind: str, label: str, role: str = "") -> Any:
    entity = Entity.objects.create(kind=kind, label=label, agency_id=record.agency_id)
    add_mention(entity, record, kind=kind, role=role)
    return entity


def build_story(agency_a: Any, agency_b: Any, owner: Any, outsider: Any) -> Story:
    """The hand-made case (also used by the detective's browser journey)."""
    dealer = DealerFactory(
        license_name="RIVERSIDE ARMS",
        ffl_number="1-54-123-01-9A-04242",
        sequence="04242",
        ffl_key="1-54-123-01-04242",
    )
    firearm = FirearmFactory(
        agency=agency_a,
        serial_normalised="XK41977",
        serial_as_written="XK-41977",
        identity_key="XK41977",
        country="AUSTRIA",
        importer="GLOCK INC",
    )
    trace = TraceFactory(
        agency=agency_a,
        firearm=firearm,
        trace_number="T2024000777",
        recovery_date=dt.date(2024, 6, 1),
        recovery_address="1200 HARBOR LANE",
        recovery_city="METRO CITY",
        recovery_lat=39.30,
        recovery_lon=-76.60,
        time_to_crime_days=508,
        request_date=dt.date(2024, 6, 3),
    )
    purchaser = PersonMentionFactory(
        agency=agency_a,
        trace=trace,
        role="purchaser",
        last_name="JOHNSON",
        first_name="MARCUS",
        last_name_key="JOHNSON",
        first_name_key="MARCUS",
        person_key="JOHNSON|MARCUS|1990-02-03",
        dob=dt.date(1990, 2, 3),
    )
    possessor = PersonMentionFactory(
        agency=agency_a,
        trace=trace,
        role="possessor",
        last_name="SMITH",
        first_name="DEVON",
        last_name_key="SMITH",
        first_name_key="DEVON",
        person_key="SMITH|DEVON|",
    )
    PurchaseFactory(
        agency=agency_a,
        trace=trace,
        dealer=dealer,
        purchaser=purchaser,
        purchase_date=dt.date(2023, 1, 10),
    )
    incident_in = IncidentFactory(
        agency=agency_a,
        incident_number="24-900101",
        occurred_at=T1,
        address="400 BLOCK OF ELM STREET",
        offense="AGGRAVATED ASSAULT",
    )
    incident_out = IncidentFactory(
        agency=agency_a,
        incident_number="24-900202",
        occurred_at=T2,
        address="77 QUARRY ROAD",
        offense="HOMICIDE",
        latitude=39.31,
    )
    incident_b = IncidentFactory(agency=agency_b, incident_number="24-900303", occurred_at=T2)
    alert = AlertFactory(agency=agency_a, source_id="SS-CASE-1", fired_at=T1)
    AlertIncidentLinkFactory(agency=agency_a, alert=alert, incident=incident_in)
    victim = IncidentPersonFactory(
        agency=agency_a,
        incident=incident_in,
        role="victim",
        last_name="RIVERA",
        first_name="ANA",
    )
    test_fire = EvidenceFactory(
        agency=agency_a, exhibit_number="TF-0001", kind="test_fire", firearm=firearm
    )
    casing_in = EvidenceFactory(agency=agency_a, exhibit_number="SC-0101", incident=incident_in)
    casing_out = EvidenceFactory(agency=agency_a, exhibit_number="SC-0202", incident=incident_out)
    casing_b = EvidenceFactory(agency=agency_b, exhibit_number="SC-0303", incident=incident_b)
    tf_scan = ScanFactory(agency=agency_a, evidence=test_fire)
    CandidateFactory(
        agency=agency_a,
        query=tf_scan,
        candidate=ScanFactory(agency=agency_a, evidence=casing_in),
        decision="confirmed",
        score=21.0,
        decided_at=T1,
    )
    CandidateFactory(
        agency=agency_a,
        query=ScanFactory(agency=agency_a, evidence=casing_out),
        candidate=tf_scan,
        decision="potential_lead",
        score=14.0,
        decided_at=T2,
    )
    # Agency B's casing matched the gun in B's own candidate list: never shown to A.
    CandidateFactory(
        agency=agency_b,
        query=ScanFactory(agency=agency_b, evidence=casing_b),
        candidate=tf_scan,
        decision="confirmed",
        score=19.0,
    )
    case = CaseFactory(
        agency=agency_a, number="C-2024-17", title="Elm Street shootings", lead_detective=owner
    )
    CaseItemFactory(agency=agency_a, case=case, record=incident_in, added_by=owner)
    CaseItemFactory(agency=agency_a, case=case, record=firearm, added_by=owner)
    person = mention_entity(purchaser, "person", "Marcus Johnson", "purchaser")
    gun = mention_entity(firearm, "firearm", "Glock 19 XK41977")
    associate = mention_entity(
        PersonMentionFactory(agency=agency_a, last_name="KLINE", first_name="ROB"),
        "person",
        "Rob Kline",
    )
    hidden = mention_entity(IncidentPersonFactory(agency=agency_b), "person", "Hidden Person B")
    Edge.objects.create(source=person, target=gun, kind="purchased")
    Edge.objects.create(source=associate, target=person, kind="same_person")
    Edge.objects.create(source=hidden, target=gun, kind="possessed")
    case_b = CaseFactory(
        agency=agency_b, number="B-1", title="Agency B case", lead_detective=outsider
    )
    CaseItemFactory(agency=agency_b, case=case_b, record=incident_b)
    return Story(
        case=case,
        firearm=firearm,
        trace=trace,
        dealer=dealer,
        purchaser=purchaser,
        possessor=possessor,
        incident_in_case=incident_in,
        incident_outside=incident_out,
        incident_other_agency=incident_b,
        alert=alert,
        victim=victim,
        test_fire=test_fire,
        person_entity=person,
        case_b=case_b,
    )
