"""Crime incidents, the people in them, gunshot-detection alerts and the links between them.

Every record imported from a file keeps its SourceFile, row number and row
hash, so a link can show the evidence it stands on.
"""

from __future__ import annotations

import math

from django.db import models
from django.db.models.functions import Upper

from portal.incidents.choices import AlertType, LinkRule, PersonRole, ReceivedVia
from portal.models import AgencyOwned, SourceFile
from portal.record_urls import record_url

# Metres in one degree of latitude (and of longitude at the equator).
METRES_PER_DEGREE = 111_320.0


def rounding_uncertainty_m(decimals: int | None) -> float:
    """How far a point written with `decimals` decimal places may lie from the true point.

    Public exports round coordinates (3 decimals is about 100 m, 2 about 1 km);
    half the rounding cell's diagonal is the worst case. Five or more decimals
    (a metre or less) count as exact.
    """
    if decimals is None or decimals >= 5:
        return 0.0
    return 0.5 * (10.0**-decimals) * METRES_PER_DEGREE * math.sqrt(2.0)


class SourceRecord(models.Model):
    """Abstract: where a record came from (file, sheet, row and the row's hash)."""

    source_file = models.ForeignKey(
        SourceFile, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source_sheet = models.CharField(max_length=100, blank=True)
    source_row = models.PositiveIntegerField(null=True, blank=True)
    row_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        abstract = True


class Incident(AgencyOwned, SourceRecord):
    """A crime incident as the agency's records system reported it."""

    incident_number = models.CharField(max_length=64)
    occurred_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty when the source gives only the date."
    )
    occurred_date = models.DateField(help_text="Local date of the incident.")
    occurred_date_only = models.BooleanField(default=False)
    reported_at = models.DateTimeField(null=True, blank=True)
    offense = models.CharField(max_length=200, blank=True)
    ncic_code = models.CharField("NCIC code", max_length=10, blank=True)
    weapon = models.CharField(max_length=100, blank=True)
    address = models.CharField(max_length=300, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    coordinate_decimals = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Decimal places the source gave its coordinates with."
    )
    location_uncertainty_m = models.FloatField(default=0.0)
    district = models.CharField(max_length=50, blank=True)
    beat = models.CharField(max_length=50, blank=True)
    killed = models.PositiveSmallIntegerField(default=0)
    injured = models.PositiveSmallIntegerField(default=0)
    narrative = models.TextField(blank=True)

    class Meta:
        ordering = ["-occurred_date", "-occurred_at", "incident_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "incident_number"], name="unique_incident_number_per_agency"
            )
        ]
        indexes = [
            models.Index(fields=["agency", "occurred_at"], name="incident_agency_time"),
            models.Index(fields=["agency", "occurred_date"], name="incident_agency_date"),
            # Linking looks up the date-only incidents of an alert's day.
            models.Index(
                fields=["agency", "occurred_date"],
                condition=models.Q(occurred_at__isnull=True),
                name="incident_date_only",
            ),
            models.Index(fields=["latitude", "longitude"], name="incident_lat_lon"),
            # The list's order: its first page is read off the index, not sorted.
            models.Index(
                fields=["-occurred_date", "-occurred_at", "incident_number"],
                name="incident_list_order",
            ),
            # The list's exact filters (iexact compares upper-cased text).
            models.Index(Upper("district"), name="incident_district_upper"),
            models.Index(Upper("beat"), name="incident_beat_upper"),
        ]

    def __str__(self) -> str:
        return f"Incident {self.incident_number}"

    def get_absolute_url(self) -> str:
        return record_url("incidents:incident_detail", self.pk)


