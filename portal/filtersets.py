"""FilterSets of the platform's lists, shared by pages and exports."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import QuerySet

from portal.choices import AuditEventType, AuditOutcome
from portal.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    """Filters of the audit review page and its CSV export."""

    event_type = django_filters.ChoiceFilter(choices=AuditEventType.choices, label="Event")
    outcome = django_filters.ChoiceFilter(choices=AuditOutcome.choices)
    actor = django_filters.CharFilter(
        field_name="actor_username", lookup_expr="icontains", label="User"
    )
    object_type = django_filters.CharFilter(lookup_expr="icontains", label="Object type")
    object_id = django_filters.CharFilter(label="Object id")
    client_address = django_filters.CharFilter(label="Client address")
    since = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__gte",
        label="From (date)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    until = django_filters.DateFilter(
        field_name="occurred_at",
        lookup_expr="date__lte",
        label="To (date)",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    @property
    def qs(self) -> QuerySet[AuditEvent]:
        return super().qs.select_related("agency")
