"""Raw SQL that matches a column against a Python list gives the array its type.

psycopg2 sends a list of Python ints as ARRAY[1, 2, ...]: an int4 array. Against a
bigint column (every id here) PostgreSQL then cannot hash the array, and a sequential
scan compares each row with every element: measured on the state-scale demo, two
edge deletions of 10,000 ids took 55 s, where `%s::bigint[]` takes a fraction of one.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("portal", "tracing", "ballistics", "leads")
# "= ANY(%s)" or "= ANY(%(name)s)" with no "::type[]" cast after the placeholder.
UNTYPED = re.compile(r"ANY\s*\(\s*%(?:\(\w+\))?s\s*\)", re.IGNORECASE)


def test_every_array_parameter_of_raw_sql_is_cast_to_its_type() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if UNTYPED.search(line)
    ]
    assert found == []


def test_the_check_finds_an_untyped_array() -> None:
    assert UNTYPED.search('"WHERE id = ANY(%(ids)s)"')
    assert UNTYPED.search('"WHERE id = ANY(%s) AND"')
    assert not UNTYPED.search('"WHERE id = ANY(%s::bigint[])"')