class IncidentPerson(AgencyOwned, SourceRecord):
    """A victim, suspect, witness or arrestee of an incident, kept as the source wrote them."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="persons")
    role = models.CharField(max_length=20, choices=PersonRole.choices)
    last_name = models.CharField(max_length=100, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    middle_name = models.CharField(max_length=100, blank=True)
    dob = models.DateField("date of birth", null=True, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    sex = models.CharField(max_length=20, blank=True)
    race = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=20, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    fatal = models.BooleanField(null=True, blank=True)
    # Identifies the person within the incident across re-imports of the same file.
    person_key = models.CharField(max_length=64)

    class Meta:
        ordering = ["incident", "role", "last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "person_key"], name="unique_person_key")
        ]

    def __str__(self) -> str:
        name = ", ".join(part for part in (self.last_name, self.first_name) if part)
        return f"{self.get_role_display()} {name or '(unnamed)'}"

    def get_absolute_url(self) -> str:
        return self.incident.get_absolute_url()


class ShootingEvent(AgencyOwned):
    """Alerts close in space and time (100 m, 5 minutes by default) taken as one shooting."""

    first_fired_at = models.DateTimeField()
    last_fired_at = models.DateTimeField()
    latitude = models.FloatField()
    longitude = models.FloatField()
    alert_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-first_fired_at"]

    def __str__(self) -> str:
        return f"Shooting event {self.pk} ({self.alert_count} alerts)"


class ShotSpotterAlert(AgencyOwned, SourceRecord):
    """One gunshot-detection alert, from an imported export or the live feed."""

    source_id = models.CharField(max_length=64)
    source_id_synthetic = models.BooleanField(
        default=False, help_text="The source gave no id; this one is derived from the row."
    )
    fired_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty when the source gives only the date."
    )
    fired_date = models.DateField(help_text="Local date of the alert.")
    latitude = models.FloatField()
    longitude = models.FloatField()
    coordinate_decimals = models.PositiveSmallIntegerField(null=True, blank=True)
    location_uncertainty_m = models.FloatField(default=0.0)
    alert_type = models.CharField(max_length=30, choices=AlertType.choices, blank=True)
    rounds = models.PositiveSmallIntegerField(null=True, blank=True)
    coverage_area = models.CharField(max_length=100, blank=True)
    beat = models.CharField(max_length=50, blank=True)
    address = models.CharField(max_length=300, blank=True)
    received_via = models.CharField(
        max_length=10, choices=ReceivedVia.choices, default=ReceivedVia.FILE
    )
    event = models.ForeignKey(
        ShootingEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )

    class Meta:
        ordering = ["-fired_date", "-fired_at", "source_id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "source_id"], name="unique_alert_per_agency")
        ]
        indexes = [
            models.Index(fields=["agency", "fired_at"], name="alert_agency_time"),
            models.Index(fields=["agency", "fired_date"], name="alert_agency_date"),
            models.Index(fields=["latitude", "longitude"], name="alert_lat_lon"),
            models.Index(fields=["-fired_date", "-fired_at", "source_id"], name="alert_list_order"),
            # The list's exact filters (iexact compares upper-cased text).
            models.Index(Upper("source_id"), name="alert_source_id_upper"),
            models.Index(Upper("coverage_area"), name="alert_coverage_area_upper"),
            models.Index(fields=["alert_type"], name="alert_type"),
            # The live view: the last 24 hours of every agency the user may see.
            models.Index(fields=["fired_at"], name="alert_fired_at"),
            models.Index(fields=["received_via"], name="alert_received_via"),
        ]

    def __str__(self) -> str:
        return f"Alert {self.source_id}"

    def get_absolute_url(self) -> str:
        return record_url("incidents:alert_detail", self.pk)

    @property
    def date_only(self) -> bool:
        return self.fired_at is None


class AlertIncidentLink(AgencyOwned):
    """An alert near an incident in space and time, with the figures that made the link."""

    alert = models.ForeignKey(
        ShotSpotterAlert, on_delete=models.CASCADE, related_name="incident_links"
    )
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="alert_links")
    distance_m = models.FloatField()
    minutes = models.FloatField(
        null=True, blank=True, help_text="Incident time minus alert time; empty for date-only."
    )
    rule = models.CharField(max_length=20, choices=LinkRule.choices)
    radius_m = models.FloatField(help_text="The radius the rule applied, widened for rounding.")

    class Meta:
        ordering = ["alert", "distance_m"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "incident"], name="unique_alert_incident")
        ]
        indexes = [models.Index(fields=["incident"], name="link_incident")]

    def __str__(self) -> str:
        return f"{self.alert} ~ {self.incident} ({self.distance_m:.0f} m)"


class AlertPairLink(AgencyOwned):
    """Two alerts within the clustering radius and window: the same shooting."""

    alert = models.ForeignKey(ShotSpotterAlert, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(ShotSpotterAlert, on_delete=models.CASCADE, related_name="+")
    distance_m = models.FloatField()
    minutes = models.FloatField(help_text="Other's time minus the alert's time.")
    rule = models.CharField(max_length=20, choices=LinkRule.choices, default=LinkRule.CLUSTER)

    class Meta:
        ordering = ["alert", "other"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "other"], name="unique_alert_pair"),
            models.CheckConstraint(
                condition=models.Q(alert__lt=models.F("other")), name="alert_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["other"], name="pair_other")]

    def __str__(self) -> str:
        return f"{self.alert_id} ~ {self.other_id} ({self.distance_m:.0f} m)"
