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
    open = django_filters.BooleanFilter(method="filter_open", label="Open only")
    min_score = django_filters.NumberFilter(field_name="score", lookup_expr="gte")

    class Meta:
        model = Lead
        fields: list[str] = []

    def filter_q(self, queryset: QuerySet[Lead], name: str, value: str) -> QuerySet[Lead]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(number__iexact=value) | Q(title__icontains=value))

    def filter_open(
        self, queryset: QuerySet[Lead], name: str, value: bool | None
    ) -> QuerySet[Lead]:
        if value is None:
            return queryset
        closed = Q(status=LeadStatus.CLOSED)
        return queryset.exclude(closed) if value else queryset.filter(closed)
