"""One new person mention resolved in PostgreSQL against 1,000,000 stored mentions.

This is the path of the Celery task (`leads.services.mention_resolve`): the new
mention's blocking-key hashes are looked up in `MentionBlockingKey` (b-tree on
(rule, key_hash)), the candidates' fields are read, compared with the stored
model, and the mention joins the best linked entity. The mentions are 500,000
synthetic people and a corrupted duplicate of each (leads.resolution.synthetic,
with its small built-in name lists, so that blocks of common names are large),
loaded with COPY. Each new mention is another corrupted copy of a stored person.
"""

from __future__ import annotations

import io
import json
import random
import statistics
import time
from typing import Any

import pandas as pd

from bench.harness import bench_database
from bench.report import Measure, peak_memory_mb

PEOPLE = 500_000
QUERIES = 30


def run() -> list[Measure]:
    with bench_database():
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection

        from leads import services
        from leads.models import (
            Entity,
            EntityKind,
            EntityMention,
            MentionBlockingKey,
            ResolutionModel,
        )
        from leads.resolution.blocking import blocking_key_hashes, partition_hashes
        from leads.resolution.engine import resolve_persons
        from leads.resolution.records import normalise
        from leads.resolution.synthetic import Vocabulary, corrupt, linked_sets, original
        from portal.models import Agency

        rng = random.Random(21)
        vocabulary = Vocabulary()
        people = [original(rng, vocabulary, f"p{index}", "trace") for index in range(PEOPLE)]
        copies = [
            corrupt(rng, person, f"c{index}", "incident") for index, person in enumerate(people)
        ]
        records = people + copies
        started = time.perf_counter()
        training = pd.concat(list(linked_sets(5_000, seed=5)[:2]), ignore_index=True)
        model = resolve_persons(training).model
        ResolutionModel.objects.create(parameters=model.to_dict(), mentions=len(training))
        agency = Agency.objects.create(name="Bench agency", ori="XX0000001", state="XX")
        content_type = ContentType.objects.get_for_model(Agency)
        keys = blocking_key_hashes(normalise(pd.DataFrame(records)))
        entity_table = Entity._meta.db_table
        mention_table = EntityMention._meta.db_table
        key_table = MentionBlockingKey._meta.db_table
        with connection.cursor() as cursor:
            # Bulk load the way a migration of existing data would: foreign-key triggers
            # off and secondary indexes built once after the rows are in.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN (%s, %s) "
                "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
                [mention_table, key_table],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX IF EXISTS "{name}" CASCADE')
            entities = io.StringIO()
            for index in range(PEOPLE):
                entities.write(
                    f"{index + 1}\t{agency.pk}\tperson\t\t{{}}\t0\t{{}}\t2026-01-01\t2026-01-01\n"
                )
            entities.seek(0)
            cursor.copy_expert(
                f"COPY {entity_table} (id, agency_id, kind, label, attributes, degree, metrics, "
                "created_at, updated_at) FROM STDIN",
                entities,
            )
            chunk = 100_000
            for start in range(0, len(records), chunk):
                mentions = io.StringIO()
                blocking = io.StringIO()
                # The stored keys are the agency's own (as mentions_bulk_add writes them).
                end = min(start + chunk, len(records))
                flat = [value for index in range(start, end) for _rule, value in keys[index]]
                scoped = iter(partition_hashes(flat, agency.pk).tolist())
                for index in range(start, end):
                    record: dict[str, Any] = records[index]
                    fields = {k: v for k, v in record.items() if k not in ("key", "source")}
                    text = json.dumps(fields).replace("\\", "\\\\")
                    mentions.write(
                        f"{index + 1}\t{agency.pk}\t{index % PEOPLE + 1}\tperson\t"
                        f"{content_type.pk}\t{agency.pk}\t{record['source']}\tperson-{index}\t"
                        f"{index}\tbench:{index}\t{text}\t[]\t2026-01-01\t2026-01-01\n"
                    )
                    for rule, _value in keys[index]:
                        blocking.write(f"{index + 1}\t{rule}\t{next(scoped)}\n")
                mentions.seek(0)
                blocking.seek(0)
                cursor.copy_expert(
                    f"COPY {mention_table} (id, agency_id, entity_id, kind, content_type_id, "
                    "object_id, source, role, reference, key, fields, reasons, created_at, "
                    "updated_at) FROM STDIN",
                    mentions,
                )
                cursor.copy_expert(
                    f"COPY {key_table} (mention_id, rule, key_hash) FROM STDIN", blocking
                )
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("SET session_replication_role = DEFAULT")
            for table in (entity_table, mention_table, key_table):
                cursor.execute(f"ANALYZE {table}")
            for table in (entity_table, mention_table, key_table):
                # Table names come from the models, not from input.
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: E501, S608
                cursor.execute(sql)
        load = time.perf_counter() - started
        stored = EntityMention.objects.count()
        print(f"loaded {stored:,} mentions and their blocking keys in {load:.1f} s")

        timings: list[float] = []
        correct = 0
        for number in range(QUERIES):
            person_index = rng.randrange(PEOPLE)
            fresh = corrupt(rng, people[person_index], f"new{number}", "trace")
            fields = {k: v for k, v in fresh.items() if k not in ("key", "source")}
            mention = services.mentions_bulk_add(
                agency=agency, kind=EntityKind.PERSON, items=[(agency, f"new-{number}", fields)]
            )[0]
            started = time.perf_counter()
            outcome = services.mention_resolve(mention_id=mention.pk)
            timings.append(time.perf_counter() - started)
            mention.refresh_from_db()
            correct += outcome == "link" and mention.entity_id == person_index + 1
        print(
            f"incremental in PostgreSQL: median {statistics.median(timings) * 1000:.0f} ms, "
            f"max {max(timings) * 1000:.0f} ms; {correct}/{QUERIES} joined their person"
        )
    return [
        Measure(
            name="one new person mention resolved in PostgreSQL against 1,000,000 mentions",
            value=f"median {statistics.median(timings) * 1000:.0f} ms, "
            f"max {max(timings) * 1000:.0f} ms ({correct}/{QUERIES} joined their person)",
            target="< 1 s",
            passed=max(timings) < 1.0,
            peak_memory_mb=peak_memory_mb(),
        )
    ]
