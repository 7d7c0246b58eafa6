"""Writes of leads/: mentions, resolution runs (full and incremental), judgements.

Source apps call `mention_add()` for each person, firearm or dealer they
mention; the mention starts as its own entity and a task on the "resolution"
queue resolves it against the existing mentions (`mention_resolve`). A full
re-run (`kind_resolve_all`) re-clusters every mention of a kind. Judgements
re-cluster only the entities they touch, from the stored scored links.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from itertools import groupby
from typing import Any

import numpy as np
import pandas as pd
from django.contrib.contenttypes.models import ContentType
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.fields.json import KT
from psycopg2.extras import execute_values

from leads.models import (
    Edge,
    Entity,
    EntityKind,
    EntityMention,
    Judgement,
    MatchCandidate,
    MentionBlockingKey,
    ResolutionModel,
)
from leads.resolution.blocking import KeyArrays, blocking_key_arrays, key_hashes, partition_hashes
from leads.resolution.clustering import cluster
from leads.resolution.comparison import columns_of, compare
from leads.resolution.engine import (
    DIFFERENT,
    SAME,
    Settings,
    links_decided,
    resolve_persons,
)
from leads.resolution.engine import (
    Judgement as PairJudgement,
)
from leads.resolution.firearms import (
    FirearmRecord,
    compare_firearms,
    normalise_ffl,
    normalise_serial,
    resolve_firearms,
    serial_keys,
)
from leads.resolution.model import FieldReason, MatchModel, probability
from leads.resolution.records import RECORD_COLUMNS, normalise
from portal.bulk import EncodedJSON, analyze, copy_rows

# Planner statistics are refreshed (autovacuum waits for the commit) once a write added
# more rows than this: the next statements join them.
ANALYZE_ABOVE = 10_000
FIREARM_RULE = 100
DEALER_RULE = 200
PLACE_RULE = 300
# Kinds resolved by comparison (incidents and alerts are one record each).
FULL_RUN_KINDS = (EntityKind.PERSON, EntityKind.FIREARM, EntityKind.DEALER, EntityKind.PLACE)
# Kinds resolved by one exact key within the agency (`exact_key`): a new mention joins the
# entity of its key when it is written, so no run has anything left to do for them.
EXACT_KEY_RULES = {EntityKind.DEALER: DEALER_RULE, EntityKind.PLACE: PLACE_RULE}
SETTINGS = Settings()


def _label(kind: str, fields: dict[str, Any]) -> str:
    if kind == EntityKind.PERSON:
        name = " ".join(str(fields.get(part) or "") for part in ("first_name", "last_name"))
        return name.strip().title()[:200]
    if kind == EntityKind.FIREARM:
        parts = (fields.get("manufacturer"), fields.get("caliber"), fields.get("serial"))
        return " ".join(str(part) for part in parts if part)[:200]
    return str(fields.get("name") or fields.get("ffl") or "")[:200]


def exact_key(kind: str, fields: dict[str, Any]) -> str | None:
    """What alone makes two mentions of a dealer (its FFL number) or of a place (its
    normalised address) one entity within an agency; None for other kinds, or no key."""
    if kind == EntityKind.DEALER:
        return normalise_ffl(fields.get("ffl")) or None
    if kind == EntityKind.PLACE:
        return str(fields.get("place") or "") or None
    return None


def exact_key_entities(agency_id: int, kind: str, keys: Iterable[str]) -> dict[str, int]:
    """The entity of each key (`exact_key`) the agency's mentions of `kind` already have,
    looked up through the mentions' blocking keys (the key's own hash)."""
    texts = sorted(set(keys))
    if not texts:
        return {}
    hashes = partition_hashes(key_hashes(np.array(texts, dtype=object)), agency_id)
    found: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.fields, m.entity_id FROM {MentionBlockingKey._meta.db_table} k "  # noqa: S608
            f"JOIN {EntityMention._meta.db_table} m ON m.id = k.mention_id "
            "WHERE k.rule = %s AND k.key_hash = ANY(%s::bigint[]) "
            "AND m.agency_id = %s AND m.kind = %s "
            "ORDER BY m.id",
            [EXACT_KEY_RULES[EntityKind(kind)], hashes.tolist(), agency_id, kind],
        )
        for fields, entity in cursor.fetchall():
            # The text itself is compared: two keys may share a hash.
            key = exact_key(kind, fields if isinstance(fields, dict) else json.loads(fields))
            if key is not None:
                found.setdefault(key, entity)
    return {key: found[key] for key in texts if key in found}


def _scoped(agency_id: int, rows: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Blocking keys made specific to the agency: lookups never meet another agency's."""
    if not rows:
        return rows
    mixed = partition_hashes([value for _rule, value in rows], agency_id)
    return [(rule, int(value)) for (rule, _), value in zip(rows, mixed.tolist(), strict=True)]


