"""Incident and alert pages and read API: what a user sees, and what another agency cannot."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.utils import timezone

from portal.incidents.linking import Scope, link_alerts
from portal.models import AuditEvent
from tests.incidents.factories import AlertFactory, IncidentFactory, IncidentPersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(agency_a):
    incident = IncidentFactory(
        agency=agency_a, incident_number="24-000777", offense="=cmd|' /C calc'!A0", killed=1
    )
    IncidentPersonFactory(
        incident=incident, agency=incident.agency, last_name="VICTIMNAME", role="victim"
    )
    alert = AlertFactory(
        agency=agency_a, source_id="SS-LINKED", latitude=incident.latitude + 0.0005
    )
    other = IncidentFactory(
        agency=agency_a,
        incident_number="24-000778",
        offense="ROBBERY",
        weapon="KNIFE",
        latitude=incident.latitude + 0.05,
    )
    link_alerts(Scope(alert_ids=(alert.pk,)))
    return {"incident": incident, "alert": alert, "other": other}


def test_incident_list_filters_and_links(owner_client, records):
    page = owner_client.get("/incidents/").content.decode()
    assert "24-000777" in page and "24-000778" in page
    filtered = owner_client.get("/incidents/", {"weapon": "knife"}).content.decode()
    assert "24-000778" in filtered and "24-000777" not in filtered
    linked = owner_client.get("/incidents/", {"has_alerts": "true"}).content.decode()
    assert "24-000777" in linked and "24-000778" not in linked


def test_incident_csv_export_neutralises_formulas_and_is_audited(owner_client, records):
    response = owner_client.get("/incidents/", {"format": "csv", "q": "24-000777"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["incident_number"] for row in rows] == ["24-000777"]
    assert rows[0]["offense"] == "'=cmd|' /C calc'!A0"
    assert float(rows[0]["longitude"]) < 0  # numbers stay numbers
    assert rows[0]["linked_alerts"] == "1"
    assert AuditEvent.objects.filter(event_type="export", object_type="incidents").exists()


def test_incident_detail_shows_persons_linked_alerts_and_map(owner_client, records):
    incident = records["incident"]
    page = owner_client.get(incident.get_absolute_url()).content.decode()
    assert "VICTIMNAME" in page and "SS-LINKED" in page
    assert 'id="incident-figure"' in page and "plotly.min.js" in page
    assert "cdn" not in page.lower()
    assert AuditEvent.objects.filter(event_type="view", object_id=str(incident.pk)).exists()


def test_alert_list_detail_map_and_live(owner_client, records):
    alert = records["alert"]
    assert "SS-LINKED" in owner_client.get("/alerts/").content.decode()
    detail = owner_client.get(alert.get_absolute_url()).content.decode()
    assert "24-000777" in detail
    map_page = owner_client.get("/alerts/map/").content.decode()
    assert 'id="alert-figure"' in map_page and "Incidents (base layer)" in map_page
    # No tile server anywhere: plain scatter traces, nothing fetched from outside;
    # a few alerts are drawn as SVG (no GPU needed), not WebGL.
    assert "scatter" in map_page and "scattergl" not in map_page
    assert "mapbox" not in map_page and "https://" not in map_page


def test_live_view_lists_the_last_24_hours_and_updates_from_json(owner_client, agency_a):
    recent = AlertFactory(
        agency=agency_a, source_id="RECENT", fired_at=timezone.now() - dt.timedelta(hours=2)
    )
    AlertFactory(agency=agency_a, source_id="OLD", fired_at=timezone.now() - dt.timedelta(hours=30))
    page = owner_client.get("/alerts/live/").content.decode()
    assert "RECENT" in page and "OLD" not in page and "data-live-url" in page
    data = owner_client.get("/alerts/live.json").json()
    assert [a["source_id"] for a in data["alerts"]] == ["RECENT"]
    assert data["alerts"][0]["url"] == recent.get_absolute_url()
    assert data["figure"]["data"]


def test_read_api(owner_client, records):
    incidents = owner_client.get("/api/v1/incidents/").json()
    assert {i["incident_number"] for i in incidents["results"]} == {"24-000777", "24-000778"}
    detail = owner_client.get(f"/api/v1/incidents/{records['incident'].pk}/").json()
    assert detail["persons"][0]["last_name"] == "VICTIMNAME"
    assert detail["alert_links"][0]["alert_source_id"] == "SS-LINKED"
    alerts = owner_client.get("/api/v1/shotspotter/alerts/").json()
    assert [a["source_id"] for a in alerts["results"]] == ["SS-LINKED"]
    links = owner_client.get("/api/v1/alert-incident-links/").json()
    assert links["results"][0]["incident_number"] == "24-000777"


def test_another_agency_sees_nothing(outsider_client, records):
    incident, alert = records["incident"], records["alert"]
    assert "24-000777" not in outsider_client.get("/incidents/").content.decode()
    assert outsider_client.get(incident.get_absolute_url()).status_code == 404
    csv_text = outsider_client.get("/incidents/", {"format": "csv"}).content.decode()
    assert "24-000777" not in csv_text
    assert "SS-LINKED" not in outsider_client.get("/alerts/").content.decode()
    assert outsider_client.get(alert.get_absolute_url()).status_code == 404
    assert "SS-LINKED" not in outsider_client.get("/alerts/map/").content.decode()
    assert outsider_client.get("/alerts/live.json").json()["alerts"] == []
    assert outsider_client.get("/api/v1/incidents/").json()["results"] == []
    assert outsider_client.get(f"/api/v1/incidents/{incident.pk}/").status_code == 404
    assert outsider_client.get("/api/v1/shotspotter/alerts/").json()["results"] == []
    assert outsider_client.get(f"/api/v1/shotspotter/alerts/{alert.pk}/").status_code == 404
    assert outsider_client.get("/api/v1/alert-incident-links/").json()["results"] == []


def test_pages_need_a_login(client, records):
    for url in ("/incidents/", "/alerts/", "/alerts/map/", "/alerts/live/", "/alerts/live.json"):
        assert client.get(url).status_code == 302


def test_alert_map_counts_a_big_filtered_set_per_grid_cell(owner, agency_a):
    """Past the raw-point limit the map draws counted cells; every alert is in one of them."""
    from portal.incidents.selectors import alert_list, map_layers

    # Two clusters a few kilometres apart: 4 alerts north-west, 3 south-east, one incident each.
    for _ in range(4):
        AlertFactory(agency=agency_a, latitude=39.30, longitude=-76.62)
    for _ in range(3):
        AlertFactory(agency=agency_a, latitude=39.25, longitude=-76.55, alert_type="single_gunshot")
    IncidentFactory(agency=agency_a, latitude=39.30, longitude=-76.62)
    IncidentFactory(agency=agency_a, latitude=39.25, longitude=-76.55)

    raw = map_layers(alert_list(owner), owner)
    assert raw.cell_degrees is None and len(raw.alerts) == 7 and raw.alert_count == 7

    cells = map_layers(alert_list(owner), owner, raw_max=3)
    assert cells.cell_degrees is not None and cells.cell_metres is not None
    assert sorted(point.count for point in cells.alerts) == [3, 4]
    assert {point.kind for point in cells.alerts} == {"multiple_gunshots", "single_gunshot"}
    assert "4 alerts (" in next(p.label for p in cells.alerts if p.count == 4)
    assert cells.alert_count == 7 and len(cells.base) == 2 and cells.incident_count == 2


def test_alert_map_cells_hold_the_latest_alerts_past_the_grid_limit(owner, agency_a):
    from portal.incidents.selectors import alert_list, map_layers

    for day in range(1, 6):
        AlertFactory(agency=agency_a, fired_at=dt.datetime(2024, 5, day, 12, tzinfo=dt.UTC))
    layers = map_layers(alert_list(owner), owner, raw_max=2, grid_max=3)
    assert layers.capped and layers.alert_count == 3
    assert "2024-05-03 to 2024-05-05" in layers.alerts[0].label
