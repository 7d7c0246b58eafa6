"""Thin Celery tasks: an id in, one service call."""

from __future__ import annotations

from celery import shared_task

from leads import services


@shared_task(name="leads.resolve_mention", acks_late=True, soft_time_limit=110, time_limit=120)
def resolve_mention(mention_id: int) -> str:
    """Resolve a new mention against the existing ones (exits if it is gone)."""
    return services.mention_resolve(mention_id=mention_id)


@shared_task(name="leads.resolve_all", acks_late=True, time_limit=3600)
def resolve_all(kind: str) -> dict[str, int]:
    return services.kind_resolve_all(kind)


# --- Raising leads: queued after an import, a ballistic decision or a judgement commits. ---

LEADS_QUEUE = "graph"


@shared_task(
    name="leads.rules_run",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=1700,
    time_limit=1800,
)
def rules_run(agency_id: int, kinds: list[str] | None = None) -> dict[str, int]:
    """Run an agency's lead rules (idempotent: the same facts raise nothing new)."""
    from leads.workflow import rules_run as run
    from portal.models import Agency

    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return {}
    return run(agency=agency, kinds=kinds)


@shared_task(
    name="leads.ballistic_rule",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=110,
    time_limit=120,
)
def ballistic_rule(candidate_id: int) -> dict[str, int]:
    """Raise (or join) the ballistic lead of one decided candidate; exits if it is gone."""
    from leads.rules import ballistic_finding, candidates_with_evidence
    from leads.workflow import leads_raise

    candidate = candidates_with_evidence().filter(pk=candidate_id).first()
    finding = ballistic_finding(candidate) if candidate is not None else None
    if finding is None:
        return {}
    return leads_raise([finding])


@shared_task(
    name="leads.person_link_rule",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=280,
    time_limit=300,
)
def person_link_rule(agency_id: int, mention_ids: list[int]) -> dict[str, int]:
    """Re-check the person links of the entities the judged mentions now belong to."""
    from leads.models import EntityMention
    from leads.rules import person_link_findings
    from leads.workflow import leads_raise
    from portal.models import Agency

    agency = Agency.objects.filter(pk=agency_id).first()
    if agency is None:
        return {}
    entities = EntityMention.objects.filter(pk__in=mention_ids).values_list("entity_id", flat=True)
    return leads_raise(person_link_findings(agency, entity_ids=list(entities)))
