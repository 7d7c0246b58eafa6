"""Writes of the lead workflow: raising from findings, assignment, status, notifications.

(leads/services.py holds the entity-resolution writes; these are the lead's.)
Every status change goes through `lead_transition`, the one place the
allowed transitions are enforced.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from leads.models import (
    Lead,
    LeadEvent,
    LeadOutcome,
    LeadRecord,
    LeadSettings,
    LeadStatus,
    Notification,
)
from leads.rules import Finding
from leads.scoring import RecordFacts, lead_score
from portal.audit import audit_log
from portal.choices import AuditEventType
from portal.models import Agency, User

logger = logging.getLogger(__name__)

# new -> assigned -> investigating -> closed; a lead can be closed from any open state
# (a duplicate or a dead end is closed without investigation) and handed to another
# detective while assigned or investigating.
TRANSITIONS: dict[str, frozenset[str]] = {
    LeadStatus.NEW: frozenset({LeadStatus.ASSIGNED, LeadStatus.CLOSED}),
    LeadStatus.ASSIGNED: frozenset({LeadStatus.INVESTIGATING, LeadStatus.CLOSED}),
    LeadStatus.INVESTIGATING: frozenset({LeadStatus.CLOSED}),
    LeadStatus.CLOSED: frozenset(),
}


class TransitionRefused(ValidationError):
    """A status change the workflow does not allow."""


@dataclass(frozen=True)
class RaiseResult:
    lead: Lead
    created: bool
    added: int


def allowed_transitions(lead: Lead) -> list[str]:
    return [s for s in LeadStatus.values if s in TRANSITIONS[lead.status]]


def _next_number(agency: Agency, year: int) -> str:
    prefix = f"L-{year}-"
    numbers = Lead.objects.filter(agency=agency, number__startswith=prefix).values_list(
        "number", flat=True
    )
    last = max(
        (int(n.removeprefix(prefix)) for n in numbers if n.removeprefix(prefix).isdigit()),
        default=0,
    )
    return f"{prefix}{last + 1:04d}"


def _existing(finding: Finding) -> Lead | None:
    keys = [finding.facts_key, *finding.other_keys]
    lead = Lead.objects.filter(agency=finding.agency, facts_key__in=keys).order_by("pk").first()
    if lead is not None or not finding.anchors:
        return lead
    anchors = Q()
    for anchor in finding.anchors:
        anchors |= Q(
            records__content_type=ContentType.objects.get_for_model(anchor),
            records__object_id=anchor.pk,
        )
    return (
        Lead.objects.filter(agency=finding.agency, kind=finding.kind)
        .filter(anchors)
        .order_by("pk")
        .first()
    )


def lead_rescore(lead: Lead, *, today: dt.date | None = None) -> None:
    """Score the lead from all its records (after raising and after new facts)."""
    records = [
        RecordFacts(
            role=r.role,
            occurred_at=r.occurred_at,
            latitude=r.latitude,
            longitude=r.longitude,
            evidence=r.evidence,
        )
        for r in lead.records.all()
    ]
    score = lead_score(records, today=today or timezone.localdate())
    lead.score = score.total
    lead.priority = score.priority
    lead.score_explanation = score.explanation
    Lead.objects.filter(pk=lead.pk).update(
        score=score.total, priority=score.priority, score_explanation=score.explanation
    )


def _add_records(lead: Lead, finding: Finding, *, is_new: bool) -> int:
    existing = set(lead.records.values_list("content_type_id", "object_id"))
    added = 0
    for fact in finding.facts:
        content_type = ContentType.objects.get_for_model(fact.obj)
        if (content_type.pk, fact.obj.pk) in existing:
            continue
        existing.add((content_type.pk, fact.obj.pk))
        LeadRecord.objects.create(
            lead=lead,
            content_type=content_type,
            object_id=fact.obj.pk,
            role=fact.role,
            label=fact.label[:200],
            url=fact.url[:200],
            occurred_at=fact.occurred_at,
            latitude=fact.latitude,
            longitude=fact.longitude,
            evidence=fact.evidence,
            is_new=is_new,
        )
        added += 1
    return added


@transaction.atomic
def lead_raise(finding: Finding) -> RaiseResult:
    """Raise the finding as a lead, or join its new facts to the lead it is already on.

    The same facts raised twice (a redelivered task, a re-run after an import)
    change nothing; new facts join the existing lead, marked as new, and its
    assignee is told.
    """
    lead = _existing(finding)
    if lead is not None:
        added = _add_records(lead, finding, is_new=True)
        if added:
            LeadEvent.objects.create(
                lead=lead,
                action="facts_added",
                text=f"{added} new record{'s' if added != 1 else ''} joined the lead.",
            )
            lead_rescore(lead)
            if lead.assignee is not None:
                notification_send(
                    user=lead.assignee,
                    lead=lead,
                    text=f"New facts joined lead {lead.number}: {lead.title}",
                )
        return RaiseResult(lead=lead, created=False, added=added)
    now = timezone.now()
    for _attempt in range(5):
        try:
            with transaction.atomic():
                lead = Lead.objects.create(
                    agency=finding.agency,
                    number=_next_number(finding.agency, now.year),
                    kind=finding.kind,
                    title=finding.title[:200],
                    summary=finding.summary,
                    facts_key=finding.facts_key[:200],
                    evidence_entered_at=finding.evidence_entered_at,
                )
            break
        except IntegrityError:
            # Another worker took the number, or raised the same facts: look again.
            lead = Lead.objects.filter(agency=finding.agency, facts_key=finding.facts_key).first()
            if lead is not None:
                return RaiseResult(lead=lead, created=False, added=0)
    else:  # pragma: no cover - five collisions in a row
        raise RuntimeError("Could not number the lead")
    added = _add_records(lead, finding, is_new=False)
    LeadEvent.objects.create(lead=lead, action="raised", text=f"Raised: {finding.summary}"[:500])
    lead_rescore(lead)
    audit_log(
        request=None,
        event_type=AuditEventType.CREATE,
        obj=lead,
        username="system",
        detail={"kind": lead.kind, "records": added},
    )
    return RaiseResult(lead=lead, created=True, added=added)


def leads_raise(findings: Iterable[Finding]) -> dict[str, int]:
    counts = {"raised": 0, "joined": 0, "records": 0}
    for finding in findings:
        result = lead_raise(finding)
        if result.created:
            counts["raised"] += 1
        elif result.added:
            counts["joined"] += 1
        counts["records"] += result.added
    return counts


def _email_configured() -> bool:
    backend = getattr(settings, "EMAIL_BACKEND", "")
    if backend != "django.core.mail.backends.smtp.EmailBackend":
        return bool(backend)
    return getattr(settings, "EMAIL_HOST", "localhost") not in ("", "localhost")


def notification_send(*, user: User, lead: Lead | None, text: str) -> Notification:
    """An in-app notification, and an e-mail when an e-mail backend is configured."""
    notification = Notification.objects.create(
        user=user, lead=lead, text=text[:300], url=lead.get_absolute_url() if lead else ""
    )
    if user.email and _email_configured():
        body = f"{text}\n\nOpen it in the portal: {notification.url}\n"
        # The mail carries no person data: the lead's number and title, and a link.
        transaction.on_commit(
            lambda: send_mail(
                subject=f"[CGI portal] {text}"[:150],
                message=body,
                from_email=None,
                recipient_list=[user.email],
                fail_silently=True,
            )
        )
    return notification


def _check_assignee(lead: Lead, assignee: User) -> None:
    if assignee.agency_id != lead.agency_id or not assignee.is_active:
        raise ValidationError("A lead can only be assigned to an active user of its agency.")


@transaction.atomic
def lead_assign(*, lead: Lead, assignee: User, user: User) -> Lead:
    """Assign (or re-assign) the lead; a new lead moves to assigned."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.status == LeadStatus.CLOSED:
        raise TransitionRefused("A closed lead cannot be assigned.")
    _check_assignee(lead, assignee)
    if lead.assignee_id == assignee.pk:
        return lead
    lead.assignee = assignee
    lead.assigned_at = timezone.now()
    if lead.status == LeadStatus.NEW:
        lead.status = LeadStatus.ASSIGNED
    lead.save(update_fields=["assignee", "assigned_at", "status", "updated_at"])
    LeadEvent.objects.create(
        lead=lead, actor=user, action="assigned", text=f"Assigned to {assignee.username}."
    )
    audit_log(
        request=None,
        event_type=AuditEventType.UPDATE,
        obj=lead,
        user=user,
        detail={"assignee": assignee.username},
    )
    notification_send(
        user=assignee, lead=lead, text=f"Lead {lead.number} assigned to you: {lead.title}"
    )
    return lead


