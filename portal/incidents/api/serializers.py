from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from portal.incidents.importers import Bounds, alert_type_of, load_profile, spelling_lookup
from portal.incidents.models import (
    AlertIncidentLink,
    Incident,
    IncidentPerson,
    ShotSpotterAlert,
)
from portal.tabular import decimals_of


class IncidentPersonSerializer(serializers.ModelSerializer[IncidentPerson]):
    class Meta:
        model = IncidentPerson
        fields = [
            "id",
            "role",
            "last_name",
            "first_name",
            "middle_name",
            "dob",
            "age",
            "sex",
            "race",
            "address",
            "city",
            "state",
            "zip_code",
            "fatal",
        ]


class LinkedAlertSerializer(serializers.ModelSerializer[AlertIncidentLink]):
    alert_source_id = serializers.CharField(source="alert.source_id", read_only=True)

    class Meta:
        model = AlertIncidentLink
        fields = ["alert", "alert_source_id", "distance_m", "minutes", "rule", "radius_m"]


class LinkedIncidentSerializer(serializers.ModelSerializer[AlertIncidentLink]):
    incident_number = serializers.CharField(source="incident.incident_number", read_only=True)

    class Meta:
        model = AlertIncidentLink
        fields = ["incident", "incident_number", "distance_m", "minutes", "rule", "radius_m"]


_INCIDENT_FIELDS = [
    "id",
    "agency",
    "incident_number",
    "occurred_at",
    "occurred_date",
    "occurred_date_only",
    "reported_at",
    "offense",
    "ncic_code",
    "weapon",
    "address",
    "latitude",
    "longitude",
    "location_uncertainty_m",
    "district",
    "beat",
    "killed",
    "injured",
]


class IncidentSerializer(serializers.ModelSerializer[Incident]):
    class Meta:
        model = Incident
        fields = _INCIDENT_FIELDS


class IncidentDetailSerializer(serializers.ModelSerializer[Incident]):
    persons = IncidentPersonSerializer(many=True, read_only=True)
    alert_links = LinkedAlertSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [*_INCIDENT_FIELDS, "narrative", "persons", "alert_links"]


_ALERT_FIELDS = [
    "id",
    "agency",
    "source_id",
    "source_id_synthetic",
    "fired_at",
    "fired_date",
    "latitude",
    "longitude",
    "coordinate_decimals",
    "location_uncertainty_m",
    "alert_type",
    "rounds",
    "coverage_area",
    "beat",
    "address",
    "received_via",
    "event",
]


class AlertSerializer(serializers.ModelSerializer[ShotSpotterAlert]):
    class Meta:
        model = ShotSpotterAlert
        fields = _ALERT_FIELDS


class AlertDetailSerializer(serializers.ModelSerializer[ShotSpotterAlert]):
    incident_links = LinkedIncidentSerializer(many=True, read_only=True)

    class Meta:
        model = ShotSpotterAlert
        fields = [*_ALERT_FIELDS, "incident_links"]


class AlertIncidentLinkSerializer(serializers.ModelSerializer[AlertIncidentLink]):
    alert_source_id = serializers.CharField(source="alert.source_id", read_only=True)
    incident_number = serializers.CharField(source="incident.incident_number", read_only=True)

    class Meta:
        model = AlertIncidentLink
        fields = [
            "id",
            "alert",
            "alert_source_id",
            "incident",
            "incident_number",
            "distance_m",
            "minutes",
            "rule",
            "radius_m",
        ]


FEED_EARLIEST = dt.date(1990, 1, 1)


class CoordinateField(serializers.Field):
    """A latitude or longitude as a JSON number or string; keeps how many decimals it had."""

    default_error_messages = {"invalid": "Must be a number of degrees."}

    def __init__(self, *, low: float, high: float, **kwargs: Any) -> None:
        self.low, self.high = low, high
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> tuple[float, int]:
        if isinstance(data, bool) or not isinstance(data, int | float | str):
            self.fail("invalid")
        text = repr(float(data)) if isinstance(data, float) else str(data).strip()
        try:
            value = float(text)
        except ValueError:
            self.fail("invalid")
        if value != value or not self.low <= value <= self.high:
            raise serializers.ValidationError(f"Must be between {self.low} and {self.high}.")
        return value, decimals_of(text)

    def to_representation(self, value: Any) -> Any:
        return value


class AlertFeedSerializer(serializers.Serializer[dict[str, Any]]):
    """One alert as ShotSpotter pushes it."""

    id = serializers.CharField(max_length=64, help_text="The alert's id at ShotSpotter.")
    fired_at = serializers.DateTimeField(
        help_text="ISO 8601 with offset; without one, the portal's time zone."
    )
    latitude = CoordinateField(low=-90, high=90)
    longitude = CoordinateField(low=-180, high=180)
    type = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Single_Gunshot, Multiple_Gunshots, Gunshot_or_Firecracker (spellings vary).",
    )
    rounds = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=1000)
    coverage_area = serializers.CharField(required=False, allow_blank=True, max_length=100)
    beat = serializers.CharField(required=False, allow_blank=True, max_length=50)
    address = serializers.CharField(required=False, allow_blank=True, max_length=300)

    def validate_fired_at(self, value: dt.datetime) -> dt.datetime:
        if not FEED_EARLIEST <= value.date() <= timezone.now().date() + dt.timedelta(days=1):
            raise serializers.ValidationError("Must be a time between 1990 and today.")
        return value

    def validate_type(self, value: str) -> str:
        if not value:
            return ""
        profile = load_profile("shotspotter")
        try:
            return alert_type_of(value, spelling_lookup(profile.options.get("type_spellings", {})))
        except ValueError as exc:
            raise serializers.ValidationError(
                "Unknown alert type; expected Single_Gunshot, Multiple_Gunshots or "
                "Gunshot_or_Firecracker."
            ) from exc

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        bounds = Bounds.of(load_profile("shotspotter"))
        latitude, longitude = attrs["latitude"][0], attrs["longitude"][0]
        if not bounds.contains(latitude, longitude):
            raise serializers.ValidationError(
                {"longitude": [f"({latitude}, {longitude}) lies outside {bounds.name}."]}
            )
        return attrs
