"""factory_boy factories for ballistic evidence, scans and candidates (synthetic)."""

from __future__ import annotations

import hashlib

import factory

from ballistics.models import Candidate, Evidence, Photograph, Scan
from tests.factories import AgencyFactory


class EvidenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Evidence

    agency = factory.SubFactory(AgencyFactory)
    exhibit_number = factory.Sequence(lambda n: f"EX-{n:05d}")
    caliber = "9MM"
    firing_pin_shape = "hemispherical"


class ScanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Scan

    agency = factory.SubFactory(AgencyFactory)
    evidence = factory.SubFactory(EvidenceFactory, agency=factory.SelfAttribute("..agency"))
    original_name = factory.Sequence(lambda n: f"scan-{n}.x3p")
    stored_name = factory.Sequence(lambda n: f"{n:032x}.x3p")
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"scan-{n}".encode()).hexdigest())
    size = 1024
    caliber = "9MM"
    firing_pin_shape = "hemispherical"
    rows = 10
    columns = 10
    resolution_um = 3.125
    valid_fraction = 0.8
    prepared_side = 1
    prepared_resolution_um = 25.0
    prepared = b"\x00"
    signature = b"\x00"


class CandidateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Candidate

    agency = factory.SubFactory(AgencyFactory)
    query = factory.SubFactory(ScanFactory, agency=factory.SelfAttribute("..agency"))
    candidate = factory.SubFactory(ScanFactory, agency=factory.SelfAttribute("..agency"))
    rank = 1
    coarse_score = 0.5
    score = 12.0


class PhotographFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photograph

    agency = factory.SubFactory(AgencyFactory)
    evidence = factory.SubFactory(EvidenceFactory, agency=factory.SelfAttribute("..agency"))
    original_name = factory.Sequence(lambda n: f"casing-{n}.jpg")
    original_path = factory.Sequence(lambda n: f"ballistics/photographs/originals/{n:032x}.jpg")
    display_path = factory.Sequence(lambda n: f"ballistics/photographs/display/{n:032x}.png")
    sha256 = factory.Sequence(lambda n: hashlib.sha256(f"photo-{n}".encode()).hexdigest())
    size = 2048
    width = 64
    height = 48
    image_type = "jpeg"
