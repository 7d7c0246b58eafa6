"""factory_boy factories for leads (synthetic)."""

from __future__ import annotations

import factory
from django.contrib.contenttypes.models import ContentType

from leads.models import Lead, LeadKind, LeadRecord, LeadSettings
from tests.factories import AgencyFactory


class LeadSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LeadSettings
        django_get_or_create = ("agency",)

    agency = factory.SubFactory(AgencyFactory)


class LeadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lead

    agency = factory.SubFactory(AgencyFactory)
    number = factory.Sequence(lambda n: f"L-2026-{n + 1:04d}")
    kind = LeadKind.BALLISTIC
    title = factory.Sequence(lambda n: f"Ballistic link {n}")
    summary = "Two casings fired by one gun."
    facts_key = factory.Sequence(lambda n: f"test:{n}")
    score = 50.0


class LeadRecordFactory(factory.django.DjangoModelFactory):
    """A record on a lead; by default the lead's own agency stands in as the record."""

    class Meta:
        model = LeadRecord

    lead = factory.SubFactory(LeadFactory)
    content_type = factory.LazyFunction(
        lambda: ContentType.objects.get(app_label="portal", model="agency")
    )
    object_id = factory.SelfAttribute("lead.agency_id")
    role = "incident"
    label = factory.Sequence(lambda n: f"Record {n}")
    evidence = factory.LazyFunction(lambda: {"why": "Test record."})
