"""What starts the lead rules, connected in LeadsConfig.ready() (no other app is edited).

An examiner's ballistic decision and an analyst's judgement each enqueue a rule
task once their transaction commits, so that the decision never waits for the
rules. Imports and alert linking run the rules once, at the end of the graph
sync they start (leads.tasks.sources_sync), so the rules see the new records'
people and guns resolved.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction


def on_candidate_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    from ballistics.choices import Decision
    from leads.tasks import LEADS_QUEUE, ballistic_rule

    if instance.decision not in (Decision.CONFIRMED, Decision.POTENTIAL_LEAD):
        return
    candidate_id = instance.pk
    transaction.on_commit(
        lambda: ballistic_rule.apply_async(args=[candidate_id], queue=LEADS_QUEUE)
    )
    if instance.decision == Decision.CONFIRMED:
        # A confirmed test-fire match can make a repeat crime gun.
        agency_id = instance.agency_id
        transaction.on_commit(lambda: rules_enqueue(agency_id, ["repeat_gun"]))


def on_judgement_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    from leads.tasks import LEADS_QUEUE, person_link_rule

    agency_id = getattr(instance.decided_by, "agency_id", None)
    if agency_id is None:
        return
    mentions = [instance.left_id, instance.right_id]
    transaction.on_commit(
        lambda: person_link_rule.apply_async(args=[agency_id, mentions], queue=LEADS_QUEUE)
    )


def rules_enqueue(agency_id: int, kinds: list[str] | None = None) -> None:
    from leads.tasks import LEADS_QUEUE, rules_run

    rules_run.apply_async(args=[agency_id, kinds], queue=LEADS_QUEUE)
