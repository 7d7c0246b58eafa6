"""The case network's layout and the timeline's list of steps (no database)."""

from __future__ import annotations

import datetime as dt
import math

import networkx as nx

from portal.cases.charts import network_figure, network_positions
from portal.cases.templatetags.cases import timeline_steps
from portal.cases.timeline import TimelineEvent


def test_nodes_without_a_link_go_on_a_ring_around_the_linked_ones() -> None:
    graph = nx.Graph([("gun", "buyer"), ("buyer", "dealer")])
    graph.add_nodes_from(["incident 1", "incident 2", "incident 3"])
    positions = network_positions(graph)
    assert set(positions) == set(graph.nodes)
    linked = [math.hypot(*positions[node]) for node in ("gun", "buyer", "dealer")]
    alone = [math.hypot(*positions[node]) for node in ("incident 1", "incident 2", "incident 3")]
    assert max(linked) <= math.sqrt(2) + 1e-9  # the spring layout fills [-1, 1] x [-1, 1]
    assert all(abs(radius - 1.5) < 1e-9 for radius in alone)
    assert len({positions[node] for node in graph.nodes}) == len(graph)  # none on another
    assert network_positions(graph) == positions  # seeded: the same picture every time


def test_a_network_without_links_is_a_ring_and_its_figure_draws_every_node() -> None:
    graph = nx.Graph()
    graph.add_nodes_from([1, 2, 3, 4])
    positions = network_positions(graph)
    assert all(abs(math.hypot(*point) - 1.0) < 1e-9 for point in positions.values())
    figure = network_figure(graph, labels={1: "A"}, kinds={1: "person", 2: "firearm"})
    drawn = [text for trace in figure["data"][1:] for text in trace["text"]]
    assert sorted(drawn) == ["2", "3", "4", "A"]
    assert figure["data"][0]["x"] == []  # no line


def test_timeline_steps_escape_every_value_and_link_the_record() -> None:
    html = timeline_steps(
        [
            TimelineEvent(dt.date(2024, 3, 5), "incident", "Incident <b>24-1</b>", "/i/1/?a=1&b=2"),
            TimelineEvent(None, "manufacture", "Made by GLOCK", "", detail="9mm & more"),
        ]
    )
    assert html == (
        '<li><span class="badge">Incident</span> <time>2024-03-05</time> '
        '<a href="/i/1/?a=1&amp;b=2">Incident &lt;b&gt;24-1&lt;/b&gt;</a></li>\n'
        '<li><span class="badge">Manufacture / import</span> <time>date unknown</time> '
        'Made by GLOCK <span class="lede">(9mm &amp; more)</span></li>'
    )
