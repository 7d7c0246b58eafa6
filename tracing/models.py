"""e-Trace records: traces, firearms, dealers, purchases, person mentions and alias tables."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse

from portal.models import Agency, AgencyOwned, SourceFile
from portal.record_urls import record_url
from tracing.choices import MentionRole, TraceStatus
from tracing.ffl import LICENSE_TYPES
from tracing.normalise import name_sound


class ManufacturerAlias(models.Model):
    """One spelling of a manufacturer and the canonical name it stands for."""

    alias = models.CharField(
        max_length=200, unique=True, help_text="Upper case, punctuation as spaces."
    )
    canonical = models.CharField(max_length=200)

    class Meta:
        ordering = ["canonical", "alias"]
        verbose_name_plural = "manufacturer aliases"

    def __str__(self) -> str:
        return f"{self.alias} -> {self.canonical}"

    def save(self, *args: object, **kwargs: object) -> None:
        from tracing.normalise import manufacturer_key

        self.alias = manufacturer_key(self.alias)
        self.canonical = manufacturer_key(self.canonical)
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class CaliberAlias(models.Model):
    """One spelling of a caliber and the canonical caliber it stands for."""

    alias = models.CharField(max_length=100, unique=True, help_text="Upper case, no spaces.")
    canonical = models.CharField(max_length=100)

    class Meta:
        ordering = ["canonical", "alias"]
        verbose_name_plural = "caliber aliases"

    def __str__(self) -> str:
        return f"{self.alias} -> {self.canonical}"

    def save(self, *args: object, **kwargs: object) -> None:
        from tracing.normalise import caliber_key

        self.alias = caliber_key(self.alias)
        self.canonical = self.canonical.strip().upper()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class SerialRule(models.Model):
    """Characters that may be read as one another in one manufacturer's serials (O as 0, ...)."""

    manufacturer = models.CharField(
        max_length=200, blank=True, help_text="Canonical manufacturer; blank for every one."
    )
    confusable_from = models.CharField(max_length=20, help_text="e.g. OIL")
    confusable_to = models.CharField(max_length=20, help_text="e.g. 011 (same length)")
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["manufacturer", "pk"]

    def __str__(self) -> str:
        return f"{self.manufacturer or 'any'}: {self.confusable_from} as {self.confusable_to}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if len(self.confusable_from) != len(self.confusable_to):
            raise ValidationError("Both character lists must have the same length.")


class Dealer(models.Model):
    """A federal firearms licensee (FFL): public reference data shared by every agency."""

    ffl_key = models.CharField(
        max_length=20, unique=True, help_text="Region-district-county-type-sequence."
    )
    ffl_number = models.CharField("FFL number", max_length=20)
    region = models.CharField(max_length=1)
    district = models.CharField(max_length=2)
    county = models.CharField(max_length=3)
    license_type = models.CharField(max_length=2)
    expiry = models.CharField(max_length=2)
    sequence = models.CharField(max_length=5)
    license_name = models.CharField(max_length=200, blank=True)
    business_name = models.CharField(max_length=200, blank=True)
    premise_street = models.CharField(max_length=200, blank=True)
    premise_city = models.CharField(max_length=100, blank=True)
    premise_state = models.CharField(max_length=2, blank=True)
    premise_zip = models.CharField(max_length=10, blank=True)
    mail_street = models.CharField(max_length=200, blank=True)
    mail_city = models.CharField(max_length=100, blank=True)
    mail_state = models.CharField(max_length=2, blank=True)
    mail_zip = models.CharField(max_length=10, blank=True)
    voice_phone = models.CharField(max_length=20, blank=True)
    in_ffl_list = models.BooleanField(
        default=False, help_text="Seen in an imported ATF FFL list (not only on traces)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["license_name"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.ffl_number})"

    def get_absolute_url(self) -> str:
        return record_url("tracing:dealer_detail", self.pk)

    @property
    def display_name(self) -> str:
        return self.business_name or self.license_name or self.ffl_number

    @property
    def license_type_label(self) -> str:
        return LICENSE_TYPES.get(self.license_type, self.license_type)


# The import writes hundreds of thousands of rows a minute, and PostgreSQL checks a
# foreign key row by row: every index and every check costs time on each one. The
# import's own set-based statements take every key from the row it points to (the
# agency of the import, the firearm it has just written or matched, the trace a
# mention or purchase hangs off), so the database does not check them again; Django
# still protects and cascades on delete. Keys looked up only by equality get a plain
# B-tree index, not also the LIKE-prefix one `db_index` adds to a text column.


class Firearm(AgencyOwned):
    """A gun as an agency knows it: one record per manufacturer and normalised serial."""

    # The unique (agency, manufacturer, identity) index serves lookups by agency.
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )

    identity_key = models.CharField(
        max_length=120, help_text="Normalised serial, or the trace for a gun without one."
    )
    serial_as_written = models.CharField(max_length=100, blank=True)
    serial_normalised = models.CharField(max_length=100, blank=True)
    obliterated = models.BooleanField(default=False)
    manufacturer = models.CharField(max_length=200, blank=True, help_text="Canonical.")
    model = models.CharField(max_length=100, blank=True)
    firearm_type = models.CharField(max_length=50, blank=True)
    is_handgun = models.BooleanField(default=False)
    caliber = models.CharField(max_length=100, blank=True, help_text="Canonical.")
    country = models.CharField(max_length=100, blank=True)
    importer = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["manufacturer", "serial_normalised"]
        indexes = [
            models.Index(fields=["serial_normalised"], name="firearm_serial_idx"),
            # The trace list's "obliterated serial" filter: a few percent of the guns.
            models.Index(
                fields=["id"], condition=Q(obliterated=True), name="firearm_obliterated_idx"
            ),
            # The trace list's caliber filter compares upper-cased text.
            models.Index(Upper("caliber"), name="firearm_caliber_upper_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "manufacturer", "identity_key"], name="unique_firearm_identity"
            )
        ]

    def __str__(self) -> str:
        serial = "obliterated serial" if not self.serial_normalised else self.serial_normalised
        return f"{self.manufacturer} {self.model} {self.caliber} ({serial})".strip()

    def get_absolute_url(self) -> str:
        return record_url("tracing:firearm_detail", self.pk)


