"""Mentions and edges from the source records: traces, incidents, alerts, ballistic evidence.

The source apps know nothing of leads/: their imports send a signal (see
leads/receivers.py) and a task on the "resolution" queue calls
`agency_sources_sync`, which finds the agency's source records that have no
mention yet (an anti-join on the mention index, so a re-run or a redelivered
task adds nothing twice), adds their mentions in bulk (COPY, `mentions_copy`),
resolves the new mentions, then draws the edges those records evidence (one
INSERT ... SELECT per kind, straight from the source tables). Mentions of
source records that were deleted (a re-imported trace rewrites its persons) go
with their edges.

Everything here works within one agency: its records, its entities.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from itertools import islice
from typing import Any

import numpy as np
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Exists, OuterRef, Q
from psycopg2.extras import execute_values

from ballistics.choices import Decision, EvidenceKind
from ballistics.models import Candidate, Evidence
from leads import services
from leads.models import (
    Edge,
    EdgeKind,
    Entity,
    EntityKind,
    EntityMention,
    MatchCandidate,
    MentionBlockingKey,
)
from leads.resolution.blocking import partition_hashes
from portal.bulk import (
    analyze,
    copy_integers,
    copy_rows,
    indexes_built_after,
    reserve_ids,
    table_rows,
)
from portal.incidents.models import AlertIncidentLink, Incident, IncidentPerson, ShotSpotterAlert
from tracing.choices import MentionRole
from tracing.models import Dealer, Firearm, PersonMention, Purchase, Trace

# Above this many new mentions of a kind, one full run of the kind is cheaper than
# resolving each mention on its own (about 80 ms each against a million).
FULL_RUN_ABOVE = 2000
# Mentions prepared and written at once by a bulk sync (memory stays flat).
MENTION_BATCH = 100_000
BALLISTIC_MATCH_DECISIONS = (Decision.POTENTIAL_LEAD, Decision.CONFIRMED)
PLACE_ROLE = "recovery place"
_SERIAL_IN_TEXT = re.compile(r"(?:S/?N|SERIAL(?:\s+NO\.?|\s+NUMBER)?)[\s:#]*([A-Z0-9-]{3,})", re.I)


def _content_type(model: type[models.Model]) -> ContentType:
    return ContentType.objects.get_for_model(model)


def _without_mention(queryset: models.QuerySet[Any], role: str | None = None) -> Any:
    """The records of `queryset` that no mention of theirs points at yet."""
    mentions = EntityMention.objects.filter(
        content_type=_content_type(queryset.model), object_id=OuterRef("pk")
    )
    if role is not None:
        mentions = mentions.filter(role=role)
    return queryset.filter(~Exists(mentions))


def _iso(value: Any) -> str:
    return value.isoformat() if value is not None else ""


def serial_from_description(text: str) -> str:
    """The serial written in a test-fire's firearm description ("Glock 19, S/N ABC123")."""
    found = _SERIAL_IN_TEXT.search(text or "")
    return found.group(1) if found else ""


# ---- mentions ----

# A source record's row -> (the mention's role, its fields).
RowMention = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]


def _mentions_from(
    agency_id: int,
    pending: models.QuerySet[Any],
    columns: Sequence[str],
    *,
    kind: str,
    source: str,
    mention: RowMention,
    reference: Callable[[dict[str, Any]], str],
    keys: BlockingKeyBuffer | None = None,
) -> list[int]:
    """One mention for each record of `pending` (records with no mention yet), in bulk;
    returns the new mentions' ids. Their blocking keys go to `keys` if given.

    Only `columns` are read (values(), no model instances), and written a batch at a
    time: a state-scale sync reads millions of rows.
    """
    rows = pending.values("pk", *columns).order_by("pk").iterator(10_000)
    ids: list[int] = []
    while batch := [
        (row["pk"], *mention(row), reference(row)) for row in islice(rows, MENTION_BATCH)
    ]:
        ids += mentions_copy(
            agency_id=agency_id,
            kind=kind,
            model=pending.model,
            items=batch,
            source=source,
            keys=keys,
        )
    return ids


class BlockingKeyBuffer:
    """Blocking keys of new mentions (mention id, rule, hash), held back to be written
    together.

    A state's first load writes tens of millions of keys, whose (rule, key) index
    follows no order of the mentions. Written batch by batch, each batch's keys land
    all over that index, read and rewritten once per batch. Written together, more
    keys than the table holds are loaded with its indexes built after
    (`indexes_built_after`); fewer, in the order of the (rule, key) index, which
    they then walk once.
    """

    # Rows per COPY (their binary form is built in memory).
    WRITE_ROWS = 2_000_000

    def __init__(self) -> None:
        self._parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(self, mentions: np.ndarray, rules: np.ndarray, hashes: np.ndarray) -> None:
        self._parts.append((mentions, rules.astype(np.int16), hashes))

    def write(self) -> int:
        """Write the keys held (then holds none); returns how many."""
        if not self._parts:
            return 0
        mentions, rules, hashes = (
            np.concatenate(column) for column in zip(*self._parts, strict=True)
        )
        self._parts.clear()
        large = len(mentions) > table_rows(MentionBlockingKey)
        # A large load keeps the mentions' order (their ids, as the table's other index).
        order = np.arange(len(mentions)) if large else np.lexsort((hashes, rules))
        with indexes_built_after(MentionBlockingKey) if large else nullcontext():
            for start in range(0, len(order), self.WRITE_ROWS):
                chunk = order[start : start + self.WRITE_ROWS]
                copy_integers(
                    MentionBlockingKey,
                    ("mention_id", "rule", "key_hash"),
                    [mentions[chunk], rules[chunk], hashes[chunk]],
                )
        if len(order) > services.ANALYZE_ABOVE:
            # The next lookups join the keys (a dealer's or a place's, `_entities_of`;
            # a new person's): planned as if the table were as it was, they would
            # scan it once per row.
            analyze(MentionBlockingKey)
        return len(order)