def blocking_keys(kind: str, fields: Sequence[dict[str, Any]]) -> KeyArrays:
    """The blocking keys of many mentions of one kind, from their fields, as arrays (the
    mention's index in `fields`, rule, hash; one hashing call for all of them): what
    `MentionBlockingKey` stores, before the agency's scoping (`_scoped`)."""
    if kind == EntityKind.PERSON:
        return blocking_key_arrays(normalise(pd.DataFrame([{**row, "key": "m"} for row in fields])))
    texts: list[list[str]] = []
    rule = {EntityKind.FIREARM: FIREARM_RULE, **EXACT_KEY_RULES}.get(EntityKind(kind))
    for row in fields:
        if kind == EntityKind.FIREARM:
            serial = normalise_serial(row.get("serial"))
            texts.append(
                sorted(serial_keys(serial)) if serial and not row.get("obliterated") else []
            )
        else:
            key = exact_key(kind, row)
            texts.append([key] if key else [])
    owners = np.repeat(np.arange(len(texts), dtype=np.int64), [len(row) for row in texts])
    hashes = key_hashes(np.array([t for row in texts for t in row], dtype=object))
    return KeyArrays(owners, np.full(len(owners), rule or 0, dtype=np.int64), hashes)


def _blocking_rows(kind: str, fields: dict[str, Any]) -> list[tuple[int, int]]:
    return blocking_keys(kind, [fields]).per_record(1)[0]


def mention_add(
    *,
    agency: Any,
    kind: str,
    source_record: models.Model,
    role: str,
    fields: dict[str, Any],
    source: str = "",
    reference: str = "",
) -> EntityMention:
    """Record a mention as its own entity and enqueue its resolution on commit.

    `source` and `reference` name the record for people ("trace", its trace number).
    The mention, and every entity it may join, belong to `agency`.
    """
    content_type = ContentType.objects.get_for_model(source_record)
    key = f"{content_type.app_label}.{content_type.model}:{source_record.pk}:{role}"
    with transaction.atomic():
        entity = Entity.objects.create(agency=agency, kind=kind, label=_label(kind, fields))
        mention = EntityMention.objects.create(
            agency=agency,
            entity=entity,
            kind=kind,
            content_type=content_type,
            object_id=source_record.pk,
            role=role,
            key=key,
            fields=fields,
            source=source or content_type.model,
            reference=reference or str(source_record.pk),
        )
        MentionBlockingKey.objects.bulk_create(
            MentionBlockingKey(mention=mention, rule=rule, key_hash=value)
            for rule, value in _scoped(agency.pk, _blocking_rows(kind, fields))
        )
        transaction.on_commit(lambda: _enqueue_resolution(mention.pk))
    return mention


@transaction.atomic
def mentions_bulk_add(
    *,
    agency: Any,
    kind: str,
    items: Sequence[tuple[models.Model, str, dict[str, Any]]],
    source: str = "",
    references: Sequence[str] | None = None,
) -> list[EntityMention]:
    """Add many mentions (source record, role, fields) of one agency at once, without
    resolving them: the caller enqueues their resolution (`mentions_resolve_enqueue`)
    or runs a full resolution (`manage.py resolve`). Written by the graph sync's own
    COPY writer (`leads.sources.mentions_copy`), one run of records of a model at a time."""
    from leads.sources import mentions_copy

    agency_id = agency if isinstance(agency, int) else agency.pk
    ids: list[int] = []
    for model, run in groupby(enumerate(items), key=lambda item: type(item[1][0])):
        numbered = list(run)
        ids += mentions_copy(
            agency_id=agency_id,
            kind=kind,
            model=model,
            items=[
                (
                    record.pk,
                    role,
                    fields,
                    references[index] if references is not None else str(record.pk),
                )
                for index, (record, role, fields) in numbered
            ],
            source=source or ContentType.objects.get_for_model(model).model,
        )
    found = EntityMention.objects.in_bulk(ids)
    return [found[pk] for pk in ids]


