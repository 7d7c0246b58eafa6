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
    # Not the year the rules number in, so both can be used in one test.
    number = factory.Sequence(lambda n: f"L-1999-{n + 1:05d}")
    kind = LeadKind.BALLISTIC
    title = factory.Sequence(lambda n: f"Ballistic link {n}")
    summary = "Two casings fired by one gun."
    facts_key = factory.Sequence(lambda n: f"test:{n}")
    score = 50.0


class LeadRecordFactory(factory.django.DjangoModelFactory):
    """A record on a lead (the content type of agencies stands in for any record)."""

    class Meta:
        model = LeadRecord

    lead = factory.SubFactory(LeadFactory)
    content_type = factory.LazyFunction(
        lambda: ContentType.objects.get(app_label="portal", model="agency")
    )
    object_id = factory.Sequence(lambda n: n + 1)
    role = "incident"
    label = factory.Sequence(lambda n: f"Record {n}")
    evidence = factory.LazyFunction(lambda: {"why": "Test record."})
