"""Thin Celery tasks: an id in, one service call."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from leads import metrics, services, sources


@shared_task(name="leads.resolve_mention", acks_late=True, soft_time_limit=110, time_limit=120)
def resolve_mention(mention_id: int) -> str:
    """Resolve a new mention against the existing ones (exits if it is gone)."""
    return services.mention_resolve(mention_id=mention_id)


@shared_task(name="leads.resolve_all", acks_late=True, soft_time_limit=3500, time_limit=3600)
def resolve_all(kind: str) -> dict[str, int]:
    result = services.kind_resolve_all(kind)
    services.graph_metrics_enqueue()
    return result


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


@shared_task(name="leads.sources_sync", acks_late=True, soft_time_limit=3500, time_limit=3600)
def sources_sync(agency_id: int) -> dict[str, Any]:
    """Mentions and edges for the agency's new source records, resolved incrementally."""
    result = sources.agency_sources_sync(agency_id=agency_id)
    if sources.sync_changed(result):
        graph_metrics.apply_async((agency_id,), queue="graph")
    # The rules again, now that the new records' people and guns are resolved.
    rules_run.apply_async((agency_id,), queue=LEADS_QUEUE)
    return result


@shared_task(name="leads.ballistic_candidate", acks_late=True, soft_time_limit=590, time_limit=600)
def ballistic_candidate(candidate_id: int) -> str:
    """A ballistic candidate's decision: its edge and the casings' firearm entity."""
    return sources.ballistic_candidate_apply(candidate_id=candidate_id)


@shared_task(name="leads.graph_metrics", acks_late=True, soft_time_limit=3500, time_limit=3600)
def graph_metrics(agency_id: int | None = None) -> dict[str, int]:
    """Degree, centrality and community of every entity (of one agency, or all)."""
    return metrics.graph_metrics_store(agency_id=agency_id)
