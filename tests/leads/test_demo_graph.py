"""seed_demo's link graph: mentions, edges and resolution over the demo's source records."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from leads.models import EdgeKind, EntityKind, EntityMention
from portal.demo import demo_steps
from portal.models import Agency

pytestmark = pytest.mark.django_db


def test_demo_steps_include_the_graph_step_between_ballistics_and_leads() -> None:
    orders = [(module.__name__, getattr(module, "ORDER", 100)) for module in demo_steps()]
    assert ("leads.demo_graph", 35) in orders
    assert orders == sorted(orders, key=lambda item: item[1])


def test_seed_demo_builds_a_resolved_link_graph(settings: Any, tmp_path: Any) -> None:
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", "--scale", "small", stdout=StringIO())
    truth = json.loads((tmp_path / "demo" / "ground_truth.json").read_text())
    graph = truth["leads"]
    assert graph["entities"][EntityKind.PERSON] > 0 and graph["entities"][EntityKind.FIREARM] > 0
    for kind in (EdgeKind.PURCHASED, EdgeKind.SOLD_BY, EdgeKind.POSSESSED, EdgeKind.INVOLVED_IN):
        assert graph["edges"].get(kind, 0) > 0, kind
    # The demo's planted same-person pairs (spelling variants) end up as one entity.
    city = Agency.objects.get(ori="MD0990100")
    same_person = truth["tracing"]["city"]["mention_person"]
    entity_of = {
        (mention.reference, mention.role): mention.entity_id
        for mention in EntityMention.objects.filter(agency=city, source="trace")
    }
    people: dict[Any, set[int]] = {}
    for trace_number, roles in same_person.items():
        for role, person in roles.items():
            if (trace_number, role) in entity_of:
                people.setdefault(person, set()).add(entity_of[(trace_number, role)])
    resolved = [entities for entities in people.values()]
    assert resolved
    whole = sum(1 for entities in resolved if len(entities) == 1) / len(resolved)
    assert whole > 0.9, whole
