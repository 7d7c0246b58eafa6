"""The demo traces: realistic time-to-crime, planted patterns found by the indicators, truth."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from portal.models import Agency
from tracing.models import Trace

pytestmark = pytest.mark.django_db


def test_demo_traces_and_their_ground_truth(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", "--scale", "small", stdout=StringIO())
    truth = json.loads((tmp_path / "demo" / "ground_truth.json").read_text())["tracing"]
    city = Agency.objects.get(ori="MD0990100")
    traces = Trace.objects.filter(agency=city)
    assert traces.count() == truth["city"]["rows"] == 400

    with_ttc = traces.exclude(time_to_crime_days=None)
    under_1 = with_ttc.filter(time_to_crime_days__lt=365).count() / with_ttc.count()
    under_3 = with_ttc.filter(time_to_crime_days__lt=3 * 365).count() / with_ttc.count()
    assert 0.15 < under_1 < 0.4 and 0.4 < under_3 < 0.65

    # Planted straw purchasers bought handguns days apart: the multiple-sale indicator finds them.
    straw_traces = [n for numbers in truth["city"]["straw_purchasers"].values() for n in numbers]
    flagged = traces.filter(trace_number__in=straw_traces, multiple_sale=True).count()
    assert flagged >= 0.8 * len(straw_traces)
    assert traces.filter(trace_number__in=straw_traces, repeat_purchaser=True).count() == len(
        straw_traces
    )
    # Corridor dealers are out of state.
    corridor = traces.filter(purchase__dealer__ffl_number__in=truth["city"]["out_of_state_dealers"])
    assert corridor.exists() and not corridor.filter(out_of_state_source=False).exists()
    # Every trace has its truth: who each mention is, which gun it is.
    assert set(truth["city"]["trace_gun"]) == set(traces.values_list("trace_number", flat=True))
    assert truth["county"]["rows"] == Trace.objects.exclude(agency=city).count()