class Trace(AgencyOwned):
    """One e-Trace request and result, as the agency's file gave it (with its source row)."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )

    trace_number = models.CharField(max_length=50)
    recovering_ori = models.CharField("ORI", max_length=9, blank=True)
    request_date = models.DateField(null=True, blank=True)
    trace_status = models.CharField(max_length=100, blank=True, help_text="As written.")
    status = models.CharField(max_length=20, choices=TraceStatus.choices)
    status_reason = models.CharField(max_length=200, blank=True)
    agency_case_number = models.CharField(max_length=50, blank=True)
    ncic_code = models.CharField("NCIC crime code", max_length=10, blank=True)
    recovery_date = models.DateField(null=True, blank=True, db_index=True)
    recovery_address = models.CharField(max_length=200, blank=True)
    recovery_city = models.CharField(max_length=100, blank=True)
    recovery_state = models.CharField(max_length=2, blank=True)
    recovery_zip = models.CharField(max_length=10, blank=True)
    recovery_lat = models.FloatField(null=True, blank=True)
    recovery_lon = models.FloatField(null=True, blank=True)
    firearm = models.ForeignKey(
        Firearm, on_delete=models.PROTECT, related_name="traces", db_constraint=False
    )
    serial_as_written = models.CharField(max_length=100, blank=True)
    # Indicators, computed at import (multiple sale and repeat purchaser over the agency's traces).
    time_to_crime_days = models.IntegerField(null=True, blank=True)
    purchaser_not_possessor = models.BooleanField(default=False)
    out_of_state_source = models.BooleanField(default=False)
    multiple_sale = models.BooleanField(default=False)
    repeat_purchaser = models.BooleanField(default=False)
    source_file = models.ForeignKey(
        SourceFile, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    source_row = models.PositiveIntegerField()
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-recovery_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "trace_number"], name="unique_trace_number")
        ]
        # The trace list's filters (checked with EXPLAIN at the state scale, bench_state):
        # the search box matches trace and case numbers whatever their case; the rare
        # indicators get partial indexes in the list's order, small and cheap to write.
        indexes = [
            models.Index(Upper("trace_number"), name="trace_number_upper_idx"),
            models.Index(Upper("agency_case_number"), name="trace_case_number_upper_idx"),
            models.Index(
                fields=["recovery_date", "id"],
                condition=Q(multiple_sale=True),
                name="trace_multiple_sale_idx",
            ),
            models.Index(
                fields=["recovery_date", "id"],
                condition=Q(repeat_purchaser=True),
                name="trace_repeat_purchaser_idx",
            ),
            models.Index(
                fields=["recovery_date", "id"],
                condition=Q(out_of_state_source=True),
                name="trace_out_of_state_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Trace {self.trace_number}"

    def get_absolute_url(self) -> str:
        return record_url("tracing:trace_detail", self.pk)

    @property
    def ttc_under_1_year(self) -> bool:
        return self.time_to_crime_days is not None and self.time_to_crime_days < 365

    @property
    def ttc_under_3_years(self) -> bool:
        return self.time_to_crime_days is not None and self.time_to_crime_days < 3 * 365


class PersonMention(AgencyOwned):
    """A purchaser or possessor exactly as one trace row named them (not yet resolved)."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    trace = models.ForeignKey(
        Trace,
        on_delete=models.CASCADE,
        related_name="mentions",
        db_index=False,
        db_constraint=False,
    )
    role = models.CharField(max_length=10, choices=MentionRole.choices)
    last_name = models.CharField(max_length=100, blank=True)
    first_name = models.CharField(max_length=100, blank=True)
    middle_name = models.CharField(max_length=100, blank=True)
    aliases = models.CharField(max_length=200, blank=True)
    dob_as_written = models.CharField("date of birth as written", max_length=30, blank=True)
    dob = models.DateField("date of birth", null=True, blank=True)
    sex = models.CharField(max_length=10, blank=True)
    race = models.CharField(max_length=20, blank=True)
    address = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    zip_code = models.CharField(max_length=10, blank=True)
    # Normalised beside the raw fields, for the later person resolution.
    last_name_key = models.CharField(max_length=100, blank=True)
    first_name_key = models.CharField(max_length=100, blank=True)
    person_key = models.CharField(max_length=220, help_text="Normalised last|first|date of birth.")
    # Soundex of the two name keys (portal.phonetic), written by the import: the name
    # search reads them through a plain index, spelling aside.
    last_name_sound = models.CharField(max_length=4, blank=True, default="")
    first_name_sound = models.CharField(max_length=4, blank=True, default="")
    source_file = models.ForeignKey(
        SourceFile, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    source_row = models.PositiveIntegerField()
    row_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["person_key"], name="mention_person_key_idx"),
            models.Index(fields=["last_name_sound", "first_name_sound"], name="mention_sounds_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["trace", "role"], name="unique_mention_role")
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.full_name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The import's parser computes the same keys with the same function and writes
        # them in bulk, past save() (tracing.importers); one rule for both.
        self.last_name_sound = name_sound(self.last_name_key)
        self.first_name_sound = name_sound(self.first_name_key)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return record_url("tracing:purchaser_detail", self.pk)

    @property
    def full_name(self) -> str:
        first = " ".join(part for part in (self.first_name, self.middle_name) if part)
        return f"{self.last_name}, {first}" if first else self.last_name


class Purchase(AgencyOwned):
    """The retail sale a trace found: dealer, purchaser and date."""

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    trace = models.OneToOneField(
        Trace, on_delete=models.CASCADE, related_name="purchase", db_constraint=False
    )
    dealer = models.ForeignKey(
        Dealer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="purchases",
        db_constraint=False,
    )
    purchaser = models.ForeignKey(
        PersonMention,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="purchases",
        db_constraint=False,
    )
    purchase_date = models.DateField(null=True, blank=True)
    ffl_number_as_written = models.CharField(max_length=30, blank=True)

    class Meta:
        ordering = ["-purchase_date"]

    def __str__(self) -> str:
        return f"Purchase for {self.trace}"


class TraceChange(AgencyOwned):
    """A re-import brought new facts for a trace: what changed, from which file and row."""

    trace = models.ForeignKey(Trace, on_delete=models.CASCADE, related_name="changes")
    source_file = models.ForeignKey(SourceFile, on_delete=models.PROTECT, related_name="+")
    source_row = models.PositiveIntegerField()
    changes = models.JSONField(help_text="{field: [old, new]}")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.trace}: {', '.join(self.changes)}"


class TraffickingWeights(models.Model):
    """An agency's own weights for the trafficking index (missing keys take the defaults)."""

    agency = models.OneToOneField(Agency, on_delete=models.CASCADE, related_name="+")
    weights = models.JSONField(default=dict, help_text="{indicator key: points}")
    updated_by = models.CharField(max_length=150, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "trafficking weights"

    def __str__(self) -> str:
        return f"Trafficking weights of {self.agency}"

    def get_absolute_url(self) -> str:
        return reverse("tracing:trafficking_weights")
