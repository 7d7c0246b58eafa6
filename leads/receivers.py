"""Listeners to the source apps: each enqueues one task once the writing transaction commits.

Imports only say "agency N has new records"; the task finds them itself, so that
a burst of imports costs one cheap anti-join each and nothing is added twice.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from ballistics.choices import Decision


def agency_records_changed(sender: Any, *, agency_id: int, **kwargs: Any) -> None:
    """An import wrote records of the agency: sync its mentions and edges in a worker."""
    from leads.tasks import sources_sync

    transaction.on_commit(lambda: sources_sync.apply_async((agency_id,), queue="resolution"))


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