def _enqueue_resolution(mention_id: int) -> None:
    from leads.tasks import resolve_mention

    resolve_mention.apply_async((mention_id,), queue="resolution")


def _follow_mentions(mention_ids: Sequence[int]) -> None:
    """Point the edges drawn from or to these mentions at the mentions' entities now."""
    if not mention_ids:
        return
    ids = list(mention_ids)
    # One array parameter: an ORM `__in` prepares each of up to 10,000 numbers in Python.
    with connection.cursor() as cursor:
        for side in ("source", "target"):
            cursor.execute(
                f"UPDATE {Edge._meta.db_table} e SET {side}_id = m.entity_id "  # noqa: S608
                f"FROM {EntityMention._meta.db_table} m "
                f"WHERE e.{side}_mention_id = ANY(%s::bigint[]) AND m.id = e.{side}_mention_id "
                f"AND e.{side}_id <> m.entity_id",
                [ids],
            )


def _person_frame(rows: Sequence[tuple[int, str, dict[str, Any], str]]) -> pd.DataFrame:
    """Mentions (pk, key, fields, source model) as raw PersonRecord columns."""
    records = []
    for _pk, key, fields, source in rows:
        record = {name: fields.get(name) for name in RECORD_COLUMNS if name in fields}
        records.append({**record, "key": key, "source": source})
    return pd.DataFrame(records).reindex(columns=RECORD_COLUMNS)


def _judged(mention: EntityMention) -> tuple[set[int], set[int]]:
    """Entities judged the same as / different from this mention."""
    same: set[int] = set()
    different: set[int] = set()
    judgements = Judgement.objects.filter(Q(left=mention) | Q(right=mention)).select_related(
        "left", "right"
    )
    for judgement in judgements:
        other = judgement.right if judgement.left_id == mention.pk else judgement.left
        (same if judgement.decision == Judgement.Decision.SAME else different).add(other.entity_id)
    return same, different


def _move(mention: EntityMention, entity_id: int, score: float, reasons: list[Any]) -> None:
    old = mention.entity_id
    mention.entity_id = entity_id
    mention.score = score
    mention.reasons = reasons
    mention.save(update_fields=["entity", "score", "reasons"])
    _follow_mentions([mention.pk])
    if old != entity_id and not EntityMention.objects.filter(entity_id=old).exists():
        _retire({old: entity_id})


def _retire(successors: dict[int, int]) -> None:
    """Delete emptied entities, first moving their graph edges to their successors."""
    if not successors:
        return
    pairs = list(successors.items())
    with connection.cursor() as cursor:
        for side in ("source_id", "target_id"):
            execute_values(
                cursor.cursor,
                f"UPDATE {Edge._meta.db_table} AS e SET {side} = v.new "  # noqa: S608
                f"FROM (VALUES %s) AS v(old, new) WHERE e.{side} = v.old",
                pairs,
                page_size=5000,
            )
        # In SQL: Django's collector would load every emptied entity and ask for its
        # edges one relation at a time (two minutes of a state-scale seed). Their
        # edges were moved above; the edge DELETE is the cascade, for any left.
        olds = list(successors)
        for index in range(0, len(olds), 10_000):
            cursor.execute(
                f"SELECT e.id FROM {Entity._meta.db_table} e WHERE e.id = ANY(%s::bigint[]) "  # noqa: S608
                f"AND NOT EXISTS (SELECT 1 FROM {EntityMention._meta.db_table} m "
                "WHERE m.entity_id = e.id)",
                [olds[index : index + 10_000]],
            )
            emptied = [row[0] for row in cursor.fetchall()]
            if not emptied:
                continue
            cursor.execute(
                f"DELETE FROM {Edge._meta.db_table} "  # noqa: S608
                "WHERE source_id = ANY(%(ids)s::bigint[]) OR target_id = ANY(%(ids)s::bigint[])",
                {"ids": emptied},
            )
            cursor.execute(
                f"DELETE FROM {Entity._meta.db_table} WHERE id = ANY(%s::bigint[])",  # noqa: S608
                [emptied],
            )


