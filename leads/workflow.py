"""Writes of the lead workflow: raising from findings, assignment, status, notifications.

(leads/services.py holds the entity-resolution writes; these are the lead's.)
Every status change goes through `lead_transition`, the one place the
allowed transitions are enforced.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Max
from django.db.models.functions import Cast, Substr
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
from leads.rules import Fact, Finding
from leads.scoring import RecordFacts, lead_score
from portal.audit import audit_log, audit_log_system_bulk
from portal.bulk import copy_rows, reserve_ids
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


def _last_number(agency_id: int, year: int) -> int:
    """The highest sequence of the agency's L-<year>-NNNN numbers (0 when none)."""
    prefix = f"L-{year}-"
    last = (
        Lead.objects.filter(agency_id=agency_id, number__regex=rf"^{prefix}[0-9]+$")
        .annotate(sequence=Cast(Substr("number", len(prefix) + 1), BigIntegerField()))
        .aggregate(last=Max("sequence"))["last"]
    )
    return int(last or 0)


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


# A lead of one raising run: (0, pk) for a lead already stored, (1, n) for the n-th lead
# the run creates; the order is the order of their primary keys.
LeadRef = tuple[int, int]
_CHUNK = 10_000


@dataclass
class _RunLead:
    ref: LeadRef
    kind: str
    records: set[tuple[int, int]]
    finding: Finding | None = None  # the finding that raised it (a new lead)
    added: list[tuple[Fact, bool]] = field(default_factory=list)  # records to write, is_new


@dataclass
class _Plan:
    """What raising the findings of one agency writes, decided before any write."""

    findings: list[Finding]
    leads: dict[LeadRef, _RunLead]
    # Per finding, in order: the lead it went to, whether it created it, records added.
    outcomes: list[tuple[LeadRef, bool, int]]


def _chunks(values: Iterable[Any]) -> Iterable[list[Any]]:
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _ContentTypeIds(dict[type, int]):
    """The content type id of each model class one run meets, looked up once per class
    (a state's run names millions of records; Django's own cache costs a few
    microseconds a call). Never kept past the run: a flushed test database renumbers
    the content types."""

    def __missing__(self, model: type) -> int:
        found = self[model] = int(ContentType.objects.get_for_model(model).pk)
        return found


def _plan(agency_id: int, findings: list[Finding], content_types: _ContentTypeIds) -> _Plan:
    """Which lead each finding raises or joins, exactly as raising them one at a time would:
    a lead holding one of the finding's keys, else a lead of its kind holding one of its
    anchors (the oldest such lead), else a new lead; leads raised earlier in the run count."""
    keys = {key for finding in findings for key in (finding.facts_key, *finding.other_keys)}
    by_key: dict[str, LeadRef] = {}
    kind_of: dict[int, str] = {}
    for chunk in _chunks(sorted(keys)):
        for key, pk, kind in Lead.objects.filter(
            agency_id=agency_id, facts_key__in=chunk
        ).values_list("facts_key", "pk", "kind"):
            by_key[key] = (0, pk)
            kind_of[pk] = kind
    anchors: dict[int, set[int]] = defaultdict(set)
    for finding in findings:
        for anchor in finding.anchors:
            anchors[content_types[type(anchor)]].add(anchor.pk)
    by_anchor: dict[tuple[str, int, int], LeadRef] = {}
    for content_type_id, object_ids in anchors.items():
        for chunk in _chunks(sorted(object_ids)):
            for kind, object_id, pk in LeadRecord.objects.filter(
                lead__agency_id=agency_id, content_type_id=content_type_id, object_id__in=chunk
            ).values_list("lead__kind", "object_id", "lead_id"):
                place = (kind, content_type_id, object_id)
                by_anchor[place] = min(by_anchor.get(place, (0, pk)), (0, pk))
                kind_of[pk] = kind
    stored: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for chunk in _chunks(sorted(kind_of)):
        for pk, content_type_id, object_id in LeadRecord.objects.filter(
            lead_id__in=chunk
        ).values_list("lead_id", "content_type_id", "object_id"):
            stored[pk].add((content_type_id, object_id))
    leads: dict[LeadRef, _RunLead] = {}
    outcomes: list[tuple[LeadRef, bool, int]] = []
    for finding in findings:
        found = [by_key[key] for key in (finding.facts_key, *finding.other_keys) if key in by_key]
        if not found:
            found = [
                by_anchor[place]
                for place in (
                    (finding.kind, content_types[type(anchor)], anchor.pk)
                    for anchor in finding.anchors
                )
                if place in by_anchor
            ]
        created = not found
        if created:
            ref: LeadRef = (1, len(leads))
            lead = leads[ref] = _RunLead(ref=ref, kind=finding.kind, records=set(), finding=finding)
            by_key.setdefault(finding.facts_key[:200], ref)
        else:
            ref = min(found)
            if ref not in leads:
                leads[ref] = _RunLead(ref=ref, kind=kind_of[ref[1]], records=stored[ref[1]])
            lead = leads[ref]
        added = 0
        for fact in finding.facts:
            record = (content_types[type(fact.obj)], fact.obj.pk)
            if record in lead.records:
                continue
            lead.records.add(record)
            lead.added.append((fact, not created))
            added += 1
            held = (lead.kind, *record)
            by_anchor[held] = min(by_anchor.get(held, ref), ref)
        outcomes.append((ref, created, added))
    # New leads keep their creation order in `leads` (refs (1, n) in n order).
    return _Plan(findings=findings, leads=leads, outcomes=outcomes)


