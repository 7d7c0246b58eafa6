"""Plotly figures for the source analytics, built from plain rows (pure).

Maps use plotly's MapLibre traces (choroplethmap, densitymap) on the "white-bg"
style with the portal's own state outlines passed inline: no tile, style, glyph
or topojson is fetched from anywhere.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from tracing.charts import ttc_histogram

GEOJSON_PATH = Path(__file__).resolve().parents[1] / "static" / "geo" / "us-states.geojson"
IMAGE_OPTIONS = {"format": "png", "scale": 2}
US_CENTER = {"lat": 38.0, "lon": -96.0}


@functools.cache
def us_states() -> dict[str, Any]:
    """The portal's simplified US state shapes (feature id = postal code)."""
    data: dict[str, Any] = json.loads(GEOJSON_PATH.read_text())
    return data


def _finish(figure: go.Figure, title: str, filename: str) -> str:
    figure.update_layout(title=title, margin={"t": 48, "l": 10, "r": 10, "b": 10})
    payload = json.loads(str(figure.to_json()))
    payload["config"] = {
        "displaylogo": False,
        "toImageButtonOptions": {**IMAGE_OPTIONS, "filename": filename},
    }
    return json.dumps(payload)


def source_states_figure(rows: list[tuple[str, int]]) -> str:
    states = {feature["id"] for feature in us_states()["features"]}
    known = [(state, n) for state, n in rows if state in states]
    figure = go.Figure(
        go.Choroplethmap(
            geojson=us_states(),
            featureidkey="id",
            locations=[state for state, _ in known],
            z=[n for _, n in known],
            colorscale="Reds",
            marker={"line": {"width": 0.5, "color": "#555"}},
            colorbar={"title": {"text": "traced guns"}},
            hovertemplate="%{location}: %{z} traced guns<extra></extra>",
        )
    )
    figure.update_layout(
        map={
            "style": "white-bg",
            "center": US_CENTER,
            "zoom": 2.9,
            "layers": [_outline_layer()],
        },
    )
    return _finish(figure, "Where the traced guns were sold (dealer's state)", "source-states")


def _outline_layer() -> dict[str, Any]:
    return {
        "sourcetype": "geojson",
        "source": us_states(),
        "type": "line",
        "color": "#888",
        "line": {"width": 0.6},
        "below": "traces",
    }


def ttc_distribution_figure(days: list[int]) -> str:
    bands = ttc_histogram(days)
    figure = go.Figure(go.Bar(x=[label for label, _ in bands], y=[n for _, n in bands]))
    figure.update_layout(yaxis_title="traced guns", xaxis_title="time from sale to recovery")
    return _finish(figure, "Time-to-crime distribution", "time-to-crime")


def comparison_figure(rows: list[dict[str, Any]]) -> str:
    labels = [row["measure"] for row in rows]
    figure = go.Figure(
        [
            go.Bar(
                name="Your traces",
                x=labels,
                y=[
                    round(100 * row["share"], 1) if row["share"] is not None else None
                    for row in rows
                ],
            ),
            go.Bar(
                name="National (ATF NFCTA 2023)",
                x=labels,
                y=[round(100 * row["national"], 1) for row in rows],
            ),
        ]
    )
    figure.update_layout(barmode="group", yaxis_title="% of traces with a time-to-crime")
    return _finish(figure, "Short time-to-crime: your traces and the nation", "ttc-national")


def top_dealers_figure(rows: list[dict[str, Any]], show: int = 25) -> str:
    shown = rows[:show][::-1]
    figure = go.Figure(
        [
            go.Bar(
                name="all traced guns",
                y=[row["dealer"].display_name + f" ({row['dealer'].ffl_number})" for row in shown],
                x=[row["traces"] for row in shown],
                orientation="h",
            ),
            go.Bar(
                name="recovered within 3 years",
                y=[row["dealer"].display_name + f" ({row['dealer'].ffl_number})" for row in shown],
                x=[row["under_3"] for row in shown],
                orientation="h",
            ),
        ]
    )
    figure.update_layout(
        barmode="overlay", xaxis_title="traced guns", height=max(320, 22 * len(shown) + 120)
    )
    return _finish(figure, f"Top {len(shown)} source dealers", "top-dealers")


def traces_per_month_figure(rows: list[tuple[dt.date, int]]) -> str:
    figure = go.Figure(go.Bar(x=[m.strftime("%Y-%m") for m, _ in rows], y=[n for _, n in rows]))
    figure.update_layout(yaxis_title="traced guns recovered", xaxis={"type": "category"})
    return _finish(figure, "Traces per month of recovery", "traces-per-month")


def types_calibers_figure(types: list[tuple[str, int]], calibers: list[tuple[str, int]]) -> str:
    figure = go.Figure(
        [
            go.Bar(name="firearm type", x=[t for t, _ in types], y=[n for _, n in types]),
            go.Bar(
                name="caliber", x=[c for c, _ in calibers], y=[n for _, n in calibers], xaxis="x2"
            ),
        ]
    )
    figure.update_layout(
        xaxis={"domain": [0, 0.38], "title": {"text": "type"}},
        xaxis2={"domain": [0.45, 1], "title": {"text": "caliber"}, "anchor": "y"},
        yaxis_title="traced guns",
        showlegend=False,
    )
    return _finish(figure, "Firearm types and calibers", "types-calibers")


def hot_spots_figure(points: list[tuple[float, float, str]]) -> str:
    lats = [lat for lat, _, _ in points]
    lons = [lon for _, lon, _ in points]
    center = {"lat": sum(lats) / len(lats), "lon": sum(lons) / len(lons)} if points else US_CENTER
    figure = go.Figure(
        [
            go.Densitymap(lat=lats, lon=lons, radius=14, colorscale="YlOrRd", showscale=False),
            go.Scattermap(
                lat=lats,
                lon=lons,
                text=[number for _, _, number in points],
                mode="markers",
                marker={"size": 4, "color": "#1f2937"},
                hovertemplate="%{text}<extra></extra>",
                name="recoveries",
            ),
        ]
    )
    figure.update_layout(
        map={
            "style": "white-bg",
            "center": center,
            "zoom": 9 if points else 2.9,
            "layers": [_outline_layer()],
        },
        showlegend=False,
    )
    return _finish(figure, "Recovery hot spots", "recovery-hot-spots")


def corridors_figure(rows: list[tuple[str, str, int]], show: int = 30) -> str:
    shown = rows[:show]
    sources = sorted({source for source, _, _ in shown})
    targets = sorted({target for _, target, _ in shown})
    labels = [f"sold in {s}" for s in sources] + [f"recovered in {t}" for t in targets]
    figure = go.Figure(
        go.Sankey(
            node={"label": labels, "pad": 12},
            link={
                "source": [sources.index(s) for s, _, _ in shown],
                "target": [len(sources) + targets.index(t) for _, t, _ in shown],
                "value": [n for _, _, n in shown],
            },
        )
    )
    figure.update_layout(height=max(320, 26 * len(sources) + 120))
    return _finish(figure, "Interstate corridors: source state to recovery state", "corridors")
