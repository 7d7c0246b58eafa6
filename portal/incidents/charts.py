"""Map figures (pure: plain values in, plotly.js figures as plain dicts out, no database).

No tile server: the map is a plotly scatter in longitude/latitude with the
vertical axis scaled by the cosine of the latitude, so distances look right
at city scale, drawn over an offline base layer of the agency's incidents
(light grey). Everything is served by the portal itself.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Up to this many markers a map is drawn as SVG, which every browser renders with or
# without a GPU (a virtual desktop on a closed network often has none: WebGL then
# shows only "WebGL is not supported"); more need WebGL to stay fast.
SVG_POINTS_MAX = 1000

TYPE_COLOURS = {
    "single_gunshot": "#d97706",
    "multiple_gunshots": "#b42318",
    "gunshot_or_firecracker": "#6d28d9",
    "other": "#57606a",
    "": "#57606a",
}


@dataclass(frozen=True)
class MapPoint:
    latitude: float
    longitude: float
    label: str
    kind: str = ""
    # A grid cell standing for this many points (the map of a big filtered set).
    count: int = 1


def _sizes(points: Sequence[MapPoint], size: float) -> float | list[float]:
    """One marker size for points; for grid cells, an area that grows with the count."""
    if all(point.count == 1 for point in points):
        return size
    return [size + 2.5 * math.log2(point.count) for point in points]


def _aspect(points: Sequence[MapPoint]) -> float:
    if not points:
        return 1.0
    mean_latitude = sum(p.latitude for p in points) / len(points)
    return 1.0 / max(math.cos(math.radians(mean_latitude)), 0.05)


def alert_map(
    alerts: Sequence[MapPoint],
    *,
    base: Sequence[MapPoint] = (),
    type_labels: dict[str, str] | None = None,
    title: str = "",
    height: int = 520,
    colours: dict[str, str] | None = None,
    webgl: bool | None = None,
) -> dict[str, Any]:
    """Alerts coloured by type (or by `colours`) over a base layer of incidents.

    Points, or counted grid cells when there are too many. WebGL draws thousands of
    points; `webgl=False` draws a few (a case's) as SVG, which every browser renders,
    with or without a GPU. By default WebGL is used only above SVG_POINTS_MAX markers.
    """
    if webgl is None:
        webgl = len(alerts) + len(base) > SVG_POINTS_MAX
    kind = "scattergl" if webgl else "scatter"
    type_labels = type_labels or {}
    colours = {**TYPE_COLOURS, **(colours or {})}
    data = []
    if base:
        data.append(
            _markers(
                kind,
                base,
                "Incidents",
                {"size": _sizes(base, 5), "color": "#8c959f", "opacity": 0.45},
            )
        )
    for alert_kind in sorted({p.kind for p in alerts}):
        points = [p for p in alerts if p.kind == alert_kind]
        marker = {
            "size": _sizes(points, 8),
            "color": colours.get(alert_kind, "#0b5cad"),
            "opacity": 0.85,
        }
        name = type_labels.get(alert_kind, alert_kind or "Unknown type")
        data.append(_markers(kind, points, name, marker))
    return {"data": data, "layout": _layout([*alerts, *base], title=title, height=height)}


def incident_map(
    incident: MapPoint, alerts: Sequence[MapPoint], *, radius_m: float
) -> dict[str, Any]:
    """One incident, the search radius around it, and its linked alerts."""
    circle_lat, circle_lon = _circle(incident.latitude, incident.longitude, radius_m)
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": circle_lon,
            "y": circle_lat,
            "mode": "lines",
            "name": f"{radius_m:.0f} m",
            "line": {"color": "#8c959f", "dash": "dot"},
            "hoverinfo": "skip",
        },
        _markers(
            "scatter", [incident], "Incident", {"size": 14, "color": "#1d3557", "symbol": "star"}
        ),
    ]
    if alerts:
        colours = [TYPE_COLOURS.get(p.kind, "#b42318") for p in alerts]
        data.append(_markers("scatter", alerts, "Linked alerts", {"size": 10, "color": colours}))
    return {"data": data, "layout": _layout([incident, *alerts], height=380)}


def _markers(
    kind: str, points: Sequence[MapPoint], name: str, marker: dict[str, Any]
) -> dict[str, Any]:
    """One plotly.js marker trace of points, their labels shown on hover."""
    return {
        "type": kind,
        "x": [p.longitude for p in points],
        "y": [p.latitude for p in points],
        "mode": "markers",
        "name": name,
        "marker": marker,
        "text": [p.label for p in points],
        "hoverinfo": "text",
    }


def _circle(
    lat: float, lon: float, radius_m: float, steps: int = 48
) -> tuple[list[float], list[float]]:
    dlat = radius_m / 111_195.0
    dlon = dlat / max(math.cos(math.radians(lat)), 0.05)
    angles = [2 * math.pi * i / steps for i in range(steps + 1)]
    return [lat + dlat * math.sin(a) for a in angles], [lon + dlon * math.cos(a) for a in angles]


def _layout(points: Sequence[MapPoint], *, title: str = "", height: int) -> dict[str, Any]:
    """Plain style (no bundled theme), true scale, legend above the plot."""
    layout: dict[str, Any] = {
        "height": height,
        "margin": {"l": 50, "r": 10, "t": 70 if title else 40, "b": 40},
        "plot_bgcolor": "#f6f8fa",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "xanchor": "left", "yanchor": "bottom"},
        "xaxis": {
            "title": {"text": "Longitude"},
            "showgrid": True,
            "gridcolor": "#e5e7eb",
            "zeroline": False,
        },
        "yaxis": {
            "title": {"text": "Latitude"},
            "showgrid": True,
            "gridcolor": "#e5e7eb",
            "zeroline": False,
            "scaleanchor": "x",
            "scaleratio": _aspect(points),
        },
    }
    if title:
        layout["title"] = {"text": title}
    return layout