def _candidate_mentions(mention: EntityMention) -> list[int]:
    keys = list(mention.blocking_keys.values_list("rule", "key_hash"))
    if not keys:
        return []
    query = Q()
    for rule, value in keys:
        query |= Q(rule=rule, key_hash=value)
    found: dict[tuple[int, int], list[int]] = {}
    for rule, value, other in (
        MentionBlockingKey.objects.filter(query)
        .exclude(mention=mention)
        .values_list("rule", "key_hash", "mention_id")
    ):
        found.setdefault((rule, value), []).append(other)
    # A key shared by too many mentions (a common name alone) is skipped, like in full runs.
    chosen = {
        other
        for members in found.values()
        if len(members) <= SETTINGS.max_block_size
        for other in members
    }
    return sorted(chosen)


@transaction.atomic
def mention_resolve(*, mention_id: int) -> str:
    """Resolve one new mention against the existing ones: "link", "review" or "new"."""
    mention = EntityMention.objects.select_for_update().filter(pk=mention_id).first()
    if mention is None:
        return "gone"
    same, different = _judged(mention)
    if same:
        _move(mention, min(same), 1.0, [{"field": "judgement", "level": "same", "weight": 0}])
        return "link"
    others = _candidate_mentions(mention)
    if not others:
        return "new"
    if mention.kind == EntityKind.PERSON:
        return _person_resolve(mention, others, different)
    if mention.kind == EntityKind.FIREARM:
        return _firearm_resolve(mention, others, different)
    entity = (
        EntityMention.objects.filter(pk__in=others, agency_id=mention.agency_id)
        .exclude(entity_id__in=different)
        .values_list("entity_id", flat=True)
        .first()
    )
    if entity is None:
        return "new"
    field = "ffl" if mention.kind == EntityKind.DEALER else "address"
    _move(mention, entity, 1.0, [{"field": field, "level": "identical", "weight": 0}])
    return "link"


def _person_resolve(mention: EntityMention, others: list[int], different: set[int]) -> str:
    stored = ResolutionModel.objects.order_by("-created_at").first()
    if stored is None:
        return "new"  # no trained model yet: the first full run will place it
    model = MatchModel.from_dict(stored.parameters)
    # The keys are agency-specific; the agency filter also rules out a hash collision.
    same_agency = EntityMention.objects.filter(pk__in=others, agency_id=mention.agency_id)
    rows = list(same_agency.values_list("pk", "key", "fields", "content_type__model"))
    if not rows:
        return "new"
    entity_of = dict(same_agency.values_list("pk", "entity_id"))
    own = (mention.pk, mention.key, mention.fields, mention.content_type.model)
    columns = columns_of(normalise(_person_frame([own, *rows])))
    count = len(rows)
    levels = compare(columns, columns, np.zeros(count, dtype=np.int64), np.arange(1, count + 1))
    weights = model.match_weights(levels)
    chances = probability(weights)
    decided = links_decided(chances, levels, SETTINGS)
    outcome = "new"
    for position in np.argsort(-chances, kind="stable").tolist():
        chance = float(chances[position])
        if chance < SETTINGS.review_threshold:
            break
        other_pk = rows[position][0]
        reasons = [vars(reason) for reason in model.explain(levels[position])]
        linked = bool(decided[position])
        left, right = sorted((mention.pk, other_pk))
        MatchCandidate.objects.update_or_create(
            left_id=left,
            right_id=right,
            defaults={
                "probability": chance,
                "weight": float(weights[position]),
                "reasons": reasons,
                "decision": MatchCandidate.Decision.LINK
                if linked
                else MatchCandidate.Decision.REVIEW,
            },
        )
        if outcome == "new" and entity_of[other_pk] not in different:
            if linked:
                _move(mention, entity_of[other_pk], chance, reasons)
                outcome = "link"
            else:
                outcome = "review"
    return outcome


