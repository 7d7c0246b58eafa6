"""factory_boy factories for cases and case items (synthetic)."""

from __future__ import annotations

import factory
from django.contrib.contenttypes.models import ContentType

from portal.cases.models import Case, CaseItem
from tests.factories import AgencyFactory, UserFactory
from tests.incidents.factories import IncidentFactory


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    agency = factory.SubFactory(AgencyFactory)
    number = factory.Sequence(lambda n: f"C-{n:05d}")
    title = factory.Sequence(lambda n: f"Shooting series {n}")
    lead_detective = factory.SubFactory(UserFactory, agency=factory.SelfAttribute("..agency"))


class CaseItemFactory(factory.django.DjangoModelFactory):
    """A case item; by default an incident of the case's agency."""

    class Meta:
        model = CaseItem
        exclude = ("record",)

    agency = factory.SubFactory(AgencyFactory)
    case = factory.SubFactory(CaseFactory, agency=factory.SelfAttribute("..agency"))
    record = factory.SubFactory(IncidentFactory, agency=factory.SelfAttribute("..agency"))
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.record))
    object_id = factory.LazyAttribute(lambda o: o.record.pk)
    note = "added in a test"
