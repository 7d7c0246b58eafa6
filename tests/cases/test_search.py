"""Global search: what it finds, spelling tolerance, agency scoping, the audit trail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from leads.resolution.names import clean_name
from portal.cases.search import _LETTERS, SOUNDEX_SQL
from portal.incidents.models import IncidentPerson
from portal.models import AuditEvent
from portal.phonetic import soundex
from tests.cases.helpers import page_text
from tests.incidents.factories import IncidentFactory, IncidentPersonFactory

pytestmark = pytest.mark.django_db


def _results(client, query: str) -> str:
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    text = page_text(response)
    return text[text.index("Search Serial") :]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("jonson marcus", "JOHNSON, MARCUS"),
        ("Marcus Johnsen", "JOHNSON, MARCUS"),
        ("smyth", "SMITH, DEVON"),
        ("riviera ana", "RIVERA, ANA"),
        ("xk-41977", "GLOCK 19 9MM (XK41977)"),
        ("T2024000777", "Trace T2024000777"),
        ("24-900101", "Incident 24-900101"),
        ("c-2024-17", "Case C-2024-17: Elm Street shootings"),
        ("1-54-123-01-9A-04242", "RIVERSIDE ARMS"),
        ("154123019A04242", "RIVERSIDE ARMS"),
        ("harbor lane", "1200 HARBOR LANE, METRO CITY"),
        ("quarry road", "77 QUARRY ROAD"),
    ],
)
def test_search_finds(story, owner_client, query, expected):
    assert expected in _results(owner_client, query)


def test_misspelt_name_ranks_the_closest_first(story, owner_client, agency_a):
    IncidentPersonFactory(agency=agency_a, last_name="JANSEN", first_name="MARKUS")
    text = _results(owner_client, "Marcus Jonson")
    assert "JOHNSON, MARCUS" in text and "JANSEN, MARKUS" in text


def test_outsider_finds_nothing_of_agency_a(story, outsider_client):
    for query in (
        "jonson marcus",
        "XK41977",
        "T2024000777",
        "24-900101",
        "C-2024-17",
        "harbor lane",
        "rivera",
    ):
        text = _results(outsider_client, query)
        assert "Nothing found" in text, (query, text)
    # A dealer seen only on agency A's traces is not revealed either.
    assert "Nothing found" in _results(outsider_client, "1-54-123-01-9A-04242")


def test_every_search_is_audited(story, owner, owner_client):
    owner_client.get("/search/", {"q": "jonson"})
    event = AuditEvent.objects.get(actor=owner, event_type="search", object_type="global")
    assert event.detail == {"query": "jonson", "results": 1}


def test_header_search_box_is_on_every_page(owner_client):
    html = owner_client.get("/cases/").content.decode()
    assert 'action="/search/"' in html and 'name="q"' in html


def test_sql_soundex_is_the_twin_of_the_resolution_engine(db):
    names = [
        "ashcraft",
        "pfister",
        "tymczak",
        "honeyman",
        "robert",
        "rupert",
        "rubin",
        "smith",
        "smyth",
        "johnson",
        "jonson",
        "hwang",
        "lee",
        "o'neil smith",
        "washington",
        "jackson",
        "gutierrez",
        "a",
        "wu",
        "schmidt",
        "mc-donald",
        "vanderbilt",
        "yyy",
        "bbbbb",
        "whitworth",
    ]
    # The SQL is this module's constant; only the name is a parameter.
    expression = SOUNDEX_SQL.replace("{s}", _LETTERS.format(c="n"))
    sql = f"SELECT {expression} FROM (SELECT %s::text AS n) t"  # noqa: S608
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(sql, [name])
            assert cursor.fetchone()[0] == soundex(clean_name(name)), name


def test_name_search_uses_the_phonetic_index(story):
    from portal.cases.search import PhoneticKey
    from tracing.models import PersonMention

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
    mentions = PersonMention.objects.all()
    assert "mention_sounds_idx" in mentions.filter(last_name_sound="J525").explain()
    # Both keys of a two-word query are conditions on the index, none a filter over rows.
    both = mentions.filter(last_name_sound="J525", first_name_sound="M600").explain()
    assert "mention_sounds_idx" in both and "Filter" not in both
    persons = IncidentPerson.objects.annotate(
        last=PhoneticKey("last_name"), first=PhoneticKey("first_name")
    ).filter(last="J525", first="M600")
    plan = persons.explain()
    assert "search_person_name_keys" in plan and "Filter" not in plan


def test_addresses_come_newest_first(story, owner_client, agency_a):
    for number, year in (("A-OLD", 2019), ("A-NEW", 2025), ("A-MID", 2022)):
        IncidentFactory(
            agency=agency_a,
            incident_number=number,
            occurred_at=dt.datetime(year, 5, 1, 12, tzinfo=dt.UTC),
            address="15 LANTERN COURT",
        )
    text = _results(owner_client, "lantern court")
    assert text.index("A-NEW") < text.index("A-MID") < text.index("A-OLD")


def test_address_probe_reads_the_full_text_index_not_the_date_order(story, owner, agency_a):
    """The probe that counts an address's matches carries no ORDER BY: ordered (by the
    models' newest-first default), PostgreSQL walked the date index and computed every
    row's tsvector on the way, 0.1 s for a common street at state scale."""
    from portal.cases.search import ADDRESS_PROBE, search

    IncidentFactory(agency=agency_a, address="15 LANTERN COURT")
    with CaptureQueriesContext(connection) as captured:
        results = search(owner, "lantern court")
    assert results.groups["Addresses"]
    probes = [q["sql"] for q in captured if f"LIMIT {ADDRESS_PROBE + 1}" in q["sql"]]
    assert len(probes) == 2  # incidents, then recoveries
    assert all("@@" in sql and "ORDER BY" not in sql for sql in probes)


def test_imported_names_carry_their_sound_and_are_found_by_it(agency_a, owner_client, tmp_path):
    from tests.tracing.helpers import row, run_import, write_etrace
    from tracing.models import PersonMention

    path = write_etrace(
        tmp_path / "traces.csv",
        [row("T-SOUND-1", purchaser_last="McDonald", purchaser_first="Kathryn")],
    )
    assert run_import(agency_a, path).status == "succeeded"
    mention = PersonMention.objects.get(trace__trace_number="T-SOUND-1", role="purchaser")
    # Written by the import in bulk (no save()): Soundex of McDonald and of Kathryn.
    assert (mention.last_name_sound, mention.first_name_sound) == ("M235", "K365")
    assert "MCDONALD, KATHRYN" in _results(owner_client, "macdonald katherine").upper()