def _firearm_record(key: str, fields: dict[str, Any]) -> FirearmRecord:
    return FirearmRecord(
        key=key,
        serial=str(fields.get("serial") or ""),
        manufacturer=str(fields.get("manufacturer") or ""),
        caliber=str(fields.get("caliber") or ""),
        obliterated=bool(fields.get("obliterated")),
    )


def _firearm_resolve(mention: EntityMention, others: list[int], different: set[int]) -> str:
    own = _firearm_record(mention.key, mention.fields)
    best: tuple[float, int, list[Any]] | None = None
    for key, fields, entity in EntityMention.objects.filter(
        pk__in=others, agency_id=mention.agency_id
    ).values_list("key", "fields", "entity_id"):
        if entity in different:
            continue
        match = compare_firearms(own, _firearm_record(key, fields))
        if match is not None and (best is None or match.score > best[0]):
            reasons = [{"field": field, "level": finding} for field, finding in match.reasons]
            best = (match.score, entity, reasons)
    if best is None:
        return "new"
    _move(mention, best[1], best[0], best[2])
    return "link"


def _assign(kind: str, mention_ids: Sequence[int], labels: Sequence[int]) -> int:
    """Give each cluster an entity, keeping the entity most of its mentions already had
    (so that links to entities stay stable), and delete entities left empty.

    Clusters choose in order of size (largest first, then first seen); each keeps its
    most common current entity (ties: the first member's) not kept by a larger one.
    """
    if not len(mention_ids):
        return 0
    ids = np.asarray(mention_ids, dtype=np.int64)
    current_of = dict(_values_of(kind, ids, ("pk", "entity_id")))
    current = np.array([current_of[pk] for pk in ids.tolist()], dtype=np.int64)
    frame = pd.DataFrame({"label": np.asarray(labels), "entity": current})
    frame["position"] = np.arange(len(frame))
    # Per cluster: its size and where it is first seen; per (cluster, entity): votes.
    clusters = frame.groupby("label", sort=False)["position"].agg(["size", "min"])
    clusters = clusters.sort_values(["size", "min"], ascending=[False, True], kind="stable")
    votes = (
        frame.groupby(["label", "entity"], sort=False)["position"]
        .agg(["size", "min"])
        .reset_index()
        .sort_values(["label", "size", "min"], ascending=[True, False, True], kind="stable")
    )
    choices: dict[int, list[int]] = {}
    for label, entity in zip(votes["label"].tolist(), votes["entity"].tolist(), strict=True):
        choices.setdefault(label, []).append(entity)
    taken: set[int] = set()
    keep_of: dict[int, int] = {}
    needs_entity: list[int] = []
    for label in clusters.index.tolist():
        keep = next((entity for entity in choices[label] if entity not in taken), None)
        if keep is None:
            needs_entity.append(label)
            continue
        taken.add(keep)
        keep_of[label] = keep
    if needs_entity:
        first = clusters.loc[needs_entity, "min"].tolist()
        members = ids[first].tolist()
        found = dict(EntityMention.objects.filter(pk__in=members).values_list("pk", "agency_id"))
        fields_of = dict(EntityMention.objects.filter(pk__in=members).values_list("pk", "fields"))
        created = Entity.objects.bulk_create(
            [
                Entity(agency_id=found[member], kind=kind, label=_label(kind, fields_of[member]))
                for member in members
            ],
            batch_size=2000,
        )
        for label, entity in zip(needs_entity, created, strict=True):
            taken.add(entity.pk)
            keep_of[label] = entity.pk
    target = np.array([keep_of[label] for label in frame["label"].tolist()], dtype=np.int64)
    moved = target != current
    changed = ids[moved].tolist()
    if changed:
        with connection.cursor() as cursor:
            execute_values(
                cursor.cursor,
                f"UPDATE {EntityMention._meta.db_table} AS m SET entity_id = v.entity "  # noqa: S608
                "FROM (VALUES %s) AS v(id, entity) WHERE m.id = v.id",
                list(zip(changed, target[moved].tolist(), strict=True)),
                page_size=5000,
            )
        for index in range(0, len(changed), 10_000):
            _follow_mentions(changed[index : index + 10_000])
    # An entity no cluster kept passes its edges to the cluster of its first mention.
    emptied = set(current.tolist()) - taken
    successors: dict[int, int] = {}
    for old, new in zip(current.tolist(), target.tolist(), strict=True):
        if old in emptied:
            successors.setdefault(old, new)
    _retire(successors)
    return len(changed)


