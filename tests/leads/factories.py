"""factory_boy factories for entities and their mentions (synthetic)."""

from __future__ import annotations

import factory
from django.contrib.contenttypes.models import ContentType

from leads.models import Entity, EntityKind, EntityMention
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
