"""Map figures: offline (no tiles), true scale, and every alert drawn."""

from __future__ import annotations

import json
import math

import plotly.graph_objects as go

from portal.incidents.charts import SVG_POINTS_MAX, MapPoint, alert_map, incident_map
from portal.incidents.geo import haversine_m


def test_alert_map_draws_alerts_by_type_over_the_incident_layer():
    alerts = [
        MapPoint(39.29, -76.61, "a", "single_gunshot"),
        MapPoint(39.30, -76.62, "b", "multiple_gunshots"),
    ]
    base = [MapPoint(39.295, -76.615, "i")]
    figure = alert_map(alerts, base=base, type_labels={"single_gunshot": "Single gunshot"})
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["Incidents", "multiple_gunshots", "Single gunshot"]
    assert {trace["type"] for trace in figure["data"]} == {"scatter"}  # SVG: no GPU needed
    assert sum(len(trace["x"]) for trace in figure["data"][1:]) == 2
    # A degree of latitude is drawn 1/cos(latitude) times as long as a degree of longitude.
    assert math.isclose(
        figure["layout"]["yaxis"]["scaleratio"], 1 / math.cos(math.radians(39.295)), rel_tol=1e-3
    )
    text = json.dumps(figure)
    assert "mapbox" not in text and "tile" not in text
    # Every property is one plotly.js knows: the figure passes plotly's own validation.
    go.Figure(figure)


def test_alert_map_uses_webgl_only_for_many_points():
    many = [MapPoint(39.29, -76.61, str(n), "single_gunshot") for n in range(SVG_POINTS_MAX + 1)]
    assert {trace["type"] for trace in alert_map(many)["data"]} == {"scattergl"}
    assert {trace["type"] for trace in alert_map(many[:SVG_POINTS_MAX])["data"]} == {"scatter"}


def test_incident_map_draws_the_radius():
    figure = incident_map(
        MapPoint(39.29, -76.61, "i"),
        [MapPoint(39.291, -76.61, "a", "single_gunshot")],
        radius_m=250,
    )
    circle = figure["data"][0]
    distances = [
        haversine_m(39.29, -76.61, lat, lon)
        for lat, lon in zip(circle["y"], circle["x"], strict=True)
    ]
    assert all(abs(d - 250) < 2 for d in distances)
    assert [trace["name"] for trace in figure["data"]] == ["250 m", "Incident", "Linked alerts"]
    go.Figure(figure)


def test_alert_map_draws_counted_cells_bigger():
    cells = [
        MapPoint(39.29, -76.61, "1 alert", "single_gunshot", count=1),
        MapPoint(39.30, -76.62, "100 alerts", "single_gunshot", count=100),
    ]
    figure = alert_map(cells)
    small, big = figure["data"][0]["marker"]["size"]
    assert big > small
