from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ballistics.choices import Decision
from ballistics.models import Candidate, Evidence, Photograph, Scan
from ballistics.validators import decision_check, exhibit_number_clean, not_in_future
from portal.incidents.models import Incident


class ScanSerializer(serializers.ModelSerializer[Scan]):
    class Meta:
        model = Scan
        fields = [
            "id",
            "agency",
            "evidence",
            "original_name",
            "sha256",
            "size",
            "caliber",
            "firing_pin_shape",
            "rows",
            "columns",
            "resolution_um",
            "valid_fraction",
            "created_at",
        ]
        read_only_fields = fields


class PhotographSerializer(serializers.ModelSerializer[Photograph]):
    class Meta:
        model = Photograph
        fields = [
            "id",
            "original_name",
            "caption",
            "sha256",
            "size",
            "width",
            "height",
            "image_type",
        ]
        read_only_fields = fields


class EvidenceSerializer(serializers.ModelSerializer[Evidence]):
    """Evidence; on create the incident must be one the caller may see."""

    custody_log = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = Evidence
        fields = [
            "id",
            "agency",
            "exhibit_number",
            "incident",
            "kind",
            "firearm_description",
            "caliber",
            "headstamp",
            "firing_pin_shape",
            "breech_face_marks",
            "ejector_position",
            "recovered_at",
            "recovered_by",
            "custody_log",
            "notes",
            "created_at",
        ]
        read_only_fields = ["id", "agency", "custody_log", "created_at"]
        # Uniqueness per agency is checked in validate_exhibit_number (the agency is the caller's).
        validators: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        field = self.fields["incident"]
        if isinstance(field, serializers.PrimaryKeyRelatedField) and request is not None:
            field.queryset = Incident.objects.visible_to(request.user)

    def validate_exhibit_number(self, value: str) -> str:
        user = self.context["request"].user
        return exhibit_number_clean(
            agency_id=getattr(user, "agency_id", None), exhibit_number=value
        )

    def validate_recovered_at(self, value: Any) -> Any:
        return not_in_future(value, "The recovery time is in the future.")


class EvidenceDetailSerializer(EvidenceSerializer):
    scans = ScanSerializer(many=True, read_only=True)
    photographs = PhotographSerializer(many=True, read_only=True)

    class Meta(EvidenceSerializer.Meta):
        fields = [*EvidenceSerializer.Meta.fields, "scans", "photographs"]
        read_only_fields = [*EvidenceSerializer.Meta.read_only_fields, "scans", "photographs"]


class ScanUploadSerializer(serializers.Serializer[Any]):
    evidence = serializers.IntegerField(min_value=1, help_text="Id of your agency's evidence.")
    file = serializers.FileField(help_text="The X3P file (ISO 25178-72).")


class ScanUploadResultSerializer(ScanSerializer):
    job = serializers.IntegerField(allow_null=True, help_text="The correlation job's id.")
    created = serializers.BooleanField()

    class Meta(ScanSerializer.Meta):
        fields = [*ScanSerializer.Meta.fields, "job", "created"]
        read_only_fields = fields


class CellSerializer(serializers.Serializer[Any]):
    top = serializers.IntegerField()
    left = serializers.IntegerField()
    size = serializers.IntegerField()
    dx = serializers.IntegerField()
    dy = serializers.IntegerField()
    ccf = serializers.FloatField()
    congruent = serializers.BooleanField()


class CandidateSerializer(serializers.ModelSerializer[Candidate]):
    cells = CellSerializer(many=True, read_only=True)

    class Meta:
        model = Candidate
        fields = [
            "id",
            "query",
            "candidate",
            "rank",
            "coarse_score",
            "score",
            "angle",
            "dx_um",
            "dy_um",
            "cells",
            "decision",
            "examiner",
            "decided_at",
            "examined_on",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer[Any]):
    decision = serializers.ChoiceField(
        choices=[c for c in Decision.choices if c[0] != Decision.PENDING]
    )
    examined_on = serializers.DateField(
        required=False, allow_null=True, help_text="Required for a confirmed match."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        decision_check(attrs["decision"], attrs.get("examined_on"))
        return attrs
