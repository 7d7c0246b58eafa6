"""The network picture: a plotly figure of an ego network, built from plain data (pure).

Nodes are laid out by networkx's spring layout with a fixed seed (the same
network is drawn the same way twice); one trace per edge kind and per entity
kind, so the legend doubles as a filter. Each node carries the address of its
entity page in `customdata`: static/js/network.js follows it on click.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import networkx as nx
import plotly.graph_objects as go

from leads.models import EdgeKind, EntityKind

NODE_COLOURS: dict[str, str] = {
    EntityKind.PERSON: "#1f77b4",
    EntityKind.FIREARM: "#d62728",
    EntityKind.DEALER: "#2ca02c",
    EntityKind.PLACE: "#8c564b",
    EntityKind.INCIDENT: "#ff7f0e",
    EntityKind.ALERT: "#9467bd",
}
NODE_SYMBOLS: dict[str, str] = {
    EntityKind.PERSON: "circle",
    EntityKind.FIREARM: "diamond",
    EntityKind.DEALER: "square",
    EntityKind.PLACE: "triangle-up",
    EntityKind.INCIDENT: "star",
    EntityKind.ALERT: "cross",
}
EDGE_DASH: dict[str, str] = {EdgeKind.SAME_PERSON: "dot", EdgeKind.BALLISTIC_MATCH: "dash"}


def layout_positions(graph: nx.Graph, centre: Any) -> dict[Any, tuple[float, float]]:
    """Node positions: the centre in the middle, a seeded spring layout around it."""
    if graph.number_of_nodes() == 1:
        return {centre: (0.0, 0.0)}
    fixed = {centre: (0.0, 0.0)}
    positions = nx.spring_layout(graph, seed=7, pos=fixed, fixed=[centre], iterations=60)
    return {node: (float(x), float(y)) for node, (x, y) in positions.items()}


def network_figure(
    graph: nx.Graph,
    centre: Any,
    edges: Sequence[dict[str, Any]],
    *,
    hidden: dict[Any, int],
    url_of: Callable[[Any], str],
    filename: str,
) -> str:
    """The figure as JSON (for json_script); `edges` are rows of selectors.ego_edges."""
    positions = layout_positions(graph, centre)
    figure = go.Figure()
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for edge in edges:
        by_kind.setdefault(edge["kind"], []).append(edge)
    for kind, rows in sorted(by_kind.items()):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for edge in rows:
            (x0, y0), (x1, y1) = positions[edge["source_id"]], positions[edge["target_id"]]
            xs += [x0, x1, None]
            ys += [y0, y1, None]
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                name=f"{EdgeKind(kind).label} ({len(rows)})",
                line={"width": 1.2, "dash": EDGE_DASH.get(kind, "solid")},
                hoverinfo="skip",
                legendgroup="edges",
            )
        )
    nodes_by_kind: dict[str, list[Any]] = {}
    for node, data in graph.nodes(data=True):
        nodes_by_kind.setdefault(data.get("kind", ""), []).append(node)
    for kind, nodes in sorted(nodes_by_kind.items()):
        data = [graph.nodes[node] for node in nodes]
        figure.add_trace(
            go.Scatter(
                x=[positions[node][0] for node in nodes],
                y=[positions[node][1] for node in nodes],
                mode="markers+text",
                name=EntityKind(kind).label if kind else "Entity",
                text=[str(item.get("label") or "")[:28] for item in data],
                textposition="top center",
                textfont={"size": 10},
                customdata=[url_of(node) for node in nodes],
                hovertext=[
                    f"{item.get('label') or ''}<br>{kind}, hop {item.get('hop', 0)}"
                    + (f"<br>{hidden[node]} hidden neighbours" if hidden.get(node) else "")
                    for node, item in zip(nodes, data, strict=True)
                ],
                hoverinfo="text",
                marker={
                    "size": [22 if node == centre else 13 for node in nodes],
                    "color": NODE_COLOURS.get(kind, "#7f7f7f"),
                    "symbol": NODE_SYMBOLS.get(kind, "circle"),
                    "line": {
                        "width": [3 if hidden.get(node) else 1 for node in nodes],
                        "color": "#333",
                    },
                },
            )
        )
    figure.update_layout(
        showlegend=True,
        hovermode="closest",
        xaxis={"visible": False},
        yaxis={"visible": False, "scaleanchor": "x"},
        margin={"t": 10, "l": 10, "r": 10, "b": 10},
        height=640,
        plot_bgcolor="white",
    )
    payload = json.loads(str(figure.to_json()))
    payload["config"] = {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "scale": 2, "filename": filename},
    }
    return json.dumps(payload)
