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
from django.urls import reverse

from portal.models import AgencyOwned


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

    kind = models.CharField(max_length=16, choices=EntityKind.choices, db_index=True)
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
        return reverse("entity_detail", args=[self.pk])


class EntityMention(AgencyOwned):
    """One source record's mention of an entity (a trace's purchaser, an incident's suspect)."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="mentions")
    kind = models.CharField(max_length=16, choices=EntityKind.choices, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    source_record = GenericForeignKey("content_type", "object_id")
    role = models.CharField(max_length=32, blank=True)
    # What exports and pages call the source: "trace" / "incident" and its number.
    source = models.CharField(max_length=32, blank=True)
    reference = models.CharField(max_length=64, blank=True)
    # The engine's key for this mention, e.g. "trace:123:purchaser".
    key = models.CharField(max_length=120, unique=True)
    # The compared fields as the source gave them (PersonRecord / FirearmRecord names).
    fields = models.JSONField(default=dict, blank=True)
    score = models.FloatField(null=True, blank=True)
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"])]

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

    source = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="edges_out")
    target = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="edges_in")
    kind = models.CharField(max_length=24, choices=EdgeKind.choices)
    role = models.CharField(max_length=32, blank=True)
    evidence_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
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
