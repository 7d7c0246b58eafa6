"""Listeners to the source apps: each enqueues one task once the writing transaction commits.

Imports only say "agency N has new records"; the task finds them itself, so that
nothing is added twice, and the imports of one transaction ask for one sync of the
agency.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django.db import transaction

from ballistics.choices import Decision


class _Once:
    """An on-commit callback that stands for every request of its key in the transaction."""

    def __init__(self, key: Hashable, func: Callable[[], Any]) -> None:
        self.key = key
        self.func = func
        self.ran = False

    def __call__(self) -> None:
        self.ran = True
        self.func()


def on_commit_once(key: Hashable, func: Callable[[], Any]) -> None:
    """`transaction.on_commit(func)`, unless a callback of the same key already waits for
    this transaction's commit: the imports of one transaction (a first load writes
    every file of an agency in one) ask for one sync, each of which reads every record
    of the agency.

    The waiting callbacks are read from the connection's own list, which a rollback
    to a savepoint trims: a callback dropped with its savepoint is asked for again. One
    that has run stands for nothing more (a test's transaction, which never commits,
    runs its callbacks in place and keeps them in the list).
    """
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(
        isinstance(waiting, _Once) and waiting.key == key and not waiting.ran
        for _, waiting, _ in connection.run_on_commit
    ):
        return
    transaction.on_commit(_Once(key, func))


def agency_records_changed(sender: Any, *, agency_id: int, **kwargs: Any) -> None:
    """An import wrote records of the agency: sync its mentions and edges in a worker."""
    from leads.tasks import sources_sync

    on_commit_once(
        ("leads.sources_sync", agency_id),
        lambda: sources_sync.apply_async((agency_id,), queue="resolution"),
    )


def candidate_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """An examiner's decision on a ballistic candidate: the link graph and the casings'
    firearm follow (pending candidates, written by every correlation, are left alone)."""
    if instance.decision == Decision.PENDING:
        return
    from leads.tasks import ballistic_candidate

    candidate_id = instance.pk
    transaction.on_commit(
        lambda: ballistic_candidate.apply_async((candidate_id,), queue="resolution")
    )
