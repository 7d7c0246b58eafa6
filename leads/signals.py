"""What starts the lead rules, connected in LeadsConfig.ready() (no other app is edited).

An examiner's ballistic decision, a finished import or linking job and an
analyst's judgement each enqueue a rule task once their transaction commits,
so that the import or the decision never waits for the rules.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.choices import JobStatus

# The jobs after which the agency's rules run: trace and incident imports, alert linking.
RULE_JOB_KINDS = frozenset(
    {"etrace", "incidents", "incident-persons", "shotspotter", "incidents-link"}
)


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


def on_task_postrun(sender: Any = None, args: Any = None, **kwargs: Any) -> None:
    """After portal.job_run: a succeeded import or linking job runs the agency's rules."""
    if getattr(sender, "name", "") != "portal.job_run" or not args:
        return
    from portal.models import Job

    job = (
        Job.objects.filter(pk=args[0], status=JobStatus.SUCCEEDED, kind__in=RULE_JOB_KINDS)
        .only("agency_id")
        .first()
    )
    if job is not None:
        rules_enqueue(job.agency_id)
