"""Lead reports: the PDF for prosecutors and the rows of the CSV/XLSX exports.

Every statement in the PDF names the record it comes from (type, id and the
portal address of its page), and every page carries who produced the report
and when. The map and the network picture are drawn with reportlab's own
graphics: no tile server and no browser are needed (police networks are
often closed to the internet).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import networkx as nx
from reportlab.graphics.shapes import Circle, Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from leads.models import Lead, LeadEvent, LeadRecord
from leads.scoring import distance_m

EXPORT_HEADER = [
    "lead_number",
    "lead_kind",
    "lead_status",
    "lead_priority",
    "lead_score",
    "lead_title",
    "record_role",
    "record_type",
    "record_id",
    "record_label",
    "record_page",
    "occurred_at",
    "latitude",
    "longitude",
    "why_on_lead",
    "details",
    "new_on_lead",
    "added_at",
    "exported_by",
    "exported_at",
]

ROLE_COLOURS = {
    "incident": colors.HexColor("#b00020"),
    "casing": colors.HexColor("#e07b00"),
    "test_fire": colors.HexColor("#e07b00"),
    "match": colors.HexColor("#6a1b9a"),
    "trace": colors.HexColor("#1565c0"),
    "firearm": colors.HexColor("#2e7d32"),
    "alert": colors.HexColor("#00838f"),
}
PERSON_COLOUR = colors.HexColor("#455a64")


@dataclass(frozen=True)
class Stamp:
    """Who produced an export, when, and the base address of the record pages."""

    username: str
    at: dt.datetime
    base_url: str = ""

    @property
    def text(self) -> str:
        return f"Produced by {self.username} on {self.at:%Y-%m-%d %H:%M} UTC"


def _details(record: LeadRecord) -> str:
    shown = {
        key: value
        for key, value in record.evidence.items()
        if key not in ("why", "solvability", "key", "refs") and value not in ("", None, [])
    }
    return json.dumps(shown, default=str, ensure_ascii=False)


def record_rows(
    leads: Iterable[Lead],
    records: Iterable[LeadRecord],
    stamp: Stamp,
    type_labels: dict[int, str],
) -> Iterable[list[Any]]:
    """One export row per record, in the order of the leads."""
    by_lead: dict[int, list[LeadRecord]] = {}
    for record in records:
        by_lead.setdefault(record.lead_id, []).append(record)
    for lead in leads:
        for record in by_lead.get(lead.pk, []):
            yield [
                lead.number,
                lead.get_kind_display(),
                lead.get_status_display(),
                lead.get_priority_display(),
                lead.score,
                lead.title,
                record.role,
                type_labels.get(record.content_type_id, ""),
                record.object_id,
                record.label,
                stamp.base_url + record.page_url if record.page_url else "",
                record.occurred_at,
                record.latitude,
                record.longitude,
                record.evidence.get("why", ""),
                _details(record),
                record.is_new,
                record.added_at,
                stamp.username,
                stamp.at,
            ]


# --- the PDF ---


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=sheet["BodyText"], fontSize=8, leading=10)
    return {
        "title": sheet["Title"],
        "h2": sheet["Heading2"],
        "body": sheet["BodyText"],
        "small": small,
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _table(rows: list[list[Any]], widths: Sequence[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eceff1")),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _located(records: Sequence[LeadRecord]) -> list[tuple[int, LeadRecord]]:
    return [
        (index, r)
        for index, r in enumerate(records, 1)
        if r.latitude is not None and r.longitude is not None
    ]


def map_drawing(records: Sequence[LeadRecord], width: float = 460, height: float = 260) -> Drawing:
    """The records' locations on a plain projected frame, numbered as in the evidence table."""
    drawing = Drawing(width, height)
    drawing.add(Rect(0, 0, width, height, strokeColor=colors.grey, fillColor=colors.whitesmoke))
    located = _located(records)
    if not located:
        drawing.add(String(12, height / 2, "No record of this lead has a location.", fontSize=9))
        return drawing
    lats = [r.latitude for _, r in located if r.latitude is not None]
    lons = [r.longitude for _, r in located if r.longitude is not None]
    mid_lat = (min(lats) + max(lats)) / 2
    x_scale = math.cos(math.radians(mid_lat))
    span_x = max((max(lons) - min(lons)) * x_scale, 0.002)
    span_y = max(max(lats) - min(lats), 0.002)
    margin = 30
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    centre_lon, centre_lat = (min(lons) + max(lons)) / 2, mid_lat

    def project(lat: float, lon: float) -> tuple[float, float]:
        return (
            width / 2 + (lon - centre_lon) * x_scale * scale,
            height / 2 + (lat - centre_lat) * scale,
        )

    for index, record in located:
        assert record.latitude is not None and record.longitude is not None
        x, y = project(record.latitude, record.longitude)
        colour = ROLE_COLOURS.get(record.role, PERSON_COLOUR)
        drawing.add(Circle(x, y, 5, fillColor=colour, strokeColor=colors.white))
        drawing.add(String(x + 7, y + 3, str(index), fontSize=8))
    # A scale bar: the length of one tenth of the frame's width, in metres.
    bar_deg = (width / 5) / (x_scale * scale)
    bar_m = distance_m((centre_lat, centre_lon), (centre_lat, centre_lon + bar_deg))
    y0 = 12
    drawing.add(Line(12, y0, 12 + width / 5, y0, strokeColor=colors.black, strokeWidth=1.5))
    label = f"{bar_m / 1000:.1f} km" if bar_m >= 1000 else f"{bar_m:.0f} m"
    drawing.add(String(16 + width / 5, y0 - 3, label, fontSize=8))
    drawing.add(String(width - 70, y0 - 3, "north is up", fontSize=7, fillColor=colors.grey))
    return drawing


