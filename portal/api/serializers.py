from __future__ import annotations

from rest_framework import serializers

from portal.models import Agency, Job, User


class AgencySerializer(serializers.ModelSerializer[Agency]):
    class Meta:
        model = Agency
        fields = ["id", "name", "ori", "state"]


class JobSerializer(serializers.ModelSerializer[Job]):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "label",
            "status",
            "progress_current",
            "progress_total",
            "percent",
            "message",
            "result",
            "created_at",
            "started_at",
            "finished_at",
        ]


class MeSerializer(serializers.ModelSerializer[User]):
    agency = AgencySerializer(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "role", "agency"]
