"""The time-to-lead chart: per week, evidence entry to lead and lead to assignment (pure)."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go

GOAL_HOURS = (24, 48)


def within_goal(row: dict[str, Any], goal_hours: int = GOAL_HOURS[1]) -> bool | None:
    """Did the lead reach a detective within the goal of the evidence entry? None: not yet known."""
    entry, assign = row["entry_to_lead_hours"], row["lead_to_assignment_hours"]
    if entry is None or assign is None:
        return None
    return bool(entry + assign <= goal_hours)


def weekly_time_to_lead(
    rows: Iterable[dict[str, Any]], goal_hours: int = GOAL_HOURS[1]
) -> list[dict[str, Any]]:
    """Per week (Monday) of raising: leads, median hours of both steps, share within goal."""
    weeks: dict[dt.date, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        created: dt.datetime = row["created_at"]
        day = created.date()
        weeks[day - dt.timedelta(days=day.weekday())].append(row)
    table = []
    for week in sorted(weeks):
        leads = weeks[week]
        entry = [r["entry_to_lead_hours"] for r in leads if r["entry_to_lead_hours"] is not None]
        assign = [
            r["lead_to_assignment_hours"]
            for r in leads
            if r["lead_to_assignment_hours"] is not None
        ]
        total = [
            r["entry_to_lead_hours"] + r["lead_to_assignment_hours"]
            for r in leads
            if r["entry_to_lead_hours"] is not None and r["lead_to_assignment_hours"] is not None
        ]
        table.append(
            {
                "week": week,
                "leads": len(leads),
                "entry_to_lead": round(statistics.median(entry), 1) if entry else None,
                "lead_to_assignment": round(statistics.median(assign), 1) if assign else None,
                "within_goal": sum(1 for hours in total if hours <= goal_hours),
                "measured": len(total),
            }
        )
    return table


def time_to_lead_figure(table: list[dict[str, Any]], goal_hours: int = GOAL_HOURS[1]) -> str:
    weeks = [row["week"].isoformat() for row in table]
    figure = go.Figure()
    figure.add_bar(
        x=weeks, y=[row["entry_to_lead"] for row in table], name="Evidence entry to lead"
    )
    figure.add_bar(
        x=weeks, y=[row["lead_to_assignment"] for row in table], name="Lead to assignment"
    )
    for hours, dash in ((GOAL_HOURS[0], "dot"), (goal_hours, "dash")):
        figure.add_hline(
            y=hours, line_dash=dash, annotation_text=f"{hours} h goal", line_color="#b00020"
        )
    figure.update_layout(
        barmode="stack",
        title="Median hours per week, against the 24-48 hour goal",
        xaxis={"title": {"text": "week of the lead"}, "type": "date", "tickformat": "%Y-%m-%d"},
        yaxis_title="hours (median)",
        margin={"t": 50},
    )
    return str(figure.to_json())
