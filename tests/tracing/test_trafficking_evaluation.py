"""The trafficking index finds seed_demo's planted straw purchasers and source dealers."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tracing.evaluation import evaluate

pytestmark = pytest.mark.django_db


def test_ranking_does_not_regress_on_the_small_demo(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", "--scale", "small", stdout=StringIO())
    out = StringIO()
    call_command("trafficking_index", "--evaluate", stdout=out)
    printed = out.getvalue()
    assert "MD0990100 purchasers" in printed and "precision@10 = " in printed
    assert "precision@50 = " in printed and "ranks: " in printed

    truth = json.loads((tmp_path / "demo" / "ground_truth.json").read_text())["tracing"]
    results = {(r.agency, r.kind): r for r in evaluate(truth)}
    for ori in ("MD0990100", "MD0990200"):
        purchasers = results[(ori, "purchasers")]
        assert len(purchasers.ranks) == len(
            truth["city" if ori == "MD0990100" else "county"]["straw_purchasers"]
        )
        assert purchasers.precision(10)[0] >= 0.8, purchasers.ranks
        dealers = results[(ori, "dealers")]
        assert dealers.precision(10)[0] >= 0.7, dealers.ranks
    # The ranks printed are the ranks computed.
    city = results[("MD0990100", "purchasers")]
    for person, rank in city.ranks.items():
        assert f"{person}: {rank}" in printed
