"""factory_boy factories for incidents and alerts (synthetic places in a made-up city)."""

from __future__ import annotations

import datetime as dt

import factory

from portal.incidents.choices import LinkRule
from portal.incidents.models import (
    AlertIncidentLink,
    AlertPairLink,
    Incident,
    IncidentPerson,
    ShootingEvent,
    ShotSpotterAlert,
)
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

    agency = factory.SubFactory(AgencyFactory)
    incident = factory.SubFactory(IncidentFactory, agency=factory.SelfAttribute("..agency"))
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


class ShootingEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ShootingEvent

    agency = factory.SubFactory(AgencyFactory)
    first_fired_at = T0
    last_fired_at = T0 + dt.timedelta(minutes=2)
    latitude = BASE_LAT
    longitude = BASE_LON
    alert_count = 2


class AlertIncidentLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertIncidentLink

    agency = factory.SubFactory(AgencyFactory)
    alert = factory.SubFactory(AlertFactory, agency=factory.SelfAttribute("..agency"))
    incident = factory.SubFactory(IncidentFactory, agency=factory.SelfAttribute("..agency"))
    distance_m = 40.0
    minutes = 3.0
    rule = LinkRule.RADIUS_WINDOW
    radius_m = 250.0


class AlertPairLinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertPairLink

    agency = factory.SubFactory(AgencyFactory)
    alert = factory.SubFactory(AlertFactory, agency=factory.SelfAttribute("..agency"))
    other = factory.SubFactory(AlertFactory, agency=factory.SelfAttribute("..agency"))
    distance_m = 30.0
    minutes = 1.0
    rule = LinkRule.CLUSTER

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> object:
        # The pair is stored in id order (a check constraint).
        alert, other = kwargs["alert"], kwargs["other"]
        if alert.pk > other.pk:
            kwargs["alert"], kwargs["other"] = other, alert
        return super()._create(model_class, *args, **kwargs)
