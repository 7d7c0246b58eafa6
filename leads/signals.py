"""What starts the lead rules, connected in LeadsConfig.ready() (no other app is edited).

An examiner's ballistic decision, a finished import or linking job and an
analyst's judgement each enqueue a rule task once their transaction commits,
so that the import or the decision never waits for the rules.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from portal.choices import JobStatus

# Imports write an audit row (event "import", on their job or source file) inside their
# transaction, whether they run on a worker or in a management command; the linking
# job, which writes none, is seen when its Celery task ends.
IMPORT_OBJECT_TYPES = frozenset({"portal.job", "portal.sourcefile"})
LINK_JOB_KINDS = frozenset({"incidents-link"})


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


def on_audit_event_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A finished import (its audit row commits with it) runs the agency's rules."""
    from portal.choices import AuditEventType

    if not created or instance.event_type != AuditEventType.IMPORT:
        return
    if instance.object_type not in IMPORT_OBJECT_TYPES or not instance.object_id.isdigit():
        return
    from portal.models import Job, SourceFile

    model = Job if instance.object_type == "portal.job" else SourceFile
    agency_id = (
        model.objects.filter(pk=instance.object_id).values_list("agency_id", flat=True).first()
    )
    if agency_id is not None:
        transaction.on_commit(lambda: rules_enqueue(agency_id))


def on_task_postrun(sender: Any = None, args: Any = None, **kwargs: Any) -> None:
    """After portal.job_run: a succeeded alert-linking job runs the agency's rules."""
    if getattr(sender, "name", "") != "portal.job_run" or not args:
        return
    from portal.models import Job

    job = (
        Job.objects.filter(pk=args[0], status=JobStatus.SUCCEEDED, kind__in=LINK_JOB_KINDS)
        .only("agency_id")
        .first()
    )
    if job is not None:
        rules_enqueue(job.agency_id)
