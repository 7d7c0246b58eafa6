"""Time portal pages server-side: the one loop the page benchmarks share.

A page benchmark signs a user in with Django's test Client, sends one warm-up
request per page (whose queries it may explain), then times N requests cycling
through the page's URLs and reports p50/p95 against a target. Call this after
`bench_database()` (or `django.setup()`): it imports Django lazily.
"""

from __future__ import annotations

import re
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from bench.report import Measure, peak_memory_mb

# What a benchmark does with the SQL of a page's warm-up request: (label, SQL list).
Explain = Callable[[str, list[str]], None]


def signed_in_client(user: Any) -> Any:
    """A test Client signed in with both factors, as the security middleware demands."""
    from django.test import Client

    from tests.conftest import login

    return login(Client(HTTP_HOST="127.0.0.1"), user)


def pages_measure(
    client: Any,
    pages: Iterable[tuple[str, Sequence[str]]],
    *,
    requests: int,
    scale: str,
    target_ms: float,
    reference: str,
    explain: Explain | None = None,
) -> list[Measure]:
    """p50/p95 of each (label, URLs) page over `requests` requests, one Measure a page.

    The warm-up request is not timed (it fills caches) but its queries are
    counted and handed to `explain`; every response must be a 200. What the process
    holds then is frozen out of the garbage collector's generations, as the server's
    entry point (portal/wsgi.py) freezes what it loaded at start: the timed requests
    pay for collecting what they make, not for walking this benchmark's own objects.
    """
    import gc

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    measures: list[Measure] = []
    for label, urls in pages:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(urls[0])
        assert response.status_code == 200, (urls[0], response.status_code)
        query_count = len(captured)
        if explain is not None:
            explain(label, [query["sql"] for query in captured.captured_queries])
        gc.freeze()
        times = []
        for index in range(requests):
            url = urls[index % len(urls)]
            started = time.perf_counter()
            response = client.get(url)
            times.append(1000 * (time.perf_counter() - started))
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        p50 = statistics.median(times)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        print(
            f"{label}: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {len(times)} requests, "
            f"{query_count} queries; ratio to {target_ms:.0f} ms: {p95 / target_ms:.2f}",
            flush=True,
        )
        measures.append(
            Measure(
                name=f"page {label} ({scale})",
                value=f"p50 {p50:.0f} ms, p95 {p95:.0f} ms ({query_count} queries)",
                target=f"p95 < {target_ms:.0f} ms",
                reference=reference,
                ratio=f"{p95 / target_ms:.2f}",
                peak_memory_mb=peak_memory_mb(),
                passed=p95 < target_ms,
            )
        )
    return measures


def sequential_scans(sqls: list[str], big_tables: Sequence[str]) -> list[tuple[str, list[str]]]:
    """(SQL, plan lines) of each SELECT whose plan reads one of `big_tables` whole."""
    from django.db import connection

    scans: list[tuple[str, list[str]]] = []
    with connection.cursor() as cursor:
        for sql in sqls:
            if not sql.lstrip().upper().startswith("SELECT") or not any(
                table in sql for table in big_tables
            ):
                continue
            cursor.execute("EXPLAIN " + sql)
            lines = [row[0] for row in cursor.fetchall()]
            if set(re.findall(r"Seq Scan on (\w+)", "\n".join(lines))) & set(big_tables):
                scans.append((sql, lines))
    return scans


def scan_printer(big_tables: Sequence[str]) -> Explain:
    """An `explain` that prints the plan of each sequential scan on a big table."""

    def explain(label: str, sqls: list[str]) -> None:
        for sql, plan in sequential_scans(sqls, big_tables):
            print(
                f"-- sequential scan on a big table ({label}):\n{sql[:600]}\n"
                + "\n".join(plan)
                + "\n",
                flush=True,
            )

    return explain
