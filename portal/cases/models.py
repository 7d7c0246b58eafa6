"""Cases: a detective's investigation and the records gathered in it.

A case item points at its record by content type + id, so that incidents,
firearms, person mentions, entities, alerts, ballistic evidence and leads can
all be added without the cases app knowing every model (a new kind of record
needs no schema change).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models

from portal.cases.choices import CaseStatus
from portal.models import AgencyOwned
from portal.record_urls import record_url


class Case(AgencyOwned):
    """An investigation: numbered per agency, led by one detective."""

    number = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    lead_detective = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases_led",
    )
    status = models.CharField(max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="unique_case_number")
        ]
        indexes = [models.Index(fields=["lead_detective", "status"], name="case_detective_status")]

    def __str__(self) -> str:
        return f"Case {self.number}: {self.title}"

    def get_absolute_url(self) -> str:
        return record_url("cases:case_detail", self.pk)


class CaseItem(AgencyOwned):
    """One record in a case (an incident, a firearm, a person, an alert, evidence, a lead)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="items")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    record = GenericForeignKey("content_type", "object_id")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-added_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "content_type", "object_id"], name="unique_case_item"
            )
        ]
        # "Which cases hold this record?" from a record's own page.
        indexes = [models.Index(fields=["content_type", "object_id"], name="case_item_record")]

    def __str__(self) -> str:
        return f"{self.case.number}: {self.content_type.model} {self.object_id}"
