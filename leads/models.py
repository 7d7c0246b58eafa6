"""Entities, their mentions in source records, the link graph and analysts' judgements.

Mentions and edge evidence point at source records by content type + id, so
that traces, incidents and ballistic matches can be attached without leads/
importing those apps.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from portal.models import Agency, AgencyOwned
from portal.record_urls import record_url


class EntityKind(models.TextChoices):
    PERSON = "person", "Person"
    FIREARM = "firearm", "Firearm"
    DEALER = "dealer", "Dealer"
    PLACE = "place", "Place"
    INCIDENT = "incident", "Incident"
    ALERT = "alert", "Gunshot alert"


class EdgeKind(models.TextChoices):
    PURCHASED = "purchased", "Purchased"
    POSSESSED = "possessed", "Possessed"
    SOLD_BY = "sold_by", "Sold by"
    RECOVERED_IN = "recovered_in", "Recovered in"
    INVOLVED_IN = "involved_in", "Involved in incident"
    ALERT_LINKED = "alert_linked", "Alert linked to incident"
    CASING_FROM = "casing_from", "Casing from incident"
    BALLISTIC_MATCH = "ballistic_match", "Ballistic match"
    SAME_PERSON = "same_person", "Same person"


class Entity(AgencyOwned):
    """A canonical person, firearm, dealer, place or incident: a cluster of mentions.

    Resolution clusters only within one agency, so every entity belongs to the
    agency of its mentions and is scoped like any other record.
    """

    # Indexed by entity_agency_kind (agency, kind, degree), not one by one: every index
    # is written for each of the millions of entities a state's first load creates.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False)
    kind = models.CharField(max_length=16, choices=EntityKind.choices)
    label = models.CharField(max_length=200, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    # Stored by the graph worker, so that pages never compute global metrics per request.
    degree = models.PositiveIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "entities"
        indexes = [models.Index(fields=["agency", "kind", "-degree"], name="entity_agency_kind")]

    def __str__(self) -> str:
        return self.label or f"{self.kind} {self.pk}"

    def get_absolute_url(self) -> str:
        return record_url("entity_detail", self.pk)


class EntityMention(AgencyOwned):
    """One source record's mention of an entity (a trace's purchaser, an incident's suspect)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="mentions")
    kind = models.CharField(max_length=16, choices=EntityKind.choices)
    # Indexed with object_id (Meta.indexes), as the lookups of a record's mentions read it.
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, db_index=False)
    object_id = models.PositiveBigIntegerField()
    source_record = GenericForeignKey("content_type", "object_id")
    role = models.CharField(max_length=32, blank=True)
    # What exports and pages call the source: "trace" / "incident" and its number.
    source = models.CharField(max_length=32, blank=True)
    reference = models.CharField(max_length=64, blank=True)
    # The engine's key for this mention, e.g. "trace:123:purchaser".
    key = models.CharField(max_length=120)
    # The compared fields as the source gave them (PersonRecord / FirearmRecord names).
    fields = models.JSONField(default=dict, blank=True)
    score = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        # The indexes are declared here rather than by unique=/db_index= on the fields,
        # which would add a second (pattern-matching) index to each text column, never
        # used: keys and kinds are matched whole.
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["kind"], name="mention_kind"),
        ]
        constraints = [models.UniqueConstraint(fields=["key"], name="mention_key_unique")]

    def __str__(self) -> str:
        return self.key


class MentionBlockingKey(models.Model):
    """A blocking-key hash of a person mention: the index incremental resolution looks up."""

    mention = models.ForeignKey(
        EntityMention, on_delete=models.CASCADE, related_name="blocking_keys"
    )
    rule = models.PositiveSmallIntegerField()
    key_hash = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["rule", "key_hash"])]

    def __str__(self) -> str:
        return f"{self.mention_id} rule {self.rule}"


