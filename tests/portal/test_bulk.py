"""COPY-based bulk writes on the real database: escaping, NULLs, time zones, JSON, ids."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import numpy as np
import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from leads.models import Entity, EntityMention, MentionBlockingKey
from portal.bulk import (
    EncodedJSON,
    analyze,
    copy_integers,
    copy_rows,
    foreign_keys_checked_at_end,
    indexes_built_after,
    reserve_ids,
    table_rows,
)
from portal.incidents.models import Incident, IncidentPerson
from portal.models import Job
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

NASTY = [
    "plain",
    "comma, separated",
    "double \"quoted\" and 'single'",
    "two\nlines",
    "carriage\r\nreturn",
    "back\\slash and \\N and \\t literally",
    "tab\there",
    "",
    "ünïcödé — 東京 — 🔫",
    "\\",
    "trailing backslash\\",
]
FIELDS = ["agency", "incident_number", "occurred_date", "latitude", "longitude", "narrative"]


def _row(agency, number, narrative, **extra):
    return (agency.pk, number, dt.date(2024, 5, 1), 39.29, -76.61, narrative)


def test_text_values_arrive_exactly_as_given(agency_a):
    rows = [_row(agency_a, f"N{i}", text) for i, text in enumerate(NASTY)]
    assert copy_rows(Incident, FIELDS, rows) == len(NASTY)
    stored = dict(Incident.objects.values_list("incident_number", "narrative"))
    assert stored == {f"N{i}": text for i, text in enumerate(NASTY)}


def test_null_and_empty_string_stay_different(agency_a):
    copy_rows(
        Incident,
        [*FIELDS, "occurred_at", "reported_at", "coordinate_decimals"],
        [
            (*_row(agency_a, "A", ""), None, None, None),
            (*_row(agency_a, "B", "\\N"), None, None, 3),
        ],
    )
    a = Incident.objects.get(incident_number="A")
    b = Incident.objects.get(incident_number="B")
    assert a.narrative == "" and a.occurred_at is None and a.coordinate_decimals is None
    # The two characters backslash-N are text, not NULL.
    assert b.narrative == "\\N" and b.coordinate_decimals == 3


def test_left_out_columns_get_model_defaults(agency_a):
    before = dt.datetime.now(dt.UTC)
    copy_rows(Incident, FIELDS, [_row(agency_a, "D", "x")])
    incident = Incident.objects.get(incident_number="D")
    assert incident.offense == "" and incident.killed == 0 and incident.location_uncertainty_m == 0
    assert incident.occurred_date_only is False and incident.source_file_id is None
    assert incident.created_at >= before - dt.timedelta(seconds=5)
    assert incident.updated_at == incident.created_at


def test_timestamps_keep_their_instant_whatever_the_zone(agency_a, settings):
    chicago = zoneinfo.ZoneInfo("America/Chicago")
    aware = dt.datetime(2024, 3, 10, 1, 59, 30, 123456, tzinfo=chicago)  # before the DST jump
    utc = dt.datetime(2024, 11, 3, 6, 30, tzinfo=dt.UTC)
    naive = dt.datetime(2024, 7, 4, 21, 15)  # read in the default zone, as Django would
    copy_rows(
        Incident,
        [*FIELDS, "occurred_at"],
        [
            (*_row(agency_a, "T1", ""), aware),
            (*_row(agency_a, "T2", ""), utc),
            (*_row(agency_a, "T3", ""), naive),
        ],
    )
    stored = dict(Incident.objects.values_list("incident_number", "occurred_at"))
    assert stored["T1"] == aware and stored["T1"].microsecond == 123456
    assert stored["T2"] == utc
    default_zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    assert stored["T3"] == naive.replace(tzinfo=default_zone)


def test_json_booleans_and_unicode_in_json(agency_a):
    result = {"rows": 3, "note": 'quote " tab \t newline \n back \\', "nested": [1, None, True]}
    copy_rows(
        Job,
        ["agency", "kind", "label", "params", "result", "progress_total"],
        [
            (agency_a.pk, "bench", "München, café", {}, result, 7),
            (agency_a.pk, "bench", "second", {"when": dt.date(2024, 1, 2)}, {}, 0),
        ],
    )
    first, second = Job.objects.order_by("pk")
    assert first.result == result and first.params == {} and first.label == "München, café"
    assert first.progress_total == 7 and first.status == "pending"
    assert second.params == {"when": "2024-01-02"}


def test_json_encoded_once_is_written_as_it_is(agency_a):
    # One value many rows share, encoded by the caller: stored as the JSON it encodes,
    # not as a JSON string of it.
    shared = EncodedJSON(json.dumps({"reasons": ["same name", 'a "quote" and a \\'], "n": 2}))
    copy_rows(
        Job,
        ["agency", "kind", "label", "params", "result"],
        [(agency_a.pk, "bench", f"job {i}", {}, shared) for i in range(3)],
    )
    results = list(Job.objects.order_by("pk").values_list("result", flat=True))
    assert results == [{"reasons": ["same name", 'a "quote" and a \\'], "n": 2}] * 3


def test_values_every_row_shares_are_written_to_every_row(agency_a):
    # The agency and the kind given once (with text that needs escaping), the rest per row.
    copy_rows(
        Job,
        ["label", "result"],
        [(f"job {i}", {"i": i}) for i in range(3)],
        same={"agency_id": agency_a.pk, "kind": "tab\there", "params": {"shared": True}},
    )
    jobs = list(Job.objects.order_by("pk").values("agency_id", "kind", "label", "params", "result"))
    assert jobs == [
        {
            "agency_id": agency_a.pk,
            "kind": "tab\there",
            "label": f"job {i}",
            "params": {"shared": True},
            "result": {"i": i},
        }
        for i in range(3)
    ]
    assert all(job.status == "pending" for job in Job.objects.all())  # defaults still filled
    with pytest.raises(ValueError, match="named twice"):
        copy_rows(Job, ["agency", "label"], [(agency_a.pk, "x")], same={"agency_id": agency_a.pk})


def test_statistics_are_refreshed_for_every_column_but_the_json_ones(agency_a):
    copy_rows(
        Job,
        ["agency", "kind", "label", "params", "result"],
        [(agency_a.pk, "bench", f"job {i % 7}", {"i": i}, {}) for i in range(500)],
    )
    with CaptureQueriesContext(connection) as queries:
        analyze(Job)
    (statement,) = [query["sql"] for query in queries]
    assert '"label"' in statement and '"params"' not in statement and '"result"' not in statement
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [Job._meta.db_table])
        assert cursor.fetchone()[0] == 500
        cursor.execute(
            "SELECT attname, n_distinct FROM pg_stats WHERE tablename = %s",
            [Job._meta.db_table],
        )
        stats = dict(cursor.fetchall())
    assert stats["label"] == 7 and stats["kind"] == 1 and "agency_id" in stats


def test_reserved_ids_let_later_rows_refer_to_earlier_ones(agency_a):
    existing = IncidentFactory(agency=agency_a)
    ids = reserve_ids(Incident, 3)
    assert len(set(ids)) == 3 and all(pk > existing.pk for pk in ids)
    copy_rows(
        Incident,
        ["id", *FIELDS],
        [(pk, *_row(agency_a, f"R{pk}", "")) for pk in ids],
    )
    copy_rows(
        IncidentPerson,
        ["agency", "incident_id", "role", "last_name", "person_key", "fatal", "age"],
        [(agency_a.pk, pk, "victim", f"O'NEIL\t{pk}", "k", None, 30) for pk in ids],
    )
    assert sorted(IncidentPerson.objects.values_list("incident_id", flat=True)) == sorted(ids)
    # The sequence was advanced, not reset: the ORM's next row gets a fresh id.
    after = IncidentFactory(agency=agency_a)
    assert after.pk > max(ids)
    assert IncidentPerson.objects.filter(fatal__isnull=True).count() == 3


def test_a_generator_of_many_rows_streams_in_chunks(agency_a):
    def rows():
        for index in range(25_000):
            yield _row(agency_a, f"G{index:06d}", "x" * (index % 97))

    assert copy_rows(Incident, FIELDS, rows()) == 25_000
    assert Incident.objects.count() == 25_000
    assert Incident.objects.get(incident_number="G024999").narrative == "x" * (24_999 % 97)


def test_bad_rows_are_refused(agency_a):
    with pytest.raises(ValueError, match="NUL"):
        copy_rows(Incident, FIELDS, [_row(agency_a, "X", "nul\x00inside")])
    with pytest.raises(ValueError, match="values for"):
        copy_rows(Incident, FIELDS, [(agency_a.pk, "short")])
    with pytest.raises(ValueError, match="not a column"):
        copy_rows(Incident, ["persons"], [])


def _mention(agency):
    """A person mention of its own entity, for blocking keys to point at."""
    entity = Entity.objects.create(agency=agency, kind="person", label="X")
    return EntityMention.objects.create(
        agency=agency,
        entity=entity,
        kind="person",
        content_type=ContentType.objects.get_for_model(Entity),
        object_id=entity.pk,
        key="k",
    )


def test_integer_columns_copy_from_lists_and_numpy_arrays(agency_a):
    mention = _mention(agency_a)
    hashes = np.array([-(2**63), 2**63 - 1, 0], dtype=np.int64)
    assert (
        copy_integers(
            MentionBlockingKey,
            ["mention", "rule", "key_hash"],
            [[mention.pk] * 3, np.array([1, 2, 3]), hashes],
        )
        == 3
    )
    assert sorted(MentionBlockingKey.objects.values_list("rule", "key_hash")) == [
        (1, -(2**63)),
        (2, 2**63 - 1),
        (3, 0),
    ]


def test_integer_copies_refuse_what_is_not_an_integer_row(agency_a):
    with pytest.raises(ValueError, match="integer columns only"):
        copy_integers(Incident, ["agency", "incident_number"], [[agency_a.pk], ["X"]])
    with pytest.raises(ValueError, match="no defaults"):
        copy_integers(MentionBlockingKey, ["mention", "rule"], [[1], [1]])
    with pytest.raises(ValueError, match="columns for"):
        copy_integers(MentionBlockingKey, ["mention", "rule", "key_hash"], [[1], [1]])
    with pytest.raises(ValueError, match="unequal lengths"):
        copy_integers(MentionBlockingKey, ["mention", "rule", "key_hash"], [[1], [1], []])
    with pytest.raises(ValueError, match="not integers"):
        copy_integers(MentionBlockingKey, ["mention", "rule", "key_hash"], [[1], [1.5], [1]])
    # rule is a smallint: 70,000 would wrap around, it is refused instead.
    with pytest.raises(ValueError, match="out of range for smallint"):
        copy_integers(MentionBlockingKey, ["mention", "rule", "key_hash"], [[1], [70_000], [1]])
    assert not MentionBlockingKey.objects.exists()


PERSON_FIELDS = ["agency", "incident", "role"]


def _foreign_keys(*models):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferred"
            " FROM pg_constraint WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])"
            " ORDER BY 1, 2",
            [[model._meta.db_table for model in models]],
        )
        return cursor.fetchall()


def test_a_bulk_load_gets_its_foreign_keys_back_and_checked(agency_a):
    before = _foreign_keys(Incident, IncidentPerson)
    assert len(before) >= 2 and all(deferred for *_, deferred in before)
    with foreign_keys_checked_at_end([Incident, IncidentPerson]):
        assert _foreign_keys(Incident, IncidentPerson) == []  # dropped for the load
        (incident,) = reserve_ids(Incident, 1)
        # A person before their incident: fine within the load, as with deferred keys.
        copy_rows(IncidentPerson, PERSON_FIELDS, [(agency_a.pk, incident, "victim")])
        copy_rows(Incident, ["id", *FIELDS], [(incident, *_row(agency_a, "N1", "ok"))])
    assert _foreign_keys(Incident, IncidentPerson) == before
    assert IncidentPerson.objects.get().incident.incident_number == "N1"


def test_a_bulk_load_that_breaks_a_key_keeps_nothing(agency_a):
    before = _foreign_keys(Incident, IncidentPerson)
    with (
        pytest.raises(IntegrityError, match="incident"),
        transaction.atomic(),
        foreign_keys_checked_at_end([IncidentPerson]),
    ):
        copy_rows(IncidentPerson, PERSON_FIELDS, [(agency_a.pk, 10**9, "victim")])
    assert not IncidentPerson.objects.exists()
    assert _foreign_keys(Incident, IncidentPerson) == before


def _indexes(model):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY 1",
            [model._meta.db_table],
        )
        return cursor.fetchall()


def _plan(sql, params):
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_a_bulk_load_gets_its_indexes_built_again_and_used(agency_a):
    mention = _mention(agency_a)
    before = _indexes(MentionBlockingKey)
    assert {name for name, _ in before} >= {"leads_menti_rule_66a033_idx"}
    with indexes_built_after(MentionBlockingKey):
        # Only the primary key is left while the rows are written.
        assert [name for name, _ in _indexes(MentionBlockingKey)] == [
            "leads_mentionblockingkey_pkey"
        ]
        copy_integers(
            MentionBlockingKey,
            ("mention_id", "rule", "key_hash"),
            [np.full(3, mention.pk), np.array([1, 2, 3]), np.array([-5, 0, 2**62])],
        )
    assert _indexes(MentionBlockingKey) == before
    # Built with the rows in them: a lookup by key finds its row through the index.
    lookup = "SELECT mention_id FROM leads_mentionblockingkey WHERE rule = %s AND key_hash = %s"
    assert "leads_menti_rule_66a033_idx" in _plan(lookup, [3, 2**62])
    with connection.cursor() as cursor:
        cursor.execute(lookup, [3, 2**62])
        assert cursor.fetchall() == [(mention.pk,)]
    assert table_rows(MentionBlockingKey) == 3  # never analysed: counted
