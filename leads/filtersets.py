"""The lead queue's filters, shared by the page and the bulk export."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from leads.models import Lead, LeadKind, LeadPriority, LeadStatus


class LeadFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Number or title")
    kind = django_filters.ChoiceFilter(choices=LeadKind.choices)
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices)
    priority = django_filters.ChoiceFilter(choices=LeadPriority.choices)
    assignee = django_filters.CharFilter(
        field_name="assignee__username", lookup_expr="iexact", label="Assignee (username)"
    )
    state = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("closed", "Closed")],
        method="filter_state",
        label="Open or closed",
    )
    min_score = django_filters.NumberFilter(
        field_name="score", lookup_expr="gte", label="Score at least"
    )

    class Meta:
        model = Lead
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__iexact=value) | Q(title__icontains=value))

    def filter_state(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        closed = Q(status=LeadStatus.CLOSED)
        if value == "open":
            return queryset.exclude(closed)
        return queryset.filter(closed) if value == "closed" else queryset
