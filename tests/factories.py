"""factory_boy factories for the platform; each app's tests add their own."""

from __future__ import annotations

import factory

from portal.choices import Role
from portal.models import Agency, Job, SharingAgreement, SourceFile, User

TEST_PASSWORD = "correct-horse-battery-9"


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ("ori",)

    name = factory.Sequence(lambda n: f"Test Agency {n}")
    ori = factory.Sequence(lambda n: f"TS{n:07d}")
    state = "TS"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    agency = factory.SubFactory(AgencyFactory)
    role = Role.DETECTIVE
    password = factory.django.Password(TEST_PASSWORD)


class SharingAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SharingAgreement

    owner = factory.SubFactory(AgencyFactory)
    partner = factory.SubFactory(AgencyFactory)


class JobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Job

    agency = factory.SubFactory(AgencyFactory)
    kind = "test"
    label = factory.Sequence(lambda n: f"Test job {n}")


class SourceFileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SourceFile

    agency = factory.SubFactory(AgencyFactory)
    kind = "test"
    original_name = factory.Sequence(lambda n: f"file-{n}.csv")
    stored_name = factory.Sequence(lambda n: f"stored/{n:08d}.csv")
    sha256 = "0" * 64
    size = 10
