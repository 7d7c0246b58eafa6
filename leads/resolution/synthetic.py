"""Synthetic person records with FEBRL-style corruption, for tests, demo data and benchmarks.

Each original person gets a corrupted duplicate: typos (substitution, insertion,
deletion, transposition), missing values, nicknames, swapped given name and
surname, day/month swaps and one-digit typos in the date of birth, swapped
address lines, street-number and postcode typos. Vocabularies can be passed in
(e.g. names from a real list); the defaults are small built-in lists.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field

import pandas as pd

from leads.resolution.names import _NICKNAME_GROUPS

FIRST_NAMES = [
    "james",
    "john",
    "robert",
    "michael",
    "william",
    "david",
    "richard",
    "joseph",
    "thomas",
    "charles",
    "mary",
    "patricia",
    "jennifer",
    "linda",
    "elizabeth",
    "barbara",
    "susan",
    "jessica",
    "sarah",
    "karen",
    "daniel",
    "matthew",
    "anthony",
    "mark",
    "donald",
    "steven",
    "paul",
    "andrew",
    "joshua",
    "kenneth",
    "kevin",
    "brian",
    "george",
    "timothy",
    "ronald",
    "nancy",
    "lisa",
    "betty",
    "margaret",
    "sandra",
    "ashley",
    "kimberly",
    "emily",
    "donna",
    "michelle",
    "carol",
    "amanda",
    "melissa",
    "deborah",
    "stephanie",
    "jose",
    "luis",
    "carlos",
    "juan",
    "maria",
    "rosa",
    "ana",
    "tyrone",
    "darnell",
    "keisha",
    "latoya",
    "jamal",
    "deshawn",
]
LAST_NAMES = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "gonzalez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "perez",
    "thompson",
    "white",
    "harris",
    "sanchez",
    "clark",
    "ramirez",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "torres",
    "nguyen",
    "hill",
    "flores",
    "green",
    "adams",
    "nelson",
    "baker",
    "hall",
    "rivera",
    "campbell",
    "mitchell",
    "carter",
    "roberts",
    "okafor",
    "kowalski",
    "schmidt",
    "obrien",
    "murphy",
    "washington",
    "jefferson",
    "coleman",
    "jenkins",
    "perry",
    "powell",
]
STREETS = [
    "main street",
    "oak avenue",
    "pine street",
    "maple avenue",
    "cedar road",
    "elm street",
    "washington boulevard",
    "lake drive",
    "hill road",
    "park avenue",
    "church street",
    "mill lane",
    "river road",
    "sunset boulevard",
    "lincoln avenue",
    "jackson street",
    "highland drive",
    "forest avenue",
    "spring street",
    "walnut street",
    "chestnut street",
    "market street",
    "broad street",
    "center street",
    "franklin avenue",
    "madison street",
]
CITIES = [
    "springfield",
    "riverside",
    "fairview",
    "franklin",
    "greenville",
    "bristol",
    "clinton",
    "georgetown",
    "salem",
    "madison",
    "arlington",
    "ashland",
    "dover",
    "oxford",
    "jackson",
    "milton",
    "newport",
    "auburn",
    "dayton",
    "lexington",
    "burlington",
    "manchester",
]
STATES = ["ca", "tx", "fl", "ny", "pa", "il", "oh", "ga", "nc", "mi", "nj", "va", "wa", "az"]
NICKNAME_OF = {name: variants for name, variants in _NICKNAME_GROUPS.items()}


@dataclass
class Vocabulary:
    """Value pools the generator draws from."""

    first_names: list[str] = field(default_factory=lambda: list(FIRST_NAMES))
    last_names: list[str] = field(default_factory=lambda: list(LAST_NAMES))
    streets: list[str] = field(default_factory=lambda: list(STREETS))
    address_2: list[str] = field(default_factory=lambda: ["", "", "", "apt 2", "unit 5", "rear"])
    cities: list[str] = field(default_factory=lambda: list(CITIES))
    states: list[str] = field(default_factory=lambda: list(STATES))


def typo(rng: random.Random, text: str) -> str:
    """One keyboard-style edit: substitute, insert, delete or swap adjacent characters."""
    if not text:
        return text
    position = rng.randrange(len(text))
    kind = rng.choice(("substitute", "insert", "delete", "transpose"))
    letters = string.digits if text.isdigit() else string.ascii_lowercase
    if kind == "substitute":
        return text[:position] + rng.choice(letters) + text[position + 1 :]
    if kind == "insert":
        return text[:position] + rng.choice(letters) + text[position:]
    if kind == "delete" and len(text) > 1:
        return text[:position] + text[position + 1 :]
    if len(text) > 1:
        position = min(position, len(text) - 2)
        return text[:position] + text[position + 1] + text[position] + text[position + 2 :]
    return text


def original(
    rng: random.Random, vocabulary: Vocabulary, key: str, source: str
) -> dict[str, object]:
    year = rng.randint(1935, 2006)
    return {
        "key": key,
        "source": source,
        "first_name": rng.choice(vocabulary.first_names),
        "last_name": rng.choice(vocabulary.last_names),
        "date_of_birth": f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}",
        "sex": rng.choice("mf"),
        "street_number": str(rng.randint(1, 9999)),
        "street": rng.choice(vocabulary.streets),
        "address_2": rng.choice(vocabulary.address_2),
        "city": rng.choice(vocabulary.cities),
        "state": rng.choice(vocabulary.states),
        "zip_code": f"{rng.randint(1000, 99999):05d}",
    }


def corrupt(
    rng: random.Random, record: dict[str, object], key: str, source: str, *, max_changes: int = 3
) -> dict[str, object]:
    """A duplicate of `record` with 1..max_changes FEBRL-style corruptions."""
    duplicate = dict(record, key=key, source=source)
    for _ in range(rng.randint(1, max_changes)):
        kind = rng.random()
        field_name = rng.choice(
            ["first_name", "last_name", "street", "address_2", "city", "zip_code", "street_number"]
        )
        if kind < 0.45:
            duplicate[field_name] = typo(rng, str(duplicate[field_name]))
        elif kind < 0.6:
            duplicate[field_name] = ""
        elif kind < 0.68:
            first = str(duplicate["first_name"])
            variants = NICKNAME_OF.get(first)
            if variants:
                duplicate["first_name"] = rng.choice(variants)
            else:
                duplicate["first_name"] = typo(rng, first)
        elif kind < 0.73:
            duplicate["first_name"], duplicate["last_name"] = (
                duplicate["last_name"],
                duplicate["first_name"],
            )
        elif kind < 0.85:
            dob = str(duplicate["date_of_birth"])
            if len(dob) != 8:
                continue
            if rng.random() < 0.5 and int(dob[6:8]) <= 12:
                duplicate["date_of_birth"] = dob[:4] + dob[6:8] + dob[4:6]
            else:
                position = rng.randrange(8)
                duplicate["date_of_birth"] = (
                    dob[:position] + rng.choice(string.digits) + dob[position + 1 :]
                )
        elif kind < 0.9:
            duplicate["date_of_birth"] = ""
        else:
            duplicate["street"], duplicate["address_2"] = (
                duplicate["address_2"],
                duplicate["street"],
            )
    return duplicate


def linked_sets(
    size: int, *, seed: int = 1, vocabulary: Vocabulary | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, set[tuple[str, str]]]:
    """Two sources of `size` people each: every person of A has one corrupted
    duplicate in B. Returns (A, B, true pairs as (key in A, key in B))."""
    rng = random.Random(seed)
    vocabulary = vocabulary or Vocabulary()
    left = [original(rng, vocabulary, f"a-{index}", "a") for index in range(size)]
    right = [corrupt(rng, record, f"b-{index}", "b") for index, record in enumerate(left)]
    rng.shuffle(right)
    truth = {(f"a-{record['key'][2:]}", str(record["key"])) for record in right}  # type: ignore[index]
    return pd.DataFrame(left), pd.DataFrame(right), truth
