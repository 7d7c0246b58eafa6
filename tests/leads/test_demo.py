"""The demo city's leads: every kind, in every status, raised by the rules."""

from __future__ import annotations

from typing import Any

import pytest

from leads.models import Lead, LeadKind, LeadRecord, LeadStatus
from portal.demo import seed_demo

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_the_demo_has_leads_of_every_kind_in_every_status(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    ctx = seed_demo(scale="small", seed_value=7)
    pairs = set(Lead.objects.values_list("kind", "status"))
    assert pairs == {(kind, status) for kind in LeadKind.values for status in LeadStatus.values}
    assert not LeadRecord.objects.filter(lead__isnull=True).exists()
    assert all(lead.records.exists() and lead.score > 0 for lead in Lead.objects.all())
    # Closed leads carry an outcome, assigned ones an assignee and its time.
    assert not Lead.objects.filter(status=LeadStatus.CLOSED, outcome="").exists()
    assert not Lead.objects.filter(
        status__in=[LeadStatus.ASSIGNED, LeadStatus.INVESTIGATING], assigned_at__isnull=True
    ).exists()
    truth = ctx.truth["leads"]
    assert sum(truth["kinds"].values()) == Lead.objects.count()
    assert truth["ballistic_pairs_decided"] == Lead.objects.filter(kind="ballistic").count()