def _values_of(kind: str, ids: np.ndarray, fields: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """values_list of the mentions `ids` (all of the kind: read by kind, not by 3M ids)."""
    mentions = EntityMention.objects.filter(kind=kind)
    if len(ids) != mentions.count():
        rows: list[tuple[Any, ...]] = []
        for index in range(0, len(ids), 10_000):
            chunk = ids[index : index + 10_000].tolist()
            rows += list(mentions.filter(pk__in=chunk).values_list(*fields))
        return rows
    return list(mentions.values_list(*fields))


def _pair_judgements(kind: str) -> list[PairJudgement]:
    return [
        PairJudgement(left, right, decision)
        for left, right, decision in Judgement.objects.filter(left__kind=kind).values_list(
            "left__key", "right__key", "decision"
        )
    ]


def person_mentions_frame() -> tuple[list[int], pd.DataFrame, np.ndarray]:
    """Every person mention as the engine reads it: their ids, their raw record columns
    (`RECORD_COLUMNS`, unknown as None) and their agencies, in the order of their ids.

    Streamed into the frame's columns: a state holds millions of person mentions, and
    a list of their parsed `fields` dictionaries would take several GB beside the frame.
    Each field is read as text by the database (`->>`, NULL when absent), which is
    what normalising reads: no JSON is decoded here.
    """
    names = [name for name in RECORD_COLUMNS if name != "key"]
    pks: list[int] = []
    keys: list[str] = []
    agency_ids: list[int] = []
    columns: dict[str, list[Any]] = {name: [] for name in names}
    # Names, streets and cities repeat: each distinct value is held once, not per mention.
    distinct: dict[Any, Any] = {}
    read = [KT(f"fields__{name}") if name != "source" else "content_type__model" for name in names]
    mentions = EntityMention.objects.filter(kind=EntityKind.PERSON).order_by("pk")
    for pk, key, agency_id, *values in mentions.values_list(
        "pk", "key", "agency_id", *read
    ).iterator(chunk_size=20_000):
        pks.append(pk)
        keys.append(key)
        agency_ids.append(agency_id)
        for column, value in zip(columns.values(), values, strict=True):
            column.append(distinct.setdefault(value, value))
    frame = pd.DataFrame({"key": keys, **columns}, columns=RECORD_COLUMNS)
    return pks, frame, np.array(agency_ids, dtype=np.int64)


@transaction.atomic
def persons_resolve_all() -> dict[str, int]:
    """Re-resolve every person mention with a freshly trained model."""
    pks, frame, agencies = person_mentions_frame()
    if not pks:
        return {"mentions": 0, "entities": 0, "review": 0}
    keys = frame["key"].tolist()
    # One model for every agency, but pairs only within an agency.
    result = resolve_persons(
        frame,
        judgements=_pair_judgements(EntityKind.PERSON),
        partitions=agencies,
    )
    del frame
    ResolutionModel.objects.create(
        parameters=result.model.to_dict(),
        mentions=len(pks),
        candidate_pairs=result.candidate_pairs,
    )
    pk_of = dict(zip(keys, pks, strict=True))
    del keys
    MatchCandidate.objects.filter(left__kind=EntityKind.PERSON).delete()
    # Pairs scored alike share their reasons (one tuple per comparison pattern): each
    # is encoded once, not once per pair.
    encoded: dict[tuple[FieldReason, ...], EncodedJSON] = {}

    def reasons_json(reasons: tuple[FieldReason, ...]) -> EncodedJSON:
        if reasons not in encoded:
            encoded[reasons] = EncodedJSON(json.dumps([vars(reason) for reason in reasons]))
        return encoded[reasons]

    # COPY: a state's run scores hundreds of thousands of pairs.
    written = copy_rows(
        MatchCandidate,
        ("left_id", "right_id", "probability", "weight", "reasons", "decision"),
        (
            (
                min(pk_of[match.left], pk_of[match.right]),
                max(pk_of[match.left], pk_of[match.right]),
                match.probability,
                match.weight,
                reasons_json(match.reasons),
                # Judged pairs keep what the model says, so that undoing the judgement
                # lets re-clustering fall back on it.
                MatchCandidate.Decision.LINK if match.linked else MatchCandidate.Decision.REVIEW,
            )
            for match in [*result.links, *result.review]
            if match.probability >= SETTINGS.review_threshold
        ),
    )
    if written > ANALYZE_ABOVE:
        # Each agency's same-person edges join the review pairs (below).
        analyze(MatchCandidate)
    changed = _assign(EntityKind.PERSON, pks, result.labels)
    from leads.sources import same_person_edges_refresh

    for agency_id in sorted(set(agencies.tolist())):
        same_person_edges_refresh(agency_id)
    return {
        "mentions": len(pks),
        "entities": len(set(result.labels)),
        "review": len(result.review),
        "changed": changed,
    }


@transaction.atomic
def firearms_resolve_all() -> dict[str, int]:
    rows = list(
        EntityMention.objects.filter(kind=EntityKind.FIREARM)
        .order_by("agency_id", "pk")
        .values_list("pk", "key", "fields", "agency_id")
    )
    judged = _pair_judgements(EntityKind.FIREARM)
    same = [(j.left, j.right) for j in judged if j.decision == SAME]
    # Casings tied by ballistic matches (and a test-fire's gun) are one firearm.
    from leads.sources import ballistic_same_pairs

    same += ballistic_same_pairs()
    different = [(j.left, j.right) for j in judged if j.decision == DIFFERENT]
    labels: list[int] = []
    matches = []
    by_agency: dict[int, list[FirearmRecord]] = {}
    for _pk, key, fields, agency_id in rows:
        by_agency.setdefault(agency_id, []).append(_firearm_record(key, fields))
    for records in by_agency.values():  # rows are ordered by agency: labels line up
        found, agency_matches = resolve_firearms(records, same=same, different=different)
        offset = max(labels, default=-1) + 1
        labels += [offset + label for label in found]
        matches += agency_matches
    changed = _assign(EntityKind.FIREARM, [pk for pk, *_ in rows], labels)
    pk_of = {key: pk for pk, key, _fields, _agency in rows}
    # The last match of a mention is the one it keeps (as when updated one by one).
    scored = {
        pk_of[match.right]: (
            match.score,
            json.dumps([{"field": field, "level": finding} for field, finding in match.reasons]),
        )
        for match in matches
    }
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            f"UPDATE {EntityMention._meta.db_table} AS m SET score = v.score, "  # noqa: S608
            "reasons = v.reasons::jsonb FROM (VALUES %s) AS v(id, score, reasons) "
            "WHERE m.id = v.id",
            [(pk, score, reasons) for pk, (score, reasons) in scored.items()],
            page_size=5000,
        )
    return {"mentions": len(rows), "entities": len(set(labels)), "changed": changed}


