"""factory_boy factories for incidents and alerts (synthetic places in a made-up city)."""

from __future__ import annotations

import datetime as dt

import factory

from portal.incidents.models import Incident, IncidentPerson, ShotSpotterAlert
from tests.factories import AgencyFactory

BASE_LAT, BASE_LON = 39.2904, -76.6122
T0 = dt.datetime(2024, 5, 1, 22, 0, tzinfo=dt.UTC)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    agency = factory.SubFactory(AgencyFactory)
    incident_number = factory.Sequence(lambda n: f"24-{n:06d}")
    occurred_at = T0
    occurred_date = factory.LazyAttribute(
        lambda o: (
            o.occurred_at.astimezone(dt.timezone(dt.timedelta(hours=-4))).date()
            if o.occurred_at
            else T0.date()
        )
    )
    occurred_date_only = factory.LazyAttribute(lambda o: o.occurred_at is None)
    offense = "AGGRAVATED ASSAULT"
    weapon = "GUN"
    address = "100 BLOCK OF MAIN ST"
    latitude = BASE_LAT
    longitude = BASE_LON
    coordinate_decimals = 6


class IncidentPersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncidentPerson

    incident = factory.SubFactory(IncidentFactory)
    agency = factory.LazyAttribute(lambda o: o.incident.agency)
    role = "victim"
    last_name = "SAMPLE"
    first_name = "PAT"
    person_key = factory.Sequence(lambda n: f"key-{n}")


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShotSpotterAlert

    agency = factory.SubFactory(AgencyFactory)
    source_id = factory.Sequence(lambda n: f"SS{n:06d}")
    fired_at = T0
    fired_date = factory.LazyAttribute(
        lambda o: (
            o.fired_at.astimezone(dt.timezone(dt.timedelta(hours=-4))).date()
            if o.fired_at
            else T0.date()
        )
    )
    latitude = BASE_LAT
    longitude = BASE_LON
    coordinate_decimals = 6
    alert_type = "multiple_gunshots"
    rounds = 3