def leads_assign_bulk(*, leads: Iterable[Lead], assignee: User, user: User) -> int:
    done = 0
    for lead in leads:
        if lead.status != LeadStatus.CLOSED:
            lead_assign(lead=lead, assignee=assignee, user=user)
            done += 1
    return done


@transaction.atomic
def lead_transition(
    *, lead: Lead, status: str, user: User, outcome: str = "", note: str = ""
) -> Lead:
    """Move the lead to `status` if the workflow allows it; closing needs an outcome."""
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if status not in TRANSITIONS.get(lead.status, frozenset()):
        raise TransitionRefused(
            f"A lead cannot go from {LeadStatus(lead.status).label.lower()} to "
            f"{LeadStatus(status).label.lower() if status in LeadStatus.values else status}."
        )
    if status == LeadStatus.ASSIGNED and lead.assignee is None:
        raise TransitionRefused("Choose an assignee to assign the lead.")
    if status == LeadStatus.CLOSED:
        if outcome not in LeadOutcome.values:
            raise TransitionRefused("Closing a lead needs an outcome.")
        lead.outcome = outcome
        lead.outcome_note = note
        lead.closed_at = timezone.now()
    previous = lead.status
    lead.status = status
    lead.save()
    text = f"Status {LeadStatus(previous).label.lower()} -> {LeadStatus(status).label.lower()}"
    if outcome:
        text += f" ({LeadOutcome(outcome).label})"
    LeadEvent.objects.create(lead=lead, actor=user, action="status", text=(text + ".")[:500])
    audit_log(
        request=None,
        event_type=AuditEventType.UPDATE,
        obj=lead,
        user=user,
        detail={"status": status, "outcome": outcome},
    )
    return lead


def lead_records_seen(*, lead: Lead) -> int:
    """The assignee has seen the new facts: they are no longer flagged as new."""
    return LeadRecord.objects.filter(lead=lead, is_new=True).update(is_new=False)


def notifications_read(*, user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def lead_settings_update(*, agency: Agency, user: User, values: dict[str, Any]) -> LeadSettings:
    found, _ = LeadSettings.objects.get_or_create(agency=agency)
    for name, value in values.items():
        setattr(found, name, value)
    found.updated_by = user.get_username()
    found.save()
    audit_log(
        request=None,
        event_type=AuditEventType.UPDATE,
        obj=found,
        user=user,
        detail={k: str(v) for k, v in values.items()},
    )
    return found


def rules_run(*, agency: Agency, kinds: Iterable[str] | None = None) -> dict[str, int]:
    """Run the lead rules of an agency (after an import) and raise what they find."""
    from leads.rules import RULES

    counts = {"raised": 0, "joined": 0, "records": 0}
    for kind, rule in RULES.items():
        if kinds is not None and kind not in kinds:
            continue
        for key, value in leads_raise(rule(agency)).items():
            counts[key] += value
    return counts
