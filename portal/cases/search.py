"""Global search: serials, names (tolerant of spelling), FFL numbers, trace, incident and
case numbers, addresses; only over what the user may see.

Core PostgreSQL only (DESIGN.md: the embedded server has no contrib extension,
so no pg_trgm): addresses go through full-text search (a `simple` tsvector with
a GIN index), names through a phonetic key, American Soundex
(portal.phonetic.soundex computes the query's keys). Trace mentions store the
keys of their names, written by the e-Trace import, under a plain B-tree index;
incident persons are matched on the same key written as a SQL expression (its
twin; a test proves they agree) with a B-tree index on that expression. The
indexes are created by this app's migrations and tracing's 0006.
Identifiers are normalised the way their importers normalise them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import permutations
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Exists, F, Func, OuterRef, Q, QuerySet, TextField

from leads.resolution.firearms import normalise_ffl
from leads.resolution.names import clean_name, name_tokens
from portal.cases.models import Case
from portal.incidents.models import Incident, IncidentPerson
from portal.models import visible_agency_ids
from portal.phonetic import soundex
from tracing.models import Dealer, Firearm, PersonMention, Purchase, Trace
from tracing.normalise import serial_key

LIMIT = 20
NAME_CANDIDATES = 200
# The SQL twin of portal.phonetic.soundex, for a name column `c`: letters only,
# lower case; vowels and y separate (0), h and w are transparent (dropped, except as the
# first letter), runs of one code collapse, then the separators go.
_LETTERS = "lower(regexp_replace(({c})::text, '[^A-Za-z]+', '', 'g'))"
SOUNDEX_SQL = (
    "(CASE WHEN {s} = '' THEN '' ELSE upper(left({s}, 1)) || rpad(replace(substr("
    "regexp_replace(translate(translate(left({s}, 1), 'hw', '00') || "
    "translate(substr({s}, 2), 'hw', ''), 'aeiouybfpvcgjkqsxzdtlmnr', "
    "'000000111122222222334556'), '(.)\\1+', '\\1', 'g'), 2), '0', ''), 3, '0') END)"
)


class PhoneticKey(Func):
    """Soundex of a name column, computed by PostgreSQL (index-able: every step is immutable).

    Only for a column: the column appears several times in the SQL, so it must
    carry no query parameters.
    """

    output_field = TextField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> Any:  # type: ignore[override]
        column_sql, params = compiler.compile(self.source_expressions[0])
        if params:
            raise ValueError("PhoneticKey applies to a column, not to a value")
        letters = _LETTERS.format(c=column_sql)
        return SOUNDEX_SQL.replace("{s}", letters), []


def address_vector(*columns: str) -> SearchVector:
    return SearchVector(*columns, config="simple")


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    detail: str = ""


@dataclass
class SearchResults:
    query: str
    groups: dict[str, list[Hit]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(hits) for hits in self.groups.values())

    def add(self, group: str, hits: list[Hit]) -> None:
        if hits:
            self.groups.setdefault(group, []).extend(hits)


# Serials and numbers: letters, digits and separators, with at least one digit.
_IDENTIFIER = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9\-./ ]{1,60}$")


def search(user: Any, query: str) -> SearchResults:
    """Every kind of record matching `query` that `user` may see, best first per kind."""
    text = " ".join(query.split())[:200]
    results = SearchResults(query=text)
    if len(text) < 2:
        return results
    results.add("Cases", _cases(user, text))
    if _IDENTIFIER.match(text):
        # The same agencies visible_to allows, also named explicitly so that PostgreSQL
        # reads the unique (agency, number) indexes.
        agencies = visible_agency_ids(user)
        results.add("Firearms (serial number)", _serials(user, text))
        results.add("Traces", _traces(user, text, agencies))
        results.add("Incidents", _incidents(user, text, agencies))
        results.add("Dealers (FFL)", _dealers(user, text))
    results.add("People in traces", _trace_people(user, text))
    results.add("People in incidents", _incident_people(user, text))
    results.add("Addresses", _addresses(user, text))
    return results


def _cases(user: Any, text: str) -> list[Hit]:
    cases = Case.objects.visible_to(user).filter(
        Q(number__in={text, text.upper()}) | Q(title__icontains=text)
    )
    return [Hit(str(c), c.get_absolute_url(), c.get_status_display()) for c in cases[:LIMIT]]


def _serials(user: Any, text: str) -> list[Hit]:
    key = serial_key(text)
    if len(key) < 3:
        return []
    firearms = Firearm.objects.visible_to(user).filter(serial_normalised=key)[:LIMIT]
    return [Hit(str(f), f.get_absolute_url(), f"serial {f.serial_normalised}") for f in firearms]


def _traces(user: Any, text: str, agencies: set[int]) -> list[Hit]:
    traces = (
        Trace.objects.visible_to(user)
        .filter(agency_id__in=agencies, trace_number__in={text, text.upper()})
        .select_related("firearm")[:LIMIT]
    )
    return [
        Hit(str(t), t.get_absolute_url(), f"recovered {t.recovery_date or '?'}, {t.firearm}")
        for t in traces
    ]


def _incidents(user: Any, text: str, agencies: set[int]) -> list[Hit]:
    incidents = Incident.objects.visible_to(user).filter(
        agency_id__in=agencies, incident_number__in={text, text.upper()}
    )[:LIMIT]
    return [Hit(str(i), i.get_absolute_url(), f"{i.occurred_date} {i.offense}") for i in incidents]


def _dealers(user: Any, text: str) -> list[Hit]:
    key = normalise_ffl(text)
    if not key:
        return []
    # A dealer known only from other agencies' traces stays hidden (as on its page).
    visible_sale = Purchase.objects.filter(
        dealer=OuterRef("pk"), trace__in=Trace.objects.visible_to(user).values("pk")
    )
    dealers = Dealer.objects.filter(ffl_key=key).filter(Q(in_ffl_list=True) | Exists(visible_sale))
    return [
        Hit(d.display_name, d.get_absolute_url(), f"FFL {d.ffl_number}, {d.premise_city}")
        for d in dealers[:LIMIT]
    ]


def _name_keys(text: str) -> list[str]:
    return [soundex(clean_name(token)) for token in name_tokens(text) if len(token) >= 2]


def _name_condition(keys: list[str], last: str, first: str) -> Q | None:
    """Last name sounds like one word of the query, and (with two words or more) the first
    name sounds like another."""
    if not keys:
        return None
    if len(keys) == 1:
        return Q(**{f"{last}__in": keys})
    condition = Q(pk__in=[])
    for last_key, first_key in permutations(keys, 2):
        condition |= Q(**{last: last_key, first: first_key})
    return condition


def _similarity(query: str, name: str) -> float:
    """How close a found name is to what was typed, word order aside (0..1)."""
    typed = " ".join(sorted(name_tokens(query)))
    found = " ".join(sorted(name_tokens(name)))
    return SequenceMatcher(None, typed, found).ratio()


def _trace_people(user: Any, text: str) -> list[Hit]:
    condition = _name_condition(_name_keys(text), "last_name_sound", "first_name_sound")
    if condition is None:
        return []
    mentions = list(
        PersonMention.objects.visible_to(user)
        .filter(condition)
        .select_related("trace")[:NAME_CANDIDATES]
    )
    mentions.sort(key=lambda m: -_similarity(text, f"{m.first_name} {m.last_name}"))
    return [
        Hit(
            m.full_name,
            m.get_absolute_url(),
            f"{m.get_role_display()}, trace {m.trace.trace_number}"
            + (f", born {m.dob}" if m.dob else ""),
        )
        for m in mentions[:LIMIT]
    ]


def _incident_people(user: Any, text: str) -> list[Hit]:
    condition = _name_condition(_name_keys(text), "last_key", "first_key")
    if condition is None:
        return []
    persons = list(
        IncidentPerson.objects.visible_to(user)
        .annotate(last_key=PhoneticKey(F("last_name")), first_key=PhoneticKey(F("first_name")))
        .filter(condition)
        .select_related("incident")
        .order_by("pk")[:NAME_CANDIDATES]
    )
    persons.sort(key=lambda p: -_similarity(text, f"{p.first_name} {p.last_name}"))
    return [
        Hit(
            ", ".join(part for part in (p.last_name, p.first_name) if part),
            p.incident.get_absolute_url(),
            f"{p.get_role_display()}, incident {p.incident.incident_number}",
        )
        for p in persons[:LIMIT]
    ]


# Up to this many matches of an address are read and sorted; past it, the date index
# is walked instead.
ADDRESS_PROBE = 1000


def _newest_matches(records: QuerySet[Any], query: SearchQuery, date: str) -> list[Any]:
    """The newest LIMIT records whose `document` matches `query`.

    Not ranked by relevance: every match holds all the words, and ranking reads every
    match (a street name matches a hundred thousand recoveries of a state: 0.4 s).
    A probe through the full-text index counts up to ADDRESS_PROBE matches: a rare
    address (or a number typed in the search box) has few, read and sorted at once;
    a common one is found by walking the date index, newest first, which stops at
    the page's matches. Left to choose alone, PostgreSQL walked the date index for
    words it had no statistics on, testing every row of the table.
    """
    matching = records.filter(document=query)
    # Unordered: the model's default order (newest first) would make the probe itself
    # walk the date index, computing every row's tsvector until it had its matches.
    found = list(matching.order_by().values_list("pk", flat=True)[: ADDRESS_PROBE + 1])
    if len(found) <= ADDRESS_PROBE:
        matching = records.filter(pk__in=found)
    return list(matching.order_by(f"-{date}", "-pk")[:LIMIT])


def _addresses(user: Any, text: str) -> list[Hit]:
    """Incidents and recoveries at an address matching every word, the newest first."""
    query = SearchQuery(text, config="simple")
    incidents = _newest_matches(
        Incident.objects.visible_to(user).annotate(document=address_vector("address")),
        query,
        "occurred_date",
    )
    traces = _newest_matches(
        Trace.objects.visible_to(user).annotate(document=address_vector("recovery_address")),
        query,
        "recovery_date",
    )
    hits = [
        Hit(i.address, i.get_absolute_url(), f"incident {i.incident_number}, {i.occurred_date}")
        for i in incidents
    ]
    hits += [
        Hit(
            f"{t.recovery_address}, {t.recovery_city}".strip(", "),
            t.get_absolute_url(),
            f"recovery, trace {t.trace_number}",
        )
        for t in traces
    ]
    return hits
