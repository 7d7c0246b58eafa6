"""Set up Django on a fresh, migrated benchmark database (test_<name>), like the tests do."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def bench_database() -> Iterator[None]:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.base")
    import django

    django.setup()
    from django.db import connection

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        yield
    finally:
        if os.environ.get("PORTAL_BENCH_KEEP_DATABASE") == "1":
            # A long seed can be measured again (PORTAL_BENCH_STATE_EXISTING=1 with
            # DATABASE_URL naming this database) without seeding it twice.
            print(f"benchmark database kept: {connection.settings_dict['NAME']}", flush=True)
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


@contextmanager
def timer() -> Iterator[list[float]]:
    """`with timer() as t: ...` then t[0] holds the seconds taken."""
    box: list[float] = []
    started = time.perf_counter()
    try:
        yield box
    finally:
        box.append(time.perf_counter() - started)
