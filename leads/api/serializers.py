from __future__ import annotations

from typing import Any

from rest_framework import serializers

from leads.models import EdgeKind, Entity, EntityMention


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
