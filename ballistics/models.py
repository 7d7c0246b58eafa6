"""Ballistic evidence (casings and test-fires) and their 3D breech-face scans."""

from __future__ import annotations

from django.db import models

from ballistics.choices import Decision, EvidenceKind, FiringPinShape
from portal.models import AgencyOwned
from portal.record_urls import record_url


class Evidence(AgencyOwned):
    """One cartridge case: found at a scene or test-fired from a recovered firearm."""

    exhibit_number = models.CharField(max_length=64)
    incident = models.ForeignKey(
        "incidents.Incident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ballistic_evidence",
    )
    kind = models.CharField(
        max_length=20, choices=EvidenceKind.choices, default=EvidenceKind.SCENE_CASING
    )
    firearm = models.ForeignKey(
        "tracing.Firearm",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="test_fires",
        help_text="For a test-fire: the recovered (traced) firearm it was fired from.",
    )
    firearm_description = models.CharField(
        max_length=200, blank=True, help_text="For a test-fire: the recovered firearm."
    )
    caliber = models.CharField(max_length=40, blank=True)
    headstamp = models.CharField(max_length=80, blank=True)
    firing_pin_shape = models.CharField(max_length=20, choices=FiringPinShape.choices, blank=True)
    breech_face_marks = models.CharField("breech face class marks", max_length=80, blank=True)
    ejector_position = models.CharField(max_length=40, blank=True)
    recovered_at = models.DateTimeField(null=True, blank=True)
    recovered_by = models.CharField(max_length=120, blank=True)
    custody_log = models.JSONField(
        default=list, blank=True, help_text="Chain-of-custody entries: {at, by, action}."
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "exhibit_number"], name="ballistics_evidence_exhibit_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.exhibit_number

    def get_absolute_url(self) -> str:
        return record_url("ballistics:evidence_detail", self.pk)


class Photograph(AgencyOwned):
    """A photograph of an evidence item: the original kept with its SHA-256, shown re-encoded."""

    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="photographs")
    caption = models.CharField(max_length=200, blank=True)
    original_name = models.CharField(max_length=255)
    original_path = models.CharField(max_length=255)
    display_path = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    image_type = models.CharField(max_length=10)

    class Meta:
        ordering = ["evidence", "pk"]

    def __str__(self) -> str:
        return self.original_name


class Scan(AgencyOwned):
    """A 3D breech-face scan (X3P) with the engine's features computed once at import."""

    evidence = models.ForeignKey(
        Evidence, on_delete=models.CASCADE, null=True, blank=True, related_name="scans"
    )
    original_name = models.CharField(max_length=255)
    stored_name = models.CharField(max_length=64, unique=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    # The correlation class: only scans of the same caliber and firing-pin shape are compared.
    caliber = models.CharField(max_length=40, blank=True, db_index=True)
    firing_pin_shape = models.CharField(max_length=20, blank=True)
    rows = models.PositiveIntegerField()
    columns = models.PositiveIntegerField()
    resolution_um = models.FloatField()
    valid_fraction = models.FloatField()
    # Engine features: the preprocessed surface (float32) and the coarse signature.
    prepared_side = models.PositiveIntegerField()
    prepared_resolution_um = models.FloatField()
    prepared = models.BinaryField()
    signature = models.BinaryField()

    class Meta:
        ordering = ["original_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "sha256"], name="ballistics_scan_sha256_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return record_url("ballistics:scan_detail", self.pk)


class Candidate(AgencyOwned):
    """A stored scan ranked against a new scan, with the examiner's decision.

    A confirmed (or potential) match records both scans, hence both evidence
    items and their incidents, so that a ballistic lead can be raised from it.
    """

    query = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="candidates")
    candidate = models.ForeignKey(Scan, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveIntegerField()
    coarse_score = models.FloatField()
    score = models.FloatField(help_text="Congruent matching cells (mean of both directions).")
    angle = models.FloatField(default=0.0)
    dx_um = models.FloatField(default=0.0)
    dy_um = models.FloatField(default=0.0)
    cells = models.JSONField(default=list, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    examiner = models.ForeignKey(
        "portal.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    examined_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["query", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["query", "candidate"], name="ballistics_candidate_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.query} ~ {self.candidate}: {self.score:g}"

    def get_absolute_url(self) -> str:
        return record_url("ballistics:candidate_detail", self.pk)
