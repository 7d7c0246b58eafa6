"""factory_boy factories for the tracing models (synthetic guns, dealers and people)."""

from __future__ import annotations

import datetime as dt

import factory

from portal.models import SourceFile
from tests.factories import AgencyFactory
from tracing.models import Dealer, Firearm, PersonMention, Purchase, Trace, TraceChange


class TraceSourceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceFile

    agency = factory.SubFactory(AgencyFactory)
    kind = "etrace"
    original_name = factory.Sequence(lambda n: f"etrace-{n}.csv")
    stored_name = factory.Sequence(lambda n: f"etrace-{n:08d}.csv")
    sha256 = "0" * 64
    size = 10


class DealerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Dealer
        django_get_or_create = ("ffl_key",)

    sequence = factory.Sequence(lambda n: f"{n % 100000:05d}")
    ffl_key = factory.LazyAttribute(lambda o: f"1-54-123-01-{o.sequence}")
    ffl_number = factory.LazyAttribute(lambda o: f"1-54-123-01-9A-{o.sequence}")
    region, district, county, license_type, expiry = "1", "54", "123", "01", "9A"
    license_name = "SAMPLE GUNS"
    premise_state = "AA"


class FirearmFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Firearm

    agency = factory.SubFactory(AgencyFactory)
    serial_normalised = factory.Sequence(lambda n: f"SN{n:06d}")
    serial_as_written = factory.SelfAttribute("serial_normalised")
    identity_key = factory.SelfAttribute("serial_normalised")
    manufacturer = "GLOCK"
    model = "19"
    firearm_type = "PISTOL"
    is_handgun = True
    caliber = "9MM"


class TraceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trace

    agency = factory.SubFactory(AgencyFactory)
    trace_number = factory.Sequence(lambda n: f"T{n:09d}")
    status = "completed"
    recovery_date = dt.date(2024, 6, 1)
    recovery_state = "AA"
    firearm = factory.SubFactory(FirearmFactory, agency=factory.SelfAttribute("..agency"))
    serial_as_written = factory.SelfAttribute("firearm.serial_as_written")
    source_file = factory.SubFactory(
        TraceSourceFileFactory, agency=factory.SelfAttribute("..agency")
    )
    source_row = 2
    row_hash = "0" * 32


class PersonMentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonMention

    agency = factory.SubFactory(AgencyFactory)
    trace = factory.SubFactory(TraceFactory, agency=factory.SelfAttribute("..agency"))
    role = "purchaser"
    last_name = "SAMPLE"
    first_name = "PAT"
    last_name_key = "SAMPLE"
    first_name_key = "PAT"
    person_key = "SAMPLE|PAT|"
    source_file = factory.SelfAttribute("trace.source_file")
    source_row = 2
    row_hash = "0" * 32


class PurchaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Purchase

    agency = factory.SubFactory(AgencyFactory)
    trace = factory.SubFactory(TraceFactory, agency=factory.SelfAttribute("..agency"))
    dealer = factory.SubFactory(DealerFactory)
    purchaser = factory.SubFactory(
        PersonMentionFactory,
        agency=factory.SelfAttribute("..agency"),
        trace=factory.SelfAttribute("..trace"),
    )
    purchase_date = dt.date(2024, 1, 2)


class TraceChangeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TraceChange

    agency = factory.SubFactory(AgencyFactory)
    trace = factory.SubFactory(TraceFactory, agency=factory.SelfAttribute("..agency"))
    source_file = factory.SelfAttribute("trace.source_file")
    source_row = 3
    changes = factory.LazyFunction(lambda: {"model": ["19", "26"]})