@transaction.atomic
def exact_key_resolve_all(kind: str) -> dict[str, int]:
    """Dealers or places: the mentions of one key (`exact_key`) within an agency are one
    entity. New mentions are written into their key's entity already (`leads.sources`);
    this run regroups all of them (after a change of the key's normalisation)."""
    rows = list(
        EntityMention.objects.filter(kind=kind)
        .order_by("pk")
        .values_list("pk", "fields", "agency_id")
    )
    keys: dict[tuple[int, str], int] = {}
    labels = [
        keys.setdefault((agency_id, exact_key(kind, fields) or f"unknown:{pk}"), len(keys))
        for pk, fields, agency_id in rows
    ]
    changed = _assign(kind, [pk for pk, _fields, _agency in rows], labels)
    return {"mentions": len(rows), "entities": len(keys), "changed": changed}


def kind_resolve_all(kind: str) -> dict[str, int]:
    """The full re-run of one kind (`manage.py resolve --kind KIND`)."""
    runs = {
        EntityKind.PERSON: persons_resolve_all,
        EntityKind.FIREARM: firearms_resolve_all,
    }
    if kind in EXACT_KEY_RULES:
        return exact_key_resolve_all(kind)
    return runs[EntityKind(kind)]()


def entities_recluster(entity_ids: Iterable[int]) -> int:
    """Re-cluster the mentions of some entities from their stored links and judgements."""
    mentions = list(
        EntityMention.objects.filter(entity_id__in=set(entity_ids))
        .order_by("pk")
        .values_list("pk", "kind")
    )
    if not mentions:
        return 0
    kind = mentions[0][1]
    position = {pk: index for index, (pk, _kind) in enumerate(mentions)}
    ids = list(position)
    links = [
        (position[left], position[right], chance)
        for left, right, chance in MatchCandidate.objects.filter(
            decision=MatchCandidate.Decision.LINK, left_id__in=ids, right_id__in=ids
        ).values_list("left_id", "right_id", "probability")
    ]
    same: list[tuple[int, int]] = []
    if kind == EntityKind.FIREARM:
        from leads.sources import ballistic_same_pairs

        records = list(
            EntityMention.objects.filter(pk__in=ids).order_by("pk").values_list("key", "fields")
        )
        _labels, matches = resolve_firearms([_firearm_record(k, f) for k, f in records])
        key_pos = {key: index for index, (key, _f) in enumerate(records)}
        links += [(key_pos[m.left], key_pos[m.right], m.score) for m in matches]
        # Casings tied by a ballistic match stay one (unknown) firearm.
        same += [
            (key_pos[a], key_pos[b])
            for a, b in ballistic_same_pairs(
                EntityMention.objects.filter(pk__in=ids, source="evidence").values_list(
                    "object_id", flat=True
                )
            )
            if a in key_pos and b in key_pos
        ]
    different: list[tuple[int, int]] = []
    for left, right, decision in Judgement.objects.filter(
        left_id__in=ids, right_id__in=ids
    ).values_list("left_id", "right_id", "decision"):
        pair = (position[left], position[right])
        (same if decision == Judgement.Decision.SAME else different).append(pair)
    result = cluster(len(ids), links, same=same, different=different)
    return _assign(kind, ids, result.labels)