def network_edges(records: Sequence[LeadRecord]) -> list[tuple[int, int]]:
    """Edges between records: one names another (a casing its incident, a match its casings)."""
    owners: dict[str, int] = {}
    for index, record in enumerate(records):
        key = record.evidence.get("key")
        if key:
            owners.setdefault(str(key), index)
    edges = set()
    for index, record in enumerate(records):
        for ref in record.evidence.get("refs", []):
            other = owners.get(str(ref))
            if other is not None and other != index:
                edges.add((min(index, other), max(index, other)))
    return sorted(edges)


def network_drawing(
    lead: Lead, records: Sequence[LeadRecord], width: float = 460, height: float = 300
) -> Drawing:
    """A node-link picture of the lead's records; records linked to nothing hang off the lead."""
    graph = nx.Graph()
    graph.add_node("lead")
    for index in range(len(records)):
        graph.add_node(index)
    edges = network_edges(records)
    graph.add_edges_from(edges)
    for index in range(len(records)):
        if graph.degree[index] == 0:
            graph.add_edge("lead", index)
    # A fixed seed: the same lead always gives the same picture.
    layout = nx.spring_layout(graph, seed=7)
    drawing = Drawing(width, height)
    drawing.add(Rect(0, 0, width, height, strokeColor=colors.grey, fillColor=colors.white))
    margin = 28

    def place(node: Any) -> tuple[float, float]:
        x, y = layout[node]
        return (
            margin + (x + 1) / 2 * (width - 2 * margin),
            margin + (y + 1) / 2 * (height - 2 * margin),
        )

    for a, b in graph.edges:
        (x1, y1), (x2, y2) = place(a), place(b)
        drawing.add(Line(x1, y1, x2, y2, strokeColor=colors.HexColor("#90a4ae")))
    for node in graph.nodes:
        x, y = place(node)
        if node == "lead":
            drawing.add(Rect(x - 18, y - 8, 36, 16, fillColor=colors.black))
            drawing.add(String(x - 15, y - 3, "LEAD", fontSize=8, fillColor=colors.white))
            continue
        record = records[node]
        colour = ROLE_COLOURS.get(record.role, PERSON_COLOUR)
        drawing.add(Circle(x, y, 7, fillColor=colour, strokeColor=colors.white))
        drawing.add(String(x + 9, y - 3, f"{node + 1} {record.role}", fontSize=7))
    return drawing


