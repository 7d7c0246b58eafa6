"""factory_boy factories for entities, their mentions and leads (synthetic)."""

from __future__ import annotations

import factory
from django.contrib.contenttypes.models import ContentType

from leads.models import Entity, EntityKind, EntityMention, Lead, LeadKind, LeadRecord, LeadSettings
from portal.models import Agency
from tests.factories import AgencyFactory


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Entity

    agency = factory.SubFactory(AgencyFactory)
    kind = EntityKind.PERSON
    label = factory.Sequence(lambda n: f"Person {n}")


class EntityMentionFactory(factory.django.DjangoModelFactory):
    """A mention whose source record is its agency (any model will do for the tests)."""

    class Meta:
        model = EntityMention

    agency = factory.SubFactory(AgencyFactory)
    entity = factory.SubFactory(EntityFactory, agency=factory.SelfAttribute("..agency"))
    kind = factory.SelfAttribute("entity.kind")
    content_type = factory.LazyFunction(lambda: ContentType.objects.get_for_model(Agency))
    object_id = factory.SelfAttribute("agency.pk")
    role = "purchaser"
    source = "trace"
    reference = factory.Sequence(lambda n: f"T{n:06d}")
    key = factory.Sequence(lambda n: f"test:{n}:purchaser")
    fields = factory.LazyFunction(
        lambda: {"first_name": "John", "last_name": "Smith", "date_of_birth": "1990-03-04"}
    )


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