@transaction.atomic
def judgement_record(
    *, left: EntityMention, right: EntityMention, decision: str, user: Any, note: str = ""
) -> Judgement:
    """Store an analyst's "same" / "not the same" and re-cluster the two entities."""
    first, second = sorted((left, right), key=lambda mention: mention.pk)
    judgement, _created = Judgement.objects.update_or_create(
        left=first, right=second, defaults={"decision": decision, "decided_by": user, "note": note}
    )
    entities_recluster(_current_entities(first.pk, second.pk))
    _same_person_edges_refresh(first)
    return judgement


@transaction.atomic
def judgement_undo(*, judgement: Judgement) -> None:
    """Delete a judgement: the two mentions' entities are re-clustered without it."""
    entities = _current_entities(judgement.left_id, judgement.right_id)
    left = judgement.left
    judgement.delete()
    entities_recluster(entities)
    _same_person_edges_refresh(left)


def _same_person_edges_refresh(mention: EntityMention) -> None:
    """After a judgement: the review pairs shown as edges, and the agency's stored metrics."""
    if mention.kind == EntityKind.PERSON:
        from leads.sources import same_person_edges_refresh

        same_person_edges_refresh(mention.agency_id)
    graph_metrics_enqueue(mention.agency_id)


def graph_metrics_enqueue(agency_id: int | None = None) -> None:
    """Recompute the stored graph metrics in a worker once the transaction commits."""
    from leads.receivers import on_commit_once
    from leads.tasks import graph_metrics

    # A sync resolves up to `sources.FULL_RUN_ABOVE` mentions one by one, each asking:
    # one recompute of the agency's metrics stands for all of them.
    on_commit_once(
        ("leads.graph_metrics", agency_id),
        lambda: graph_metrics.apply_async((agency_id,), queue="graph"),
    )


def _current_entities(*mention_ids: int) -> set[int]:
    # Read afresh: the mention objects a caller holds may predate the last re-clustering.
    return set(EntityMention.objects.filter(pk__in=mention_ids).values_list("entity_id", flat=True))
