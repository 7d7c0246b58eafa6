"""American Soundex: the phonetic key that name search and person resolution share.

Pure Python, no database. The e-Trace import stores it beside each mention's
normalised names (so the name search reads a plain index), the search computes
the query's keys with it, and the resolution engine blocks and compares on it.
"""

from __future__ import annotations

from functools import lru_cache

_SOUNDEX_CODES = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


@lru_cache(maxsize=200_000)
def soundex(name: str) -> str:
    """American Soundex of a cleaned name: lower-case letters a-z only ("" for an empty one)."""
    if not name:
        return ""
    first = name[0]
    result = [first.upper()]
    previous = _SOUNDEX_CODES.get(first, "")
    for char in name[1:]:
        code = _SOUNDEX_CODES.get(char, "")
        if code and code != previous:
            result.append(code)
        if char not in "hw":
            previous = code
    return ("".join(result) + "000")[:4]
