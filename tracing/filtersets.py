"""One FilterSet per listed model, shared by the HTML pages and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from tracing.choices import TraceStatus
from tracing.indicators import ONE_YEAR_DAYS, THREE_YEARS_DAYS
from tracing.models import Dealer, Firearm, Trace
from tracing.normalise import serial_key

INDICATOR_CHOICES = [
    ("ttc_under_1_year", "Time-to-crime under 1 year"),
    ("ttc_under_3_years", "Time-to-crime under 3 years"),
    ("purchaser_not_possessor", "Purchaser is not the possessor"),
    ("multiple_sale", "Multiple sale"),
    ("repeat_purchaser", "Repeat purchaser"),
    ("obliterated_serial", "Obliterated serial"),
    ("out_of_state_source", "Out-of-state source"),
]
INDICATOR_FILTERS = {
    "ttc_under_1_year": Q(time_to_crime_days__lt=ONE_YEAR_DAYS),
    "ttc_under_3_years": Q(time_to_crime_days__lt=THREE_YEARS_DAYS),
    "purchaser_not_possessor": Q(purchaser_not_possessor=True),
    "multiple_sale": Q(multiple_sale=True),
    "repeat_purchaser": Q(repeat_purchaser=True),
    "obliterated_serial": Q(firearm__obliterated=True),
    "out_of_state_source": Q(out_of_state_source=True),
}


# Guns of one normalised serial looked up for a search (many makers reuse short serials).
MAX_SERIAL_MATCHES = 1000


class TraceFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="Trace, case or serial number")
    status = django_filters.ChoiceFilter(choices=TraceStatus.choices)
    recovered_after = django_filters.DateFilter(field_name="recovery_date", lookup_expr="gte")
    recovered_before = django_filters.DateFilter(field_name="recovery_date", lookup_expr="lte")
    manufacturer = django_filters.CharFilter(
        field_name="firearm__manufacturer", lookup_expr="icontains"
    )
    caliber = django_filters.CharFilter(field_name="firearm__caliber", lookup_expr="iexact")
    ffl_number = django_filters.CharFilter(method="filter_ffl", label="FFL number")
    dealer = django_filters.NumberFilter(field_name="purchase__dealer")
    max_ttc_days = django_filters.NumberFilter(
        field_name="time_to_crime_days", lookup_expr="lte", label="Time-to-crime at most (days)"
    )
    indicator = django_filters.MultipleChoiceFilter(
        choices=INDICATOR_CHOICES, method="filter_indicator", label="Indicators (all of)"
    )

    class Meta:
        model = Trace
        fields = ["status"]

    def filter_q(self, queryset: QuerySet[Trace], name: str, value: str) -> QuerySet[Trace]:
        value = value.strip()
        if not value:
            return queryset
        # Three index lookups OR'ed on the trace table itself (PostgreSQL combines them
        # as a bitmap). A join to the guns in the OR made it read every trace and gun:
        # half a minute at the state scale. The ids only narrow the scoped queryset.
        firearm_ids = list(
            Firearm.objects.filter(serial_normalised=serial_key(value)).values_list(
                "pk", flat=True
            )[:MAX_SERIAL_MATCHES]
        )
        return queryset.filter(
            Q(trace_number__iexact=value)
            | Q(agency_case_number__iexact=value)
            | Q(firearm_id__in=firearm_ids)
        )

    def filter_ffl(self, queryset: QuerySet[Trace], name: str, value: str) -> QuerySet[Trace]:
        from tracing.ffl import FFLError, parse_ffl

        try:
            key = parse_ffl(value).key
        except FFLError:
            return queryset.none()
        return queryset.filter(purchase__dealer__ffl_key=key)

    def filter_indicator(
        self, queryset: QuerySet[Trace], name: str, value: list[str]
    ) -> QuerySet[Trace]:
        for key in value:
            queryset = queryset.filter(INDICATOR_FILTERS[key])
        return queryset


class FirearmFilterSet(django_filters.FilterSet):
    serial = django_filters.CharFilter(method="filter_serial")
    manufacturer = django_filters.CharFilter(lookup_expr="icontains")
    caliber = django_filters.CharFilter(lookup_expr="iexact")
    obliterated = django_filters.BooleanFilter()

    class Meta:
        model = Firearm
        fields = ["obliterated", "is_handgun"]

    def filter_serial(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(serial_normalised=serial_key(value))


class DealerFilterSet(django_filters.FilterSet):
    name = django_filters.CharFilter(method="filter_name")
    state = django_filters.CharFilter(field_name="premise_state", lookup_expr="iexact")
    license_type = django_filters.CharFilter()

    class Meta:
        model = Dealer
        fields = ["license_type"]

    def filter_name(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(Q(license_name__icontains=value) | Q(business_name__icontains=value))