def _record_facts(fact: Fact) -> RecordFacts:
    return RecordFacts(
        role=fact.role,
        occurred_at=fact.occurred_at,
        latitude=fact.latitude,
        longitude=fact.longitude,
        evidence=fact.evidence,
    )


def _write(agency_id: int, plan: _Plan, content_types: _ContentTypeIds) -> dict[LeadRef, int]:
    """Write the plan: leads, records and events in one COPY each; returns the lead ids."""
    new = sorted(ref for ref in plan.leads if ref[0] == 1)
    ids = dict(zip(new, reserve_ids(Lead, len(new)), strict=True))
    pk_of = {ref: ids.get(ref, ref[1]) for ref in plan.leads}
    now = timezone.now()
    last = _last_number(agency_id, now.year)
    today = timezone.localdate()
    lead_rows = []
    for position, ref in enumerate(new, start=1):
        lead = plan.leads[ref]
        finding = lead.finding
        assert finding is not None
        score = lead_score([_record_facts(fact) for fact, _new in lead.added], today=today)
        lead_rows.append(
            (
                ids[ref],
                agency_id,
                f"L-{now.year}-{last + position:04d}",
                finding.kind,
                finding.title[:200],
                finding.summary,
                finding.facts_key[:200],
                finding.evidence_entered_at,
                score.total,
                score.priority,
                score.explanation,
            )
        )
    copy_rows(
        Lead,
        [
            "id",
            "agency_id",
            "number",
            "kind",
            "title",
            "summary",
            "facts_key",
            "evidence_entered_at",
            "score",
            "priority",
            "score_explanation",
        ],
        lead_rows,
    )
    copy_rows(
        LeadRecord,
        [
            "lead_id",
            "content_type_id",
            "object_id",
            "role",
            "label",
            "url",
            "occurred_at",
            "latitude",
            "longitude",
            "evidence",
            "is_new",
        ],
        (
            (
                pk_of[ref],
                content_types[type(fact.obj)],
                fact.obj.pk,
                fact.role,
                fact.label[:200],
                fact.url[:200],
                fact.occurred_at,
                fact.latitude,
                fact.longitude,
                fact.evidence,
                is_new,
            )
            for ref, lead in plan.leads.items()
            for fact, is_new in lead.added
        ),
    )
    events = []
    for (ref, created, added), finding in zip(plan.outcomes, plan.findings, strict=True):
        if created:
            events.append((pk_of[ref], "raised", f"Raised: {finding.summary}"[:500]))
        elif added:
            text = f"{added} new record{'s' if added != 1 else ''} joined the lead."
            events.append((pk_of[ref], "facts_added", text))
    copy_rows(LeadEvent, ["lead_id", "action", "text"], events)
    return pk_of


def _raise_agency(agency_id: int, findings: list[Finding]) -> list[tuple[int, bool, int]]:
    """Raise one agency's findings in bulk; per finding (lead id, created, records added)."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                content_types = _ContentTypeIds()
                plan = _plan(agency_id, findings, content_types)
                pk_of = _write(agency_id, plan, content_types)
            break
        except IntegrityError:
            # Another worker took a number, or raised the same facts: plan again.
            continue
    else:  # pragma: no cover - five collisions in a row
        raise RuntimeError("Could not number the leads")
    outcomes = [(pk_of[ref], created, added) for ref, created, added in plan.outcomes]
    joined = [(pk, added) for (pk, created, added) in outcomes if not created and added]
    stored = Lead.objects.in_bulk({pk for pk, _added in joined})
    for pk in {pk for pk, _added in joined}:
        lead_rescore(stored[pk])
    for pk, _added in joined:
        lead = stored[pk]
        if lead.assignee_id is not None and lead.assignee is not None:
            notification_send(
                user=lead.assignee,
                lead=lead,
                text=f"New facts joined lead {lead.number}: {lead.title}",
            )
    audit_log_system_bulk(
        event_type=AuditEventType.CREATE,
        model=Lead,
        entries=[
            (pk, {"kind": finding.kind, "records": added})
            for (pk, created, added), finding in zip(outcomes, findings, strict=True)
            if created
        ],
    )
    return outcomes


@transaction.atomic
def lead_raise(finding: Finding) -> RaiseResult:
    """Raise the finding as a lead, or join its new facts to the lead it is already on.

    The same facts raised twice (a redelivered task, a re-run after an import)
    change nothing; new facts join the existing lead, marked as new, and its
    assignee is told.
    """
    ((pk, created, added),) = _raise_agency(finding.agency.pk, [finding])
    return RaiseResult(lead=Lead.objects.get(pk=pk), created=created, added=added)


@transaction.atomic
def leads_raise(findings: Iterable[Finding]) -> dict[str, int]:
    """Raise many findings at once: the same leads, numbers, records, events and
    notifications as `lead_raise` on each in turn, written in bulk per agency."""
    by_agency: dict[int, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_agency[finding.agency.pk].append(finding)
    counts = {"raised": 0, "joined": 0, "records": 0}
    for agency_id, agency_findings in by_agency.items():
        for _pk, created, added in _raise_agency(agency_id, agency_findings):
            if created:
                counts["raised"] += 1
            elif added:
                counts["joined"] += 1
            counts["records"] += added
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
