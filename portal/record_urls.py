"""Record page URLs without running the URL resolver for every record.

A page that lists a case's records links each of them, often more than once
(the timeline, the people, the tables): several hundred `reverse()` calls,
each 30 to 90 microseconds. A record page's URL is its route with the record's
number in one place, so the route is reversed once (per view name, script
prefix and URLconf) with a marker number, and each record's URL is the text
around the marker with its own number in between.
"""

from __future__ import annotations

from functools import lru_cache

from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# Reversed in place of the record's number; a route that would show it twice (or
# whose converter refuses it) is reversed for every record, as usual.
_MARKER = "9081726354"


@lru_cache(maxsize=256)
def _route(viewname: str, prefix: str, urlconf: str | None) -> tuple[str, str] | None:
    try:
        url = reverse(viewname, args=[int(_MARKER)], urlconf=urlconf)
    except NoReverseMatch:
        return None
    if url.count(_MARKER) != 1:
        return None
    head, _, tail = url.partition(_MARKER)
    return head, tail


def record_url(viewname: str, pk: int) -> str:
    """`reverse(viewname, args=[pk])` for a route taking one integer: the same text."""
    urlconf = get_urlconf()  # a request may name its own
    if type(pk) is int and pk >= 0 and (urlconf is None or isinstance(urlconf, str)):
        route = _route(viewname, get_script_prefix(), urlconf)
        if route is not None:
            return f"{route[0]}{pk}{route[1]}"
    return reverse(viewname, args=[pk])
