from __future__ import annotations

from rest_framework import serializers

from leads.models import Lead, LeadRecord


class LeadRecordSerializer(serializers.ModelSerializer[LeadRecord]):
    record_type = serializers.CharField(source="content_type.model", read_only=True)
    url = serializers.CharField(source="page_url", read_only=True)

    class Meta:
        model = LeadRecord
        fields = [
            "id",
            "record_type",
            "object_id",
            "role",
            "label",
            "url",
            "occurred_at",
            "latitude",
            "longitude",
            "evidence",
            "is_new",
            "added_at",
        ]


class LeadSerializer(serializers.ModelSerializer[Lead]):
    agency_ori = serializers.CharField(source="agency.ori", read_only=True)
    assignee = serializers.CharField(source="assignee.username", read_only=True, default=None)
    url = serializers.CharField(source="get_absolute_url", read_only=True)

    class Meta:
        model = Lead
        fields = [
            "id",
            "number",
            "agency_ori",
            "kind",
            "title",
            "summary",
            "status",
            "outcome",
            "assignee",
            "priority",
            "score",
            "score_explanation",
            "created_at",
            "assigned_at",
            "closed_at",
            "url",
        ]


class LeadDetailSerializer(LeadSerializer):
    records = LeadRecordSerializer(many=True, read_only=True)

    class Meta(LeadSerializer.Meta):
        fields = [*LeadSerializer.Meta.fields, "records"]