def mentions_copy(
    *,
    agency_id: int,
    kind: str,
    model: type[models.Model],
    items: Sequence[tuple[int, str, dict[str, Any], str]],
    source: str,
    keys: BlockingKeyBuffer | None = None,
) -> list[int]:
    """Mentions (record id, role, fields, reference) of one kind, each its own entity (a
    dealer or a place: its key's entity, `_entities_of`), with their blocking keys,
    written through COPY; returns the mentions' ids.

    The one writer of new mentions in bulk (`services.mentions_bulk_add` calls it);
    ids are reserved from the tables' sequences, so nothing is read back. The blocking
    keys are written at once, or held in `keys` for the caller to write with others.
    """
    if not items:
        return []
    content_type = _content_type(model)
    entity_ids, fresh = _entities_of(
        agency_id, kind, [fields for _pk, _role, fields, _ref in items]
    )
    mention_ids = reserve_ids(EntityMention, len(items))
    copy_rows(
        Entity,
        ("id", "label"),
        ((entity_ids[index], services._label(kind, items[index][2])) for index in fresh),
        same={"agency_id": agency_id, "kind": kind},
    )
    prefix = f"{content_type.app_label}.{content_type.model}"
    copy_rows(
        EntityMention,
        ("id", "entity_id", "object_id", "role", "key", "fields", "reference"),
        (
            (mention, entity, pk, role, f"{prefix}:{pk}:{role}", fields, reference)
            for mention, entity, (pk, role, fields, reference) in zip(
                mention_ids, entity_ids, items, strict=True
            )
        ),
        same={
            "agency_id": agency_id,
            "kind": kind,
            "content_type_id": content_type.pk,
            "source": source,
        },
    )
    found = services.blocking_keys(kind, [fields for _pk, _role, fields, _ref in items])
    buffer = keys if keys is not None else BlockingKeyBuffer()
    buffer.add(
        np.asarray(mention_ids, dtype=np.int64)[found.records],
        found.rules,
        partition_hashes(found.hashes, agency_id),
    )
    if keys is None:
        buffer.write()
    return mention_ids


def _entities_of(
    agency_id: int, kind: str, fields: Sequence[dict[str, Any]]
) -> tuple[list[int], list[int]]:
    """The entity of each new mention, and which of them bring a new entity (their index).

    A mention is its own new entity, to be resolved after; a dealer or a place joins
    the entity its key (`services.exact_key`) has in the agency, or, for a key not seen
    yet, the new entity of the key's first mention: grouping them later would rewrite
    most of the millions of place mentions of a state's first load.
    """
    keys = [services.exact_key(kind, row) for row in fields]
    entity_of_key = services.exact_key_entities(
        agency_id, kind, (key for key in keys if key is not None)
    )
    fresh = []
    seen = set(entity_of_key)
    for index, key in enumerate(keys):
        if key is None or key not in seen:
            fresh.append(index)
            if key is not None:
                seen.add(key)
    reserved = dict(zip(fresh, reserve_ids(Entity, len(fresh)), strict=True))
    entity_ids = []
    for index, key in enumerate(keys):
        if index in reserved:
            entity = reserved[index]
            if key is not None:
                entity_of_key[key] = entity
        else:
            entity = entity_of_key[str(key)]
        entity_ids.append(entity)
    return entity_ids, fresh


_PERSON_COLUMNS = (
    "role",
    "first_name",
    "middle_name",
    "last_name",
    "dob",
    "sex",
    "address",
    "city",
    "state",
    "zip_code",
)


def _person_fields(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "first_name": row["first_name"],
        "middle_name": row["middle_name"],
        "last_name": row["last_name"],
        "date_of_birth": _iso(row["dob"]),
        "sex": row["sex"],
        "street": row["address"],
        "city": row["city"],
        "state": row["state"],
        "zip_code": row["zip_code"],
    }


