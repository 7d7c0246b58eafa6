from __future__ import annotations

from typing import Any

from rest_framework import serializers

from leads.models import EdgeKind, Entity, EntityMention, Lead, LeadRecord


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


class EntityMentionSerializer(serializers.ModelSerializer[EntityMention]):
    class Meta:
        model = EntityMention
        fields = ["id", "source", "reference", "role", "fields", "score", "reasons"]


class EntitySerializer(serializers.ModelSerializer[Entity]):
    class Meta:
        model = Entity
        fields = ["id", "kind", "label", "attributes", "degree", "metrics"]


class EntityDetailSerializer(EntitySerializer):
    mentions = EntityMentionSerializer(many=True, read_only=True)

    class Meta(EntitySerializer.Meta):
        fields = [*EntitySerializer.Meta.fields, "mentions"]


class NetworkQuerySerializer(serializers.Serializer[Any]):
    """The ego network's parameters (query string)."""

    hops = serializers.IntegerField(min_value=1, max_value=4, default=2)
    max_nodes = serializers.IntegerField(min_value=5, max_value=500, default=150)
    kinds = serializers.MultipleChoiceField(choices=EdgeKind.choices, required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)


class NetworkNodeSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    hop = serializers.IntegerField()
    hidden_neighbours = serializers.IntegerField()


class NetworkEdgeSerializer(serializers.Serializer[Any]):
    source_id = serializers.IntegerField()
    target_id = serializers.IntegerField()
    kind = serializers.CharField()
    role = serializers.CharField()
    first_seen = serializers.DateField(allow_null=True)
    last_seen = serializers.DateField(allow_null=True)


class NetworkSerializer(serializers.Serializer[Any]):
    centre = serializers.IntegerField()
    truncated = serializers.BooleanField()
    nodes = NetworkNodeSerializer(many=True)
    edges = NetworkEdgeSerializer(many=True)
