"""One FilterSet per listed model, shared by the HTML lists and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from ballistics.choices import Decision, EvidenceKind, FiringPinShape
from ballistics.models import Candidate, Evidence


class EvidenceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Exhibit, headstamp or notes")
    kind = django_filters.ChoiceFilter(choices=EvidenceKind.choices)
    caliber = django_filters.CharFilter(lookup_expr="icontains", label="Caliber contains")
    firing_pin_shape = django_filters.ChoiceFilter(
        choices=[c for c in FiringPinShape.choices if c[0]], label="Firing pin"
    )
    incident = django_filters.CharFilter(
        field_name="incident__incident_number", lookup_expr="iexact", label="Incident number"
    )
    has_scans = django_filters.BooleanFilter(method="filter_has_scans", label="Has scans")

    class Meta:
        model = Evidence
        fields = ["q", "kind", "caliber", "firing_pin_shape", "incident"]

    def filter_text(
        self, queryset: QuerySet[Evidence], name: str, value: str
    ) -> QuerySet[Evidence]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(exhibit_number__icontains=value)
            | Q(headstamp__icontains=value)
            | Q(notes__icontains=value)
        )

    def filter_has_scans(
        self, queryset: QuerySet[Evidence], name: str, value: bool | None
    ) -> QuerySet[Evidence]:
        if value is None:
            return queryset
        return queryset.filter(scans__isnull=not value).distinct()


class CandidateFilterSet(django_filters.FilterSet):
    query = django_filters.NumberFilter(field_name="query_id", label="Query scan id")
    decision = django_filters.ChoiceFilter(choices=Decision.choices)

    class Meta:
        model = Candidate
        fields = ["query", "decision"]