def _trace_persons(agency_id: int, keys: BlockingKeyBuffer | None = None) -> list[int]:
    def mention(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        fields = _person_fields(row)
        fields["date_of_birth"] = fields["date_of_birth"] or row["dob_as_written"]
        return row["role"], fields

    return _mentions_from(
        agency_id,
        _without_mention(PersonMention.objects.filter(agency_id=agency_id)),
        [*_PERSON_COLUMNS, "dob_as_written", "trace__trace_number"],
        kind=EntityKind.PERSON,
        keys=keys,
        source="trace",
        mention=mention,
        reference=lambda row: row["trace__trace_number"],
    )


def _incident_persons(agency_id: int, keys: BlockingKeyBuffer | None = None) -> list[int]:
    def mention(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        fields = _person_fields(row)
        if row["age"] is not None:
            fields.update(age=row["age"], age_on=_iso(row["incident__occurred_date"]))
        return row["role"], fields

    return _mentions_from(
        agency_id,
        _without_mention(IncidentPerson.objects.filter(agency_id=agency_id)),
        [*_PERSON_COLUMNS, "age", "incident__incident_number", "incident__occurred_date"],
        kind=EntityKind.PERSON,
        keys=keys,
        source="incident",
        mention=mention,
        reference=lambda row: row["incident__incident_number"],
    )


def _firearms(agency_id: int, keys: BlockingKeyBuffer | None = None) -> list[int]:
    return _mentions_from(
        agency_id,
        _without_mention(Firearm.objects.filter(agency_id=agency_id)),
        [
            "serial_as_written",
            "serial_normalised",
            "obliterated",
            "manufacturer",
            "model",
            "caliber",
        ],
        kind=EntityKind.FIREARM,
        keys=keys,
        source="firearm",
        mention=lambda row: (
            "firearm",
            {
                "serial": row["serial_normalised"],
                "manufacturer": row["manufacturer"],
                "model": row["model"],
                "caliber": row["caliber"],
                "obliterated": row["obliterated"],
            },
        ),
        reference=lambda row: row["serial_as_written"] or "(no serial)",
    )


def _dealer_role(agency_id: int) -> str:
    # Dealers are shared reference data: each agency has its own mention of one.
    return f"dealer of agency {agency_id}"


def _dealers(agency_id: int, keys: BlockingKeyBuffer | None = None) -> list[int]:
    role = _dealer_role(agency_id)
    used = Purchase.objects.filter(agency_id=agency_id, dealer_id__isnull=False).values("dealer_id")
    return _mentions_from(
        agency_id,
        _without_mention(Dealer.objects.filter(pk__in=used), role=role),
        ["ffl_number", "business_name", "license_name"],
        kind=EntityKind.DEALER,
        keys=keys,
        source="dealer",
        mention=lambda row: (
            role,
            {"ffl": row["ffl_number"], "name": row["business_name"] or row["license_name"]},
        ),
        reference=lambda row: row["ffl_number"],
    )


def _incidents(agency_id: int, keys: BlockingKeyBuffer | None = None) -> list[int]:
    return _mentions_from(
        agency_id,
        _without_mention(Incident.objects.filter(agency_id=agency_id)),
        ["incident_number", "offense", "occurred_date", "address"],
        kind=EntityKind.INCIDENT,
        keys=keys,
        source="incident",
        mention=lambda row: (
            "incident",
            {
                "name": f"Incident {row['incident_number']}",
                "offense": row["offense"],
                "date": _iso(row["occurred_date"]),
                "address": row["address"],
            },
        ),
        reference=lambda row: row["incident_number"],
    )


def _alerts(agency_id: int, keys: BlockingKeyBuffer | None = None) -> list[int]:
    # Only alerts linked to an incident become graph nodes (most alerts are not).
    linked = AlertIncidentLink.objects.filter(agency_id=agency_id).values("alert_id")
    return _mentions_from(
        agency_id,
        _without_mention(ShotSpotterAlert.objects.filter(agency_id=agency_id, pk__in=linked)),
        ["source_id", "fired_date", "alert_type", "rounds"],
        kind=EntityKind.ALERT,
        keys=keys,
        source="alert",
        mention=lambda row: (
            "alert",
            {
                "name": f"Alert {row['source_id']}",
                "date": _iso(row["fired_date"]),
                "type": row["alert_type"],
                "rounds": row["rounds"],
            },
        ),
        reference=lambda row: row["source_id"],
    )


def _evidence_mention(row: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    test_fire = row["kind"] == EvidenceKind.TEST_FIRE
    fields = {
        "caliber": row["caliber"],
        "exhibit": row["exhibit_number"],
        "evidence_kind": row["kind"],
    }
    if test_fire:
        # The traced gun it was fired from, when the lab linked it; else its description.
        fields.update(
            serial=row["firearm__serial_normalised"]
            or serial_from_description(row["firearm_description"]),
            description=row["firearm_description"],
        )
        if row["firearm__manufacturer"]:
            fields["manufacturer"] = row["firearm__manufacturer"]
    return ("test-fire" if test_fire else "casing"), fields


def _evidence(agency_id: int, keys: BlockingKeyBuffer | None = None) -> list[int]:
    """Casings and test-fires as firearm mentions: casings tied by ballistic matches become
    one unknown firearm, which a test-fire (and through its serial, a traced gun) joins."""
    return _mentions_from(
        agency_id,
        _without_mention(Evidence.objects.filter(agency_id=agency_id)),
        [
            "exhibit_number",
            "kind",
            "caliber",
            "firearm_description",
            "firearm__serial_normalised",
            "firearm__manufacturer",
        ],
        kind=EntityKind.FIREARM,
        keys=keys,
        source="evidence",
        mention=_evidence_mention,
        reference=lambda row: row["exhibit_number"],
    )


def place_key(address: str, city: str, state: str) -> str:
    """One spelling of a recovery address (upper case, single spaces)."""
    text = " ".join(part for part in (address, city, state) if part)
    return re.sub(r"\s+", " ", re.sub(r"[^A-Z0-9 ]", " ", text.upper())).strip()


def _places(agency_id: int, keys: BlockingKeyBuffer | None = None) -> list[int]:
    return _mentions_from(
        agency_id,
        _without_mention(
            Trace.objects.filter(agency_id=agency_id).exclude(recovery_address=""),
            role=PLACE_ROLE,
        ),
        ["recovery_address", "recovery_city", "recovery_state", "trace_number"],
        kind=EntityKind.PLACE,
        keys=keys,
        source="trace",
        mention=lambda row: (
            PLACE_ROLE,
            {
                "name": place_key(row["recovery_address"], row["recovery_city"], ""),
                "place": place_key(
                    row["recovery_address"], row["recovery_city"], row["recovery_state"]
                ),
            },
        ),
        reference=lambda row: row["trace_number"],
    )


SOURCE_MODELS: list[type[models.Model]] = [
    PersonMention,
    IncidentPerson,
    Firearm,
    Dealer,
    Incident,
    ShotSpotterAlert,
    Evidence,
    Trace,
]


def _orphans_remove(agency_id: int) -> int:
    """Mentions (and edges) of source records that are gone; edges whose evidence is gone.

    NOT EXISTS (an anti-join on the primary key), never NOT IN over a whole table.
    """
    removed = 0
    for model in SOURCE_MODELS:
        record = model._default_manager.filter(pk=OuterRef("object_id"))
        removed += (
            EntityMention.objects.filter(agency_id=agency_id, content_type=_content_type(model))
            .filter(~Exists(record))
            .delete()[0]
        )
    for model in (Purchase, Trace, IncidentPerson, AlertIncidentLink, Evidence, Candidate):
        evidence = model._default_manager.filter(pk=OuterRef("evidence_id"))
        Edge.objects.filter(source__agency_id=agency_id, evidence_type=_content_type(model)).filter(
            ~Exists(evidence)
        ).delete()
    Entity.objects.filter(agency_id=agency_id).filter(
        ~Exists(EntityMention.objects.filter(entity_id=OuterRef("pk")))
    ).delete()
    return removed


# ---- edges ----


def _mentions_of(model: type[models.Model], ids: Iterable[int], role: str | None = None) -> Any:
    """{record id: (mention id, entity id)} for the records' mentions."""
    query = EntityMention.objects.filter(content_type=_content_type(model), object_id__in=ids)
    if role is not None:
        query = query.filter(role=role)
    return {
        object_id: (mention, entity)
        for object_id, mention, entity in query.values_list("object_id", "pk", "entity_id")
    }


def _without_edge(queryset: models.QuerySet[Any], kind: str) -> Any:
    edges = Edge.objects.filter(
        kind=kind, evidence_type=_content_type(queryset.model), evidence_id=OuterRef("pk")
    )
    return queryset.filter(~Exists(edges))


def _edge(
    kind: str,
    source: tuple[int, int],
    target: tuple[int, int],
    evidence: models.Model,
    *,
    role: str = "",
    seen: Any = None,
    details: dict[str, Any] | None = None,
) -> Edge:
    return Edge(
        kind=kind,
        source_mention_id=source[0],
        source_id=source[1],
        target_mention_id=target[0],
        target_id=target[1],
        role=role,
        evidence_type=_content_type(type(evidence)),
        evidence_id=evidence.pk,
        first_seen=seen,
        last_seen=seen,
        details=details or {},
    )


# The edges drawn straight from the source tables, one INSERT ... SELECT per kind: each
# joins a record to the mentions of the edge's two ends (a mention is found by its
# record's content type and id) and skips records that already evidence such an edge,
# so a re-run or a later import adds only what is new. %(...)s are the agency, the
# content types' ids (by model name), the edge kinds and a few constants.
_EDGE_INSERT = """
    INSERT INTO leads_edge (kind, role, source_mention_id, source_id, target_mention_id,
        target_id, evidence_type_id, evidence_id, first_seen, last_seen, details)
"""
# Each SELECT gives those columns.
_SOURCE_EDGES = [
    # A purchaser bought the gun (evidence: the purchase).
    """
    SELECT %(purchased)s, '', pm.id, pm.entity_id, gm.id, gm.entity_id, %(purchase)s, p.id,
        p.purchase_date, p.purchase_date, '{}'
    FROM tracing_purchase p
    JOIN tracing_trace t ON t.id = p.trace_id
    JOIN leads_entitymention gm ON gm.content_type_id = %(firearm)s AND gm.object_id = t.firearm_id
    JOIN leads_entitymention pm
        ON pm.content_type_id = %(personmention)s AND pm.object_id = p.purchaser_id
    WHERE p.agency_id = %(agency)s AND NOT EXISTS (
        SELECT 1 FROM leads_edge e WHERE e.evidence_type_id = %(purchase)s
        AND e.evidence_id = p.id AND e.kind = %(purchased)s)
    """,
    # The gun was sold by the dealer (the agency's own mention of the dealer).
    """
    SELECT %(sold_by)s, '', gm.id, gm.entity_id, dm.id, dm.entity_id, %(purchase)s, p.id,
        p.purchase_date, p.purchase_date, '{}'
    FROM tracing_purchase p
    JOIN tracing_trace t ON t.id = p.trace_id
    JOIN leads_entitymention gm ON gm.content_type_id = %(firearm)s AND gm.object_id = t.firearm_id
    JOIN leads_entitymention dm ON dm.content_type_id = %(dealer)s AND dm.object_id = p.dealer_id
        AND dm.role = %(dealer_role)s
    WHERE p.agency_id = %(agency)s AND NOT EXISTS (
        SELECT 1 FROM leads_edge e WHERE e.evidence_type_id = %(purchase)s
        AND e.evidence_id = p.id AND e.kind = %(sold_by)s)
    """,
    # The trace's possessors possessed the gun.
    """
    SELECT %(possessed)s, '', pm.id, pm.entity_id, gm.id, gm.entity_id, %(trace)s, t.id,
        t.recovery_date, t.recovery_date, '{}'
    FROM tracing_trace t
    JOIN tracing_personmention r ON r.trace_id = t.id AND r.role = %(possessor)s
    JOIN leads_entitymention gm ON gm.content_type_id = %(firearm)s AND gm.object_id = t.firearm_id
    JOIN leads_entitymention pm ON pm.content_type_id = %(personmention)s AND pm.object_id = r.id
    WHERE t.agency_id = %(agency)s AND NOT EXISTS (
        SELECT 1 FROM leads_edge e WHERE e.evidence_type_id = %(trace)s
        AND e.evidence_id = t.id AND e.kind = %(possessed)s)
    """,
    # The gun was recovered in the incident whose number is the trace's case number, else
    # (no such incident) at the trace's recovery place.
    """
    SELECT %(recovered_in)s, '', gm.id, gm.entity_id,
        CASE WHEN i.id IS NULL THEN place.id ELSE im.id END,
        CASE WHEN i.id IS NULL THEN place.entity_id ELSE im.entity_id END,
        %(trace)s, t.id, t.recovery_date, t.recovery_date, '{}'
    FROM tracing_trace t
    JOIN leads_entitymention gm ON gm.content_type_id = %(firearm)s AND gm.object_id = t.firearm_id
    LEFT JOIN incidents_incident i ON i.agency_id = t.agency_id
        AND i.incident_number = t.agency_case_number AND t.agency_case_number <> ''
    LEFT JOIN leads_entitymention im ON im.content_type_id = %(incident)s AND im.object_id = i.id
    LEFT JOIN leads_entitymention place ON place.content_type_id = %(trace)s
        AND place.object_id = t.id AND place.role = %(place_role)s
    WHERE t.agency_id = %(agency)s
        AND (CASE WHEN i.id IS NULL THEN place.id ELSE im.id END) IS NOT NULL
        AND NOT EXISTS (
            SELECT 1 FROM leads_edge e WHERE e.evidence_type_id = %(trace)s
            AND e.evidence_id = t.id AND e.kind = %(recovered_in)s)
    """,
    # A person was involved in the incident, in the role the report gives.
    """
    SELECT %(involved_in)s, ip.role, pm.id, pm.entity_id, im.id, im.entity_id,
        %(incidentperson)s, ip.id, i.occurred_date, i.occurred_date, '{}'
    FROM incidents_incidentperson ip
    JOIN incidents_incident i ON i.id = ip.incident_id
    JOIN leads_entitymention pm ON pm.content_type_id = %(incidentperson)s AND pm.object_id = ip.id
    JOIN leads_entitymention im ON im.content_type_id = %(incident)s AND im.object_id = i.id
    WHERE ip.agency_id = %(agency)s AND NOT EXISTS (
        SELECT 1 FROM leads_edge e WHERE e.evidence_type_id = %(incidentperson)s
        AND e.evidence_id = ip.id AND e.kind = %(involved_in)s)
    """,
    # A gunshot alert linked to the incident, with the distance in whole metres
    # (round() of a float8 rounds half to even, as Python's round does).
    """
    SELECT %(alert_linked)s, '', am.id, am.entity_id, im.id, im.entity_id,
        %(alertincidentlink)s, l.id, a.fired_date, a.fired_date,
        jsonb_build_object('distance_m', round(l.distance_m)::bigint)
    FROM incidents_alertincidentlink l
    JOIN incidents_shotspotteralert a ON a.id = l.alert_id
    JOIN leads_entitymention am ON am.content_type_id = %(shotspotteralert)s AND am.object_id = a.id
    JOIN leads_entitymention im
        ON im.content_type_id = %(incident)s AND im.object_id = l.incident_id
    WHERE l.agency_id = %(agency)s AND NOT EXISTS (
        SELECT 1 FROM leads_edge e WHERE e.evidence_type_id = %(alertincidentlink)s
        AND e.evidence_id = l.id AND e.kind = %(alert_linked)s)
    """,
    # A casing came from its incident; a test-fire's incident is where its gun was recovered.
    """
    SELECT CASE WHEN ev.kind = %(test_fire)s THEN %(recovered_in)s ELSE %(casing_from)s END,
        '', cm.id, cm.entity_id, im.id, im.entity_id, %(evidence)s, ev.id,
        i.occurred_date, i.occurred_date, '{}'
    FROM ballistics_evidence ev
    JOIN incidents_incident i ON i.id = ev.incident_id
    JOIN leads_entitymention cm ON cm.content_type_id = %(evidence)s AND cm.object_id = ev.id
    JOIN leads_entitymention im ON im.content_type_id = %(incident)s AND im.object_id = i.id
    WHERE ev.agency_id = %(agency)s AND NOT EXISTS (
        SELECT 1 FROM leads_edge e WHERE e.evidence_type_id = %(evidence)s
        AND e.evidence_id = ev.id AND e.kind IN (%(casing_from)s, %(recovered_in)s))
    """,
]
_EDGE_MODELS: list[type[models.Model]] = [
    AlertIncidentLink,
    Dealer,
    Evidence,
    Firearm,
    Incident,
    IncidentPerson,
    PersonMention,
    Purchase,
    ShotSpotterAlert,
    Trace,
]


def _source_edges_add(agency_id: int, *, bulk: bool = False) -> int:
    """The edges the agency's source records evidence that are not drawn yet; their count.

    `bulk` (many new records): the statements are planned without nested loops. Each
    statement's NOT EXISTS reads the edge table it is filling; when that table is
    empty (an agency's first sync) the planner would rescan it for every source row,
    and every rescan reads the pages the statement has written so far: quadratic (a
    state-scale first sync never finished). A hash anti-join reads it once.
    """
    params: dict[str, Any] = {
        model._meta.model_name or "": _content_type(model).pk for model in _EDGE_MODELS
    }
    params.update(
        {str(kind): str(kind) for kind in EdgeKind},
        agency=agency_id,
        dealer_role=_dealer_role(agency_id),
        place_role=PLACE_ROLE,
        possessor=MentionRole.POSSESSOR,
        test_fire=EvidenceKind.TEST_FIRE,
    )
    added = 0
    with connection.cursor() as cursor:
        if bulk:
            cursor.execute("SELECT current_setting('enable_nestloop')")
            (nestloop,) = cursor.fetchone()
            cursor.execute("SELECT set_config('enable_nestloop', 'off', true)")
        for statement in _SOURCE_EDGES:
            cursor.execute(_EDGE_INSERT + statement, params)
            added += cursor.rowcount
            if cursor.rowcount > services.ANALYZE_ABOVE:
                # The next statements' NOT EXISTS reads the edges: with the statistics of
                # before, the planner would expect a handful and loop over them per row.
                analyze(Edge)
        if bulk:
            cursor.execute("SELECT set_config('enable_nestloop', %s, true)", [nestloop])
    return added


def _ballistic_edges(agency_id: int) -> list[Edge]:
    """A ballistic match links the two shootings (or, without incidents, the two casings)."""
    rows = list(
        _without_edge(
            Candidate.objects.filter(agency_id=agency_id, decision__in=BALLISTIC_MATCH_DECISIONS),
            EdgeKind.BALLISTIC_MATCH,
        ).values_list(
            "pk",
            "query__evidence_id",
            "candidate__evidence_id",
            "query__evidence__incident_id",
            "candidate__evidence__incident_id",
            "decision",
            "score",
            "examined_on",
        )
    )
    incidents = _mentions_of(Incident, {r[3] for r in rows} | {r[4] for r in rows})
    casings = _mentions_of(Evidence, {r[1] for r in rows} | {r[2] for r in rows})
    edges = []
    for pk, left, right, left_incident, right_incident, decision, score, examined in rows:
        if (
            left_incident in incidents
            and right_incident in incidents
            and (left_incident != right_incident)
        ):
            ends = incidents[left_incident], incidents[right_incident]
        elif left in casings and right in casings:
            ends = casings[left], casings[right]
        else:
            continue
        edges.append(
            _edge(
                EdgeKind.BALLISTIC_MATCH,
                ends[0],
                ends[1],
                Candidate(pk=pk),
                seen=examined,
                details={"decision": decision, "score": round(score, 3)},
            )
        )
    return edges


_SAME_PERSON_EDGES = """
    SELECT %(kind)s, '', l.id, l.entity_id, r.id, r.entity_id, %(candidate)s, c.id, NULL, NULL,
        jsonb_build_object('probability', round(c.probability::numeric, 3))
    FROM leads_matchcandidate c
    JOIN leads_entitymention l ON l.id = c.left_id
    JOIN leads_entitymention r ON r.id = c.right_id
    WHERE c.decision = %(review)s AND l.agency_id = %(agency)s AND l.entity_id <> r.entity_id
    AND NOT EXISTS (
        SELECT 1 FROM leads_judgement j WHERE j.left_id = c.left_id AND j.right_id = c.right_id)
"""


def same_person_edges_refresh(agency_id: int) -> int:
    """ "Same person?" edges between person entities that a review-queue pair joins (one
    INSERT ... SELECT: an agency's review queue is hundreds of thousands of pairs at
    state scale, and this runs after every judgement)."""
    Edge.objects.filter(kind=EdgeKind.SAME_PERSON, source__agency_id=agency_id).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            _EDGE_INSERT + _SAME_PERSON_EDGES,
            {
                "kind": EdgeKind.SAME_PERSON,
                "candidate": _content_type(MatchCandidate).pk,
                "review": MatchCandidate.Decision.REVIEW,
                "agency": agency_id,
            },
        )
        return int(cursor.rowcount)


# ---- ballistics: unknown firearms ----


def ballistic_same_pairs(evidence_ids: Iterable[int] | None = None) -> list[tuple[str, str]]:
    """Mention keys of evidence pairs that a ballistic match ties within one agency."""
    candidates = Candidate.objects.filter(
        decision__in=BALLISTIC_MATCH_DECISIONS,
        query__evidence__isnull=False,
        candidate__evidence__isnull=False,
        query__evidence__agency_id=models.F("candidate__evidence__agency_id"),
    )
    if evidence_ids is not None:
        ids = list(evidence_ids)
        candidates = candidates.filter(
            Q(query__evidence_id__in=ids) | Q(candidate__evidence_id__in=ids)
        )
    pairs = list(candidates.values_list("query__evidence_id", "candidate__evidence_id"))
    keys = dict(
        EntityMention.objects.filter(
            content_type=_content_type(Evidence),
            object_id__in={pk for pair in pairs for pk in pair},
        ).values_list("object_id", "key")
    )
    return [(keys[a], keys[b]) for a, b in pairs if a in keys and b in keys and a != b]


def firearms_relabel(entity_ids: Iterable[int]) -> None:
    """A firearm entity known only from casings is an "unknown firearm"; one with a traced
    gun or a test-fire is named after it."""
    # Only entities holding ballistic evidence need a label of their own: a traced
    # gun's entity is named from its record when it is created.
    with_evidence = EntityMention.objects.filter(
        entity_id__in=set(entity_ids), source="evidence"
    ).values("entity_id")
    mentions: dict[int, list[tuple[str, dict[str, Any], str]]] = {}
    for entity, source, fields, reference in EntityMention.objects.filter(
        entity_id__in=with_evidence, kind=EntityKind.FIREARM
    ).values_list("entity_id", "source", "fields", "reference"):
        mentions.setdefault(entity, []).append((source, fields, reference))
    changed: list[tuple[int, str, str]] = []
    for pk, old_label, old_attributes in Entity.objects.filter(pk__in=list(mentions)).values_list(
        "pk", "label", "attributes"
    ):
        found = mentions[pk]
        traced = [fields for source, fields, _ in found if source == "firearm"]
        casings = sorted(
            ref
            for source, fields, ref in found
            if fields.get("evidence_kind") == EvidenceKind.SCENE_CASING
        )
        test_fires = [
            fields
            for source, fields, _ in found
            if fields.get("evidence_kind") == EvidenceKind.TEST_FIRE
        ]
        if traced:
            label = services._label(EntityKind.FIREARM, traced[0])
        elif test_fires:
            label = f"Recovered firearm {test_fires[0].get('description') or ''}".strip()
        elif casings:
            plural = "s" if len(casings) > 1 else ""
            shown = ", ".join(casings[:3])
            label = f"Unknown firearm ({len(casings)} casing{plural}: {shown})"
        else:
            continue
        unknown = not traced and not test_fires
        attributes = {**old_attributes, "unknown": unknown, "casings": len(casings)}
        if old_label != label[:200] or old_attributes != attributes:
            changed.append((pk, label[:200], json.dumps(attributes)))
    # One UPDATE from a VALUES list: bulk_update's CASE per row is minutes for a state's
    # hundreds of thousands of casings.
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            f"UPDATE {Entity._meta.db_table} AS e SET label = v.label, "  # noqa: S608
            "attributes = v.attributes::jsonb FROM (VALUES %s) AS v(id, label, attributes) "
            "WHERE e.id = v.id",
            changed,
            page_size=5000,
        )


@transaction.atomic
def ballistic_candidate_apply(*, candidate_id: int) -> str:
    """A candidate's decision changed: its edge, and the casings' firearm, follow."""
    candidate = (
        Candidate.objects.filter(pk=candidate_id)
        .values("agency_id", "query__evidence_id", "candidate__evidence_id")
        .first()
    )
    if candidate is None:
        return "gone"
    agency_ids = set(
        Evidence.objects.filter(
            pk__in=[candidate["query__evidence_id"], candidate["candidate__evidence_id"]]
        ).values_list("agency_id", flat=True)
    )
    # The evidence's mentions, edges and incremental resolution (a test-fire joins its
    # traced gun by serial) come first, when a casing has none yet.
    evidence_ids = {candidate["query__evidence_id"], candidate["candidate__evidence_id"]}
    # Read afresh each time it is used: the sync and the re-clustering move the mentions.
    evidence_mentions = EntityMention.objects.filter(
        content_type=_content_type(Evidence), object_id__in=evidence_ids
    )
    if evidence_mentions.values("object_id").distinct().count() < len(evidence_ids):
        for agency_id in sorted(agency_ids | {candidate["agency_id"]}):
            agency_sources_sync(agency_id=agency_id)
    # The edge is drawn again from the current decision.
    Edge.objects.filter(
        kind=EdgeKind.BALLISTIC_MATCH,
        evidence_type=_content_type(Candidate),
        evidence_id=candidate_id,
    ).delete()
    Edge.objects.bulk_create(_ballistic_edges(candidate["agency_id"]))
    entities = set(evidence_mentions.values_list("entity_id", flat=True))
    services.entities_recluster(entities)
    now = set(evidence_mentions.values_list("entity_id", flat=True))
    firearms_relabel(entities | now)
    return "merged" if len(now) == 1 else "separate"


# ---- the sync ----


def _mentions_add(agency_id: int, keys: BlockingKeyBuffer) -> dict[str, list[int]]:
    """The new mentions' ids, by kind; their blocking keys are left in `keys`, but those
    of dealers and places, which later steps look up (`services.exact_key_entities`)."""
    added: dict[str, list[int]] = {}
    for kind, step in (
        (EntityKind.PERSON, _trace_persons),
        (EntityKind.PERSON, _incident_persons),
        (EntityKind.FIREARM, _firearms),
        (EntityKind.DEALER, _dealers),
        (EntityKind.INCIDENT, _incidents),
        (EntityKind.ALERT, _alerts),
        (EntityKind.FIREARM, _evidence),
        (EntityKind.PLACE, _places),
    ):
        ids = step(agency_id, None if kind in services.EXACT_KEY_RULES else keys)
        added.setdefault(kind, []).extend(ids)
        if len(ids) > services.ANALYZE_ABOVE:
            # The next steps and the edges join the mentions (autovacuum waits for the commit).
            analyze(EntityMention, Entity)
    return added


def _resolve_new(by_kind: dict[str, list[int]]) -> dict[str, int]:
    """Resolve new mentions (their ids by kind) one by one, or by a full run of their kind
    when there are many (or, for persons, when no model has been trained yet)."""
    from leads.models import ResolutionModel

    outcomes: dict[str, int] = {}
    for kind, ids in by_kind.items():
        if kind not in services.FULL_RUN_KINDS or kind in services.EXACT_KEY_RULES or not ids:
            # An incident or an alert is its own entity; a dealer or a place was written
            # into its key's entity.
            continue
        untrained = kind == EntityKind.PERSON and not ResolutionModel.objects.exists()
        if len(ids) > FULL_RUN_ABOVE or untrained:
            services.kind_resolve_all(kind)
            outcomes[f"{kind} full run"] = len(ids)
            continue
        for pk in ids:
            outcome = services.mention_resolve(mention_id=pk)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@transaction.atomic
def agency_sources_sync(*, agency_id: int) -> dict[str, Any]:
    """Mentions and edges for every source record of the agency that has none yet, the new
    mentions resolved; idempotent (a second run adds nothing)."""
    return sources_sync_all([agency_id])[agency_id]


@transaction.atomic
def sources_sync_all(agency_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """`agency_sources_sync` for several agencies at once (a first load, `entities_sync`).

    Every agency's mentions are written first and their new mentions resolved
    together: one full run per kind that gained many, rather than one per agency
    (each over every agency's mentions). Then each agency's edges are drawn, and
    what depends on the resolved entities is settled. One transaction: a sync is written
    whole or not at all (its bulk loads rebuild indexes within it).
    """
    results: dict[int, dict[str, Any]] = {}
    new_mentions: dict[str, list[int]] = {}
    keys = BlockingKeyBuffer()
    for agency_id in agency_ids:
        removed = _orphans_remove(agency_id)
        added = _mentions_add(agency_id, keys)
        for kind, ids in added.items():
            new_mentions.setdefault(kind, []).extend(ids)
        results[agency_id] = {
            "mentions_added": sum(len(ids) for ids in added.values()),
            "mentions_removed": removed,
        }
    keys.write()
    if sum(result["mentions_added"] for result in results.values()) > services.ANALYZE_ABOVE:
        # Each agency's steps refresh the statistics after a big write of their own; the
        # resolution and the edges join every agency's mentions, the smaller ones too.
        analyze(EntityMention, Entity)
    # Resolved before the edges are drawn, so that they are drawn to the resolved
    # entities: drawn first, every merge would rewrite them (most of a first load's).
    outcomes = _resolve_new(new_mentions)
    for agency_id in agency_ids:
        added = results[agency_id]["mentions_added"]
        bulk = added > services.ANALYZE_ABOVE
        # A first load draws more edges than the table holds (a mention brings one or
        # two): they are loaded with the table's indexes built after.
        with indexes_built_after(Edge) if bulk and added > table_rows(Edge) else nullcontext():
            edges = _source_edges_add(agency_id, bulk=bulk)
        ballistic = Edge.objects.bulk_create(_ballistic_edges(agency_id), batch_size=5000)
        results[agency_id]["edges_added"] = edges + len(ballistic)
        if outcomes or sync_changed(results[agency_id]):
            # Else nothing the settling reads has changed: a sync finding nothing new
            # stays cheap (an import of known records, a re-sent task). A full person
            # run has drawn every agency's same-person edges already.
            _resolved_settle(agency_id, same_person=f"{EntityKind.PERSON} full run" not in outcomes)
        results[agency_id].update(outcomes)
    return results


def sync_changed(result: dict[str, Any]) -> bool:
    """Whether an agency's sync (its result) added or removed anything."""
    return any(result.get(key) for key in ("mentions_added", "mentions_removed", "edges_added"))


def _resolved_settle(agency_id: int, *, same_person: bool = True) -> None:
    """After resolution: same-person edges (unless `same_person` is false: drawn already),
    casings tied by ballistic matches, gun labels."""
    if same_person:
        same_person_edges_refresh(agency_id)
    firearm_entities: set[int] = set()
    # Casings tied by ballistic matches before their mentions existed.
    pairs = ballistic_same_pairs(
        Evidence.objects.filter(agency_id=agency_id).values_list("pk", flat=True)
    )
    if pairs:
        keyed = dict(
            EntityMention.objects.filter(
                key__in={key for pair in pairs for key in pair}
            ).values_list("key", "entity_id")
        )
        split = {keyed[a] for a, b in pairs if keyed[a] != keyed[b]} | {
            keyed[b] for a, b in pairs if keyed[a] != keyed[b]
        }
        if split:
            services.entities_recluster(split)
            firearm_entities |= split
    firearms_relabel(
        firearm_entities
        | set(
            EntityMention.objects.filter(
                agency_id=agency_id, content_type=_content_type(Evidence)
            ).values_list("entity_id", flat=True)
        )
    )
