"""Plotly figures for the dealer profile, built from plain lists (pure)."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

TTC_BINS = [
    (0, 90, "< 3 months"),
    (90, 365, "3-12 months"),
    (365, 2 * 365, "1-2 years"),
    (2 * 365, 3 * 365, "2-3 years"),
    (3 * 365, 5 * 365, "3-5 years"),
    (5 * 365, 10 * 365, "5-10 years"),
    (10 * 365, 10**9, "10 years and more"),
]


def ttc_histogram(days: list[int]) -> list[tuple[str, int]]:
    """How many traces fall in each time-to-crime band (also the chart's text alternative)."""
    return [(label, sum(1 for d in days if low <= d < high)) for low, high, label in TTC_BINS]


def traces_per_month_figure(by_month: list[tuple[dt.date, int]]) -> str:
    figure = go.Figure(go.Bar(x=[m.isoformat() for m, _ in by_month], y=[n for _, n in by_month]))
    figure.update_layout(
        title="Traced guns recovered per month", yaxis_title="traces", margin={"t": 40}
    )
    return str(figure.to_json())


def ttc_figure(days: list[int]) -> str:
    bands = ttc_histogram(days)
    figure = go.Figure(go.Bar(x=[label for label, _ in bands], y=[n for _, n in bands]))
    figure.update_layout(
        title="Time-to-crime (purchase to recovery)", yaxis_title="traces", margin={"t": 40}
    )
    return str(figure.to_json())


def recovery_places_figure(places: list[tuple[float, float, str]]) -> str:
    figure = go.Figure(
        go.Scatter(
            x=[lon for _, lon, _ in places],
            y=[lat for lat, _, _ in places],
            text=[number for _, _, number in places],
            mode="markers",
        )
    )
    figure.update_layout(
        title="Where this dealer's guns were recovered",
        xaxis_title="longitude",
        yaxis_title="latitude",
        yaxis={"scaleanchor": "x"},
        margin={"t": 40},
    )
    return str(figure.to_json())