def lead_pdf(
    lead: Lead,
    records: Sequence[LeadRecord],
    events: Sequence[LeadEvent],
    stamp: Stamp,
    type_labels: dict[int, str],
) -> bytes:
    """The lead report for prosecutors, as PDF bytes."""
    styles = _styles()
    buffer = io.BytesIO()
    agency = lead.agency
    document = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        title=f"Lead report {lead.number}",
        author=agency.name,
        leftMargin=0.7 * inch,
        rightMargin=0.7 * inch,
        topMargin=0.8 * inch,
        bottomMargin=0.8 * inch,
    )

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica-Bold", 9)
        canvas.drawString(0.7 * inch, letter[1] - 0.5 * inch, f"{agency.name} ({agency.ori})")
        canvas.drawRightString(
            letter[0] - 0.7 * inch, letter[1] - 0.5 * inch, f"Lead {lead.number}"
        )
        canvas.setFont("Helvetica", 7)
        canvas.drawString(
            0.7 * inch,
            0.5 * inch,
            f"{stamp.text}. Criminal justice information: official use only.",
        )
        canvas.drawRightString(letter[0] - 0.7 * inch, 0.5 * inch, f"Page {doc.page}")
        canvas.restoreState()

    story: list[Any] = [
        _p(f"Lead report {lead.number}", styles["title"]),
        _p(lead.title, styles["h2"]),
        _table(
            [
                ["Agency", "Kind", "Status", "Priority", "Score", "Assignee"],
                [
                    _p(agency.name, styles["small"]),
                    _p(lead.get_kind_display(), styles["small"]),
                    _p(
                        lead.get_status_display()
                        + (f" ({lead.get_outcome_display()})" if lead.outcome else ""),
                        styles["small"],
                    ),
                    lead.get_priority_display(),
                    f"{lead.score:g}",
                    _p(lead.assignee.username if lead.assignee else "-", styles["small"]),
                ],
            ],
            [110, 90, 80, 50, 40, 80],
        ),
        Spacer(1, 8),
        _p("Summary", styles["h2"]),
        _p(lead.summary, styles["body"]),
        _p("Why this score", styles["h2"]),
    ]
    for part in lead.score_explanation:
        story.append(_p(f"{part.get('points', 0)} points. {part.get('why', '')}", styles["body"]))

    story.append(_p("Timeline", styles["h2"]))
    timeline: list[tuple[dt.datetime, str, str]] = []
    for index, record in enumerate(records, 1):
        if record.occurred_at is not None:
            timeline.append((record.occurred_at, record.label, f"record {index}"))
    for event in events:
        timeline.append((event.at, event.text, "lead history"))
    timeline.sort(key=lambda row: row[0])
    story.append(
        _table(
            [["When (UTC)", "What", "Source"]]
            + [
                [
                    f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M}",
                    _p(what, styles["small"]),
                    _p(source, styles["small"]),
                ]
                for at, what, source in timeline
            ],
            [90, 290, 90],
        )
    )
    story.append(
        KeepTogether(
            [
                _p("Map of the records", styles["h2"]),
                _p(
                    "Numbers are those of the evidence table. Coordinates as the sources gave "
                    "them (public alert data is often rounded to about 100 m).",
                    styles["small"],
                ),
                map_drawing(records),
            ]
        )
    )
    story.append(_p("Evidence: each fact and its source record", styles["h2"]))
    rows: list[list[Any]] = [["#", "Record", "Why it is on the lead", "Source record"]]
    for index, record in enumerate(records, 1):
        source = f"{type_labels.get(record.content_type_id, 'record')} #{record.object_id}"
        if record.page_url:
            source += f" {stamp.base_url}{record.page_url}"
        why = str(record.evidence.get("why", ""))
        explanations = record.evidence.get("indicator_explanations") or []
        if explanations:
            why += " Indicators: " + "; ".join(record.evidence.get("indicators", [])) + "."
        rows.append(
            [
                str(index) + (" (new)" if record.is_new else ""),
                _p(record.label, styles["small"]),
                _p(why, styles["small"]),
                _p(source, styles["small"]),
            ]
        )
    story.append(_table(rows, [36, 150, 170, 114]))
    story.append(
        KeepTogether(
            [
                _p("Network of the lead's records", styles["h2"]),
                _p(
                    "Lines join records that name each other (a casing and its incident, a "
                    "match and its casings, a person and their trace).",
                    styles["small"],
                ),
                network_drawing(lead, records),
            ]
        )
    )
    story.append(Spacer(1, 12))
    story.append(_p(stamp.text + ".", styles["small"]))
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def type_labels_for(records: Iterable[LeadRecord]) -> dict[int, str]:
    from django.contrib.contenttypes.models import ContentType

    ids = {r.content_type_id for r in records}
    labels = {}
    for content_type in ContentType.objects.filter(pk__in=ids):
        model = content_type.model_class()
        labels[content_type.pk] = str(model._meta.verbose_name if model else content_type.model)
    return labels