class Edge(models.Model):
    """A link between two entities, with the source record that evidences it."""

    # source, target and evidence_type lead the indexes of Meta.indexes, which serve
    # their lookups: no index of their own (an edge table holds millions of rows).
    source = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="edges_out", db_index=False
    )
    target = models.ForeignKey(
        Entity, on_delete=models.CASCADE, related_name="edges_in", db_index=False
    )
    kind = models.CharField(max_length=24, choices=EdgeKind.choices)
    role = models.CharField(max_length=32, blank=True)
    evidence_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    evidence_id = models.PositiveBigIntegerField(null=True, blank=True)
    evidence = GenericForeignKey("evidence_type", "evidence_id")
    # The mentions the edge was drawn between: when resolution moves a mention to
    # another entity (a merge, or a split after an undone judgement), its edges follow.
    source_mention = models.ForeignKey(
        EntityMention, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    target_mention = models.ForeignKey(
        EntityMention, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    details = models.JSONField(default=dict, blank=True)
    first_seen = models.DateField(null=True, blank=True)
    last_seen = models.DateField(null=True, blank=True)

    class Meta:
        # One index per direction: an ego-network hop reads both with an index scan.
        indexes = [
            models.Index(fields=["source", "target"]),
            models.Index(fields=["target", "source"]),
            models.Index(fields=["evidence_type", "evidence_id"], name="edge_evidence"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


class Judgement(models.Model):
    """An analyst's decision that two mentions are, or are not, the same entity.

    Every resolution run respects it; deleting it (undo) lets the next run split
    or merge again.
    """

    class Decision(models.TextChoices):
        SAME = "same", "Same"
        DIFFERENT = "different", "Not the same"

    left = models.ForeignKey(EntityMention, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(EntityMention, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="one_judgement_per_pair")
        ]

    def __str__(self) -> str:
        return f"{self.left_id} {self.decision} {self.right_id}"


class MatchCandidate(models.Model):
    """A scored pair of person mentions: an accepted link or a pair for the review queue."""

    class Decision(models.TextChoices):
        LINK = "link", "Linked"
        REVIEW = "review", "For review"

    left = models.ForeignKey(EntityMention, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(EntityMention, on_delete=models.CASCADE, related_name="+")
    probability = models.FloatField()
    weight = models.FloatField()
    reasons = models.JSONField(default=list)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["left", "right"], name="one_candidate_per_pair")
        ]
        indexes = [models.Index(fields=["decision", "-probability"])]

    def __str__(self) -> str:
        return f"{self.left_id} ~ {self.right_id} ({self.probability:.3f})"


class ResolutionModel(models.Model):
    """The match model (m, u, prior) trained by the last full person resolution run."""

    parameters = models.JSONField()
    mentions = models.PositiveIntegerField(default=0)
    candidate_pairs = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"model of {self.created_at:%Y-%m-%d %H:%M}"


# --- Leads: raised by the rules (leads/rules.py), triaged, assigned and reported. ---


class LeadKind(models.TextChoices):
    BALLISTIC = "ballistic", "Ballistic link"
    TRAFFICKING = "trafficking", "Straw purchase / trafficking"
    REPEAT_GUN = "repeat_gun", "Repeat crime gun"
    PERSON_LINK = "person_link", "Person link"
    ALERT_CLUSTER = "alert_cluster", "Alert cluster with casings"


class LeadStatus(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    INVESTIGATING = "investigating", "Investigating"
    CLOSED = "closed", "Closed"


class LeadOutcome(models.TextChoices):
    ARREST = "arrest", "Arrest made"
    CASE_OPENED = "case_opened", "Case opened"
    REFERRED = "referred", "Referred to another agency"
    INSUFFICIENT = "insufficient", "Insufficient evidence"
    NO_ACTION = "no_action", "No further action"


class LeadPriority(models.IntegerChoices):
    HIGH = 1, "High"
    MEDIUM = 2, "Medium"
    LOW = 3, "Low"


class LeadSettings(AgencyOwned):
    """An agency's thresholds for raising leads; supervisors edit them (missing row: defaults)."""

    ttc_days = models.PositiveIntegerField(
        "short time-to-crime (days)",
        default=365,
        help_text="A trace recovered sooner than this after sale, with a possessor who is not "
        "the purchaser, raises a trafficking lead.",
    )
    purchaser_min_guns = models.PositiveIntegerField(
        default=2, help_text="Traced guns bought by one purchaser that raise a trafficking lead."
    )
    firearm_min_incidents = models.PositiveIntegerField(
        default=2, help_text="Incidents or recoveries one firearm is tied to for a repeat-gun lead."
    )
    alert_min_alerts = models.PositiveIntegerField(
        default=2, help_text="Alerts in one shooting event for an alert-cluster lead."
    )
    alert_min_casings = models.PositiveIntegerField(
        default=1, help_text="Recovered casings on the event's incidents for an alert-cluster lead."
    )
    person_min_records = models.PositiveIntegerField(
        default=2, help_text="Traces and incidents one resolved person appears in."
    )
    ballistic_potential_leads = models.BooleanField(
        default=True,
        help_text="Raise ballistic leads on an examiner's 'potential lead' (a NIBIN lead), not "
        "only on a confirmed match.",
    )
    goal_hours = models.PositiveIntegerField(
        default=48, help_text="Time-to-lead goal (CGIC: 24 to 48 hours)."
    )
    updated_by = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name_plural = "lead settings"
        constraints = [
            models.UniqueConstraint(fields=["agency"], name="one_lead_settings_per_agency")
        ]

    def __str__(self) -> str:
        return f"Lead settings of agency {self.agency_id}"


class Lead(AgencyOwned):
    """A lead for a detective: the facts (records) it stands on, its score and its workflow."""

    number = models.CharField(max_length=20, help_text="L-<year>-<sequence>, per agency.")
    kind = models.CharField(max_length=20, choices=LeadKind.choices, db_index=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    status = models.CharField(
        max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW, db_index=True
    )
    outcome = models.CharField(max_length=20, choices=LeadOutcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    assignee = models.ForeignKey(
        "portal.User", on_delete=models.PROTECT, null=True, blank=True, related_name="leads"
    )
    priority = models.PositiveSmallIntegerField(
        choices=LeadPriority.choices, default=LeadPriority.MEDIUM
    )
    score = models.FloatField(default=0.0, db_index=True)
    # [{"factor": "geography", "points": 20, "why": "..."}]: the score in words.
    score_explanation = models.JSONField(default=list, blank=True)
    # What makes two raisings the same facts: a second raising joins this lead.
    facts_key = models.CharField(max_length=200)
    evidence_entered_at = models.DateTimeField(
        null=True, blank=True, help_text="When the newest record that raised the lead was entered."
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-score", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="unique_lead_number"),
            models.UniqueConstraint(fields=["agency", "facts_key"], name="unique_lead_facts"),
        ]
        indexes = [models.Index(fields=["agency", "status", "-score"], name="lead_queue")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return record_url("leads:lead_detail", self.pk)

    @property
    def is_open(self) -> bool:
        return self.status != LeadStatus.CLOSED

    @property
    def score_words(self) -> str:
        return " ".join(str(part.get("why", "")) for part in self.score_explanation)


class LeadRecord(models.Model):
    """One source record a lead stands on, with the evidence for putting it on the lead."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="records")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    role = models.CharField(max_length=32, blank=True, help_text="casing, trace, incident, ...")
    label = models.CharField(max_length=200)
    # Kept at raising time so that pages and reports need no query per record.
    url = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField(null=True, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    evidence = models.JSONField(default=dict, blank=True, help_text="Why it is on the lead.")
    is_new = models.BooleanField(default=False, help_text="Joined after the lead was raised.")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["lead", "content_type", "object_id"], name="one_lead_record"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"], name="lead_record_target")]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.label}"

    @property
    def page_url(self) -> str:
        """The record's page: as kept at raising, else from its model when it has gained one
        since (most pages need only the id). Empty when the record has no page."""
        if self.url:
            return self.url
        model = self.content_type.model_class()
        if model is None or not hasattr(model, "get_absolute_url"):
            return ""
        try:
            return str(getattr(model(pk=self.object_id), "get_absolute_url")())  # noqa: B009
        except Exception:  # a page that needs more than the id: none is shown
            return ""


class LeadEvent(models.Model):
    """One line of a lead's history: raised, new facts, assigned, status changed."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        "portal.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20)
    text = models.CharField(max_length=500)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.action}"


class Notification(models.Model):
    """An in-app message to one user (a lead assigned to them)."""

    user = models.ForeignKey("portal.User", on_delete=models.CASCADE, related_name="notifications")
    lead = models.ForeignKey(
        Lead, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return self.text
