from __future__ import annotations

from rest_framework import serializers

from tracing.models import Dealer, Firearm, PersonMention, Purchase, Trace


class DealerSerializer(serializers.ModelSerializer[Dealer]):
    class Meta:
        model = Dealer
        fields = [
            "id",
            "ffl_number",
            "region",
            "district",
            "county",
            "license_type",
            "expiry",
            "sequence",
            "license_name",
            "business_name",
            "premise_street",
            "premise_city",
            "premise_state",
            "premise_zip",
            "in_ffl_list",
        ]


class FirearmSerializer(serializers.ModelSerializer[Firearm]):
    class Meta:
        model = Firearm
        fields = [
            "id",
            "serial_as_written",
            "serial_normalised",
            "obliterated",
            "manufacturer",
            "model",
            "firearm_type",
            "is_handgun",
            "caliber",
            "country",
            "importer",
        ]


class PersonMentionSerializer(serializers.ModelSerializer[PersonMention]):
    class Meta:
        model = PersonMention
        fields = [
            "id",
            "trace",
            "role",
            "last_name",
            "first_name",
            "middle_name",
            "aliases",
            "dob_as_written",
            "dob",
            "sex",
            "race",
            "address",
            "city",
            "state",
            "zip_code",
            "last_name_key",
            "first_name_key",
            "person_key",
            "source_row",
            "row_hash",
        ]


class PurchaseSerializer(serializers.ModelSerializer[Purchase]):
    dealer = DealerSerializer(read_only=True)

    class Meta:
        model = Purchase
        fields = ["purchase_date", "dealer", "purchaser", "ffl_number_as_written"]


class TraceSerializer(serializers.ModelSerializer[Trace]):
    firearm = FirearmSerializer(read_only=True)
    purchase = PurchaseSerializer(read_only=True)
    agency_ori = serializers.CharField(source="agency.ori", read_only=True)

    class Meta:
        model = Trace
        fields = [
            "id",
            "trace_number",
            "agency_ori",
            "recovering_ori",
            "request_date",
            "trace_status",
            "status",
            "status_reason",
            "agency_case_number",
            "ncic_code",
            "recovery_date",
            "recovery_address",
            "recovery_city",
            "recovery_state",
            "recovery_zip",
            "recovery_lat",
            "recovery_lon",
            "serial_as_written",
            "firearm",
            "purchase",
            "time_to_crime_days",
            "purchaser_not_possessor",
            "multiple_sale",
            "repeat_purchaser",
            "out_of_state_source",
            "source_row",
            "row_hash",
        ]
