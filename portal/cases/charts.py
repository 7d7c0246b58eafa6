"""Case and timeline figures (pure: plain values in, plotly figures out, no database).

The map reuses the incident pages' offline map (no tile server, nothing from
another host); the network is laid out here with networkx. The timeline and
the network are plain plotly.js figures (dicts), which portal.js draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import networkx as nx

from portal.cases.timeline import EVENT_KINDS, TimelineEvent
from portal.incidents.charts import MapPoint, alert_map

MAP_KINDS = {"incident": "Incidents", "alert": "Gunshot alerts", "recovery": "Gun recoveries"}
MAP_COLOURS = {"incident": "#1d3557", "alert": "#b42318", "recovery": "#2f855a"}
EVENT_COLOURS = {
    "manufacture": "#57606a",
    "purchase": "#0b5cad",
    "incident": "#1d3557",
    "casing": "#6d28d9",
    "alert": "#b42318",
    "recovery": "#2f855a",
    "trace": "#d97706",
}
NODE_COLOURS = {
    "person": "#0b5cad",
    "firearm": "#b42318",
    "dealer": "#d97706",
    "place": "#2f855a",
}


def case_map(points: Sequence[MapPoint]) -> dict[str, Any]:
    """The case's incidents, alerts and recoveries on the portal's offline map."""
    return alert_map(points, type_labels=MAP_KINDS, colours=MAP_COLOURS, height=420, webgl=False)


def timeline_figure(events: Sequence[TimelineEvent], *, height: int = 320) -> dict[str, Any]:
    """Dated events as markers on one row per kind; the list beside it is the text version.

    A plain plotly.js figure (dict): building it through plotly's validating
    classes costs more than the page's queries.
    """
    rows = [kind for kind in EVENT_KINDS if any(e.kind == kind and e.when for e in events)]
    data = []
    for kind in rows:
        dated = [e for e in events if e.kind == kind and e.when]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": EVENT_KINDS[kind],
                "x": [e.when.isoformat() for e in dated if e.when],
                "y": [EVENT_KINDS[kind]] * len(dated),
                "marker": {"size": 12, "color": EVENT_COLOURS.get(kind, "#57606a")},
                "text": [f"{e.label}<br>{e.detail}" if e.detail else e.label for e in dated],
                "hoverinfo": "text+x",
            }
        )
    layout = {
        "height": height,
        "margin": {"l": 150, "r": 20, "t": 20, "b": 40},
        "showlegend": False,
        "plot_bgcolor": "#ffffff",
        "xaxis": {"type": "date", "showgrid": True, "gridcolor": "#e5e7eb"},
        "yaxis": {
            "type": "category",
            "categoryorder": "array",
            "categoryarray": [EVENT_KINDS[k] for k in rows][::-1],
        },
    }
    return {"data": data, "layout": layout}


def network_positions(graph: nx.Graph) -> dict[Any, tuple[float, float]]:
    """Node positions: a seeded spring layout of the nodes with a link, and the nodes
    without one on a ring around them.

    A big case shows many records with no link among the nodes shown; in a spring
    layout they only drift apart, and each costs every iteration of it.
    """
    alone = sorted((node for node in graph.nodes if graph.degree[node] == 0), key=str)
    linked = graph.subgraph(node for node in graph.nodes if graph.degree[node])
    positions = {
        node: (float(x), float(y))
        for node, (x, y) in (nx.spring_layout(linked, seed=0) if len(linked) else {}).items()
    }
    # The spring layout fills the square [-1, 1]: the ring goes outside its corners.
    radius = 1.5 if positions else 1.0
    for index, node in enumerate(alone):
        angle = 2 * math.pi * index / len(alone)
        positions[node] = (radius * math.cos(angle), radius * math.sin(angle))
    return positions


def network_figure(
    graph: nx.Graph, *, labels: dict[Any, str], kinds: dict[Any, str], height: int = 420
) -> dict[str, Any]:
    """A small link graph: nodes coloured by kind, placed by `network_positions`."""
    positions = network_positions(graph)
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    for a, b in graph.edges():
        edge_x += [float(positions[a][0]), float(positions[b][0]), None]
        edge_y += [float(positions[a][1]), float(positions[b][1]), None]
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": edge_x,
            "y": edge_y,
            "line": {"color": "#8c959f", "width": 1},
            "hoverinfo": "skip",
            "showlegend": False,
        }
    ]
    for kind in sorted({kinds.get(node, "") for node in graph.nodes}):
        nodes = [node for node in graph.nodes if kinds.get(node, "") == kind]
        data.append(
            {
                "type": "scatter",
                "mode": "markers+text",
                "name": kind.title() or "Other",
                "x": [float(positions[n][0]) for n in nodes],
                "y": [float(positions[n][1]) for n in nodes],
                "text": [labels.get(n, str(n)) for n in nodes],
                "textposition": "top center",
                "marker": {"size": 14, "color": NODE_COLOURS.get(kind, "#57606a")},
                "hoverinfo": "text",
            }
        )
    layout = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "plot_bgcolor": "#ffffff",
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    }
    return {"data": data, "layout": layout}
