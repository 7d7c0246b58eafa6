"""Query discipline: a page's query count is pinned and does not grow with its rows.

`assert_flat_query_count(client, url, grow, max_queries=K)` adds N rows with
`grow(N)`, counts the queries of one request, adds 2N more (3N in all),
counts again, and fails if the count changed or passed K. Every app's tests
use it for their lists, dashboards, record pages and API list endpoints
(tests/test_query_pins.py checks that none is left out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

N = 4


def count_queries(client: Any, url: str) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured), [query["sql"] for query in captured.captured_queries]


def assert_flat_query_count(
    client: Any, url: str, grow: Callable[[int], None], *, max_queries: int
) -> int:
    # Content types are cached per process after first use, as a running portal's are;
    # filled here, the count does not depend on which test ran before.
    ContentType.objects.get_for_models(*apps.get_models())
    grow(N)
    first, _ = count_queries(client, url)
    grow(2 * N)
    second, sqls = count_queries(client, url)
    assert second == first, (
        f"{url}: {first} queries with {N} rows, {second} with {3 * N}: an N+1\n" + "\n".join(sqls)
    )
    assert second <= max_queries, f"{url}: {second} queries, pinned at {max_queries}\n" + (
        "\n".join(sqls)
    )
    return second
