"""One FilterSet per listed model, shared by the HTML lists and the API."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from portal.incidents.choices import AlertType, ReceivedVia
from portal.incidents.models import AlertIncidentLink, Incident, ShotSpotterAlert

DATE = forms.DateInput(attrs={"type": "date"})


class IncidentFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label="Number, offense or address")
    date_from = django_filters.DateFilter(
        field_name="occurred_date", lookup_expr="gte", label="From", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="occurred_date", lookup_expr="lte", label="To", widget=DATE
    )
    offense = django_filters.CharFilter(lookup_expr="icontains", label="Offense contains")
    weapon = django_filters.CharFilter(lookup_expr="icontains")
    district = django_filters.CharFilter(lookup_expr="iexact")
    beat = django_filters.CharFilter(lookup_expr="iexact")
    shooting = django_filters.BooleanFilter(
        method="filter_shooting", label="People killed or injured"
    )
    has_alerts = django_filters.BooleanFilter(method="filter_has_alerts", label="Linked alerts")

    class Meta:
        model = Incident
        fields = ["q", "date_from", "date_to", "offense", "weapon", "district", "beat"]

    def filter_text(
        self, queryset: QuerySet[Incident], name: str, value: str
    ) -> QuerySet[Incident]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(incident_number__icontains=value)
            | Q(offense__icontains=value)
            | Q(address__icontains=value)
        )

    def filter_shooting(
        self, queryset: QuerySet[Incident], name: str, value: bool | None
    ) -> QuerySet[Incident]:
        if value is None:
            return queryset
        hurt = Q(killed__gt=0) | Q(injured__gt=0)
        return queryset.filter(hurt) if value else queryset.exclude(hurt)

    def filter_has_alerts(
        self, queryset: QuerySet[Incident], name: str, value: bool | None
    ) -> QuerySet[Incident]:
        if value is None:
            return queryset
        linked = Exists(AlertIncidentLink.objects.filter(incident=OuterRef("pk")))
        return queryset.filter(linked) if value else queryset.exclude(linked)


class AlertFilterSet(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        field_name="fired_date", lookup_expr="gte", label="From", widget=DATE
    )
    date_to = django_filters.DateFilter(
        field_name="fired_date", lookup_expr="lte", label="To", widget=DATE
    )
    alert_type = django_filters.ChoiceFilter(choices=AlertType.choices)
    coverage_area = django_filters.CharFilter(lookup_expr="iexact")
    received_via = django_filters.ChoiceFilter(choices=ReceivedVia.choices)
    source_id = django_filters.CharFilter(lookup_expr="iexact", label="Alert id")
    linked = django_filters.BooleanFilter(method="filter_linked", label="Linked to an incident")

    class Meta:
        model = ShotSpotterAlert
        fields = ["date_from", "date_to", "alert_type", "coverage_area", "received_via"]

    def filter_linked(
        self, queryset: QuerySet[ShotSpotterAlert], name: str, value: bool | None
    ) -> QuerySet[ShotSpotterAlert]:
        if value is None:
            return queryset
        linked = Exists(AlertIncidentLink.objects.filter(alert=OuterRef("pk")))
        return queryset.filter(linked) if value else queryset.exclude(linked)
