"""The linking rules at the edges of radius and window, date-only records, clusters, re-runs."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command

from portal.incidents.geo import haversine_m, offset
from portal.incidents.linking import LinkParams, Scope, link_alerts
from portal.incidents.models import AlertIncidentLink, AlertPairLink, ShootingEvent
from tests.incidents.factories import BASE_LAT, BASE_LON, T0, AlertFactory, IncidentFactory

pytestmark = pytest.mark.django_db

PARAMS = LinkParams()  # 250 m, -30/+60 minutes; 100 m and 5 minutes for clusters
MINUTE = dt.timedelta(minutes=1)


def at(north_m=0.0, east_m=0.0):
    lat, lon = offset(BASE_LAT, BASE_LON, north_m=north_m, east_m=east_m)
    return {"latitude": lat, "longitude": lon}


def linked_numbers(alert):
    return set(
        AlertIncidentLink.objects.filter(alert=alert).values_list(
            "incident__incident_number", flat=True
        )
    )


def run(*alerts):
    return link_alerts(Scope(alert_ids=tuple(a.pk for a in alerts)), PARAMS)


def test_the_offset_helper_places_points_at_the_stated_distance():
    lat, lon = offset(BASE_LAT, BASE_LON, north_m=180, east_m=-170)
    assert haversine_m(BASE_LAT, BASE_LON, lat, lon) == pytest.approx(
        (180**2 + 170**2) ** 0.5, rel=2e-3
    )


def test_radius_edge(agency_a):
    alert = AlertFactory(agency=agency_a)
    IncidentFactory(agency=agency_a, incident_number="IN-249", **at(north_m=249))
    IncidentFactory(agency=agency_a, incident_number="IN-251", **at(east_m=251))
    IncidentFactory(agency=agency_a, incident_number="IN-diag", **at(north_m=170, east_m=170))
    IncidentFactory(agency=agency_a, incident_number="IN-far", **at(north_m=-300))
    run(alert)
    assert linked_numbers(alert) == {"IN-249", "IN-diag"}
    link = AlertIncidentLink.objects.get(incident__incident_number="IN-249")
    assert link.distance_m == pytest.approx(249, abs=0.5)
    assert (link.rule, link.radius_m, link.minutes) == ("radius_window", 250, 0)


def test_window_edges_thirty_minutes_before_sixty_after(agency_a):
    alert = AlertFactory(agency=agency_a)
    for minutes in (-31, -30, -1, 0, 45, 60, 61):
        IncidentFactory(
            agency=agency_a,
            incident_number=f"IN{minutes:+d}",
            occurred_at=T0 + minutes * MINUTE,
            **at(north_m=20),
        )
    run(alert)
    assert linked_numbers(alert) == {"IN-30", "IN-1", "IN+0", "IN+45", "IN+60"}
    stored = dict(AlertIncidentLink.objects.values_list("incident__incident_number", "minutes"))
    assert stored["IN-30"] == pytest.approx(-30) and stored["IN+60"] == pytest.approx(60)


def test_date_only_incident_matches_alerts_of_that_day_within_radius(agency_a):
    alert = AlertFactory(agency=agency_a)  # 18:00 local on 1 May
    local_day = alert.fired_date
    IncidentFactory(
        agency=agency_a,
        incident_number="DAY",
        occurred_at=None,
        occurred_date=local_day,
        **at(north_m=200),
    )
    IncidentFactory(
        agency=agency_a,
        incident_number="NEXT-DAY",
        occurred_at=None,
        occurred_date=dt.date(2024, 5, 2),
        **at(north_m=10),
    )
    IncidentFactory(
        agency=agency_a,
        incident_number="DAY-FAR",
        occurred_at=None,
        occurred_date=local_day,
        **at(north_m=400),
    )
    run(alert)
    assert linked_numbers(alert) == {"DAY"}
    link = AlertIncidentLink.objects.get()
    assert link.rule == "same_day" and link.minutes is None


def test_date_only_alert_matches_timed_incidents_of_its_day(agency_a):
    alert = AlertFactory(agency=agency_a, fired_at=None, fired_date=dt.date(2024, 5, 1))
    IncidentFactory(
        agency=agency_a, incident_number="SAME", occurred_at=T0, occurred_date=dt.date(2024, 5, 1)
    )
    IncidentFactory(
        agency=agency_a,
        incident_number="OTHER",
        occurred_at=T0 + dt.timedelta(days=1),
        occurred_date=dt.date(2024, 5, 2),
    )
    run(alert)
    assert linked_numbers(alert) == {"SAME"}


def test_rounded_coordinates_widen_the_radius(agency_a):
    # Published to 3 decimals: the true point may be ~79 m away from the written one.
    alert = AlertFactory(agency=agency_a, coordinate_decimals=3, location_uncertainty_m=78.7)
    IncidentFactory(agency=agency_a, incident_number="300M", **at(north_m=300))
    IncidentFactory(agency=agency_a, incident_number="340M", **at(north_m=340))
    run(alert)
    assert linked_numbers(alert) == {"300M"}
    assert AlertIncidentLink.objects.get().radius_m == pytest.approx(328.7)


def test_other_agencies_incidents_are_not_linked(agency_a, agency_b):
    alert = AlertFactory(agency=agency_a)
    IncidentFactory(agency=agency_b, incident_number="B-1")
    run(alert)
    assert not AlertIncidentLink.objects.exists()


def test_rerunning_never_duplicates_and_drops_links_that_no_longer_hold(agency_a):
    alert = AlertFactory(agency=agency_a)
    near = IncidentFactory(agency=agency_a, incident_number="NEAR", **at(north_m=50))
    IncidentFactory(agency=agency_a, incident_number="ALSO", **at(north_m=-50))
    first = run(alert)
    assert (first.incident_links, first.incident_links_created) == (2, 2)
    again = run(alert)
    assert (again.incident_links, again.incident_links_created, again.incident_links_updated) == (
        2,
        0,
        0,
    )
    assert AlertIncidentLink.objects.count() == 2
    # The records system corrected the incident's place: the link goes.
    near.latitude, near.longitude = at(north_m=900).values()
    near.save()
    moved = link_alerts(
        Scope(agency_id=agency_a.pk, date_from=dt.date(2024, 4, 30), date_to=dt.date(2024, 5, 2)),
        PARAMS,
    )
    assert moved.incident_links_removed == 1
    assert linked_numbers(alert) == {"ALSO"}


def test_alerts_within_100_m_and_5_minutes_are_one_shooting_even_in_a_chain(agency_a):
    a = AlertFactory(agency=agency_a, source_id="A")
    b = AlertFactory(agency=agency_a, source_id="B", fired_at=T0 + 4 * MINUTE, **at(north_m=90))
    c = AlertFactory(agency=agency_a, source_id="C", fired_at=T0 + 8 * MINUTE, **at(north_m=180))
    far = AlertFactory(agency=agency_a, source_id="FAR", fired_at=T0 + MINUTE, **at(east_m=101))
    late = AlertFactory(
        agency=agency_a, source_id="LATE", fired_at=T0 - 5 * MINUTE - dt.timedelta(seconds=1)
    )
    report = run(a, b, c, far, late)
    pairs = {
        (p.alert.source_id, p.other.source_id)
        for p in AlertPairLink.objects.select_related("alert", "other")
    }
    assert pairs == {("A", "B"), ("B", "C")}
    assert report.shooting_events == 1
    event = ShootingEvent.objects.get()
    assert (
        event.alert_count == 3
        and event.first_fired_at == T0
        and event.last_fired_at == T0 + 8 * MINUTE
    )
    for alert in (a, b, c, far, late):
        alert.refresh_from_db()
    assert a.event_id == b.event_id == c.event_id == event.pk
    assert far.event_id is None and late.event_id is None
    pair = AlertPairLink.objects.get(alert_id=a.pk)
    assert pair.distance_m == pytest.approx(90, abs=0.5) and pair.minutes == pytest.approx(4)
    # A re-run keeps the same event and adds nothing.
    run(a, b, c, far, late)
    assert list(ShootingEvent.objects.values_list("pk", flat=True)) == [event.pk]
    assert AlertPairLink.objects.count() == 2


def test_a_new_alert_joins_two_events_into_one(agency_a):
    left = AlertFactory(agency=agency_a, source_id="L1")
    left2 = AlertFactory(agency=agency_a, source_id="L2", fired_at=T0 + MINUTE, **at(east_m=20))
    right = AlertFactory(agency=agency_a, source_id="R1", fired_at=T0 + MINUTE, **at(north_m=180))
    right2 = AlertFactory(
        agency=agency_a, source_id="R2", fired_at=T0 + 2 * MINUTE, **at(north_m=190)
    )
    run(left, left2, right, right2)
    assert ShootingEvent.objects.count() == 2
    bridge = AlertFactory(
        agency=agency_a, source_id="MID", fired_at=T0 + 2 * MINUTE, **at(north_m=90)
    )
    run(bridge)
    assert ShootingEvent.objects.count() == 1
    assert ShootingEvent.objects.get().alert_count == 5


def test_export_links_writes_the_links(agency_a, tmp_path):
    alert = AlertFactory(agency=agency_a, source_id="=HYPERLINK(1)")
    IncidentFactory(
        agency=agency_a, incident_number="24-1", occurred_at=T0 + 10 * MINUTE, **at(north_m=100)
    )
    run(alert)
    out = tmp_path / "links.csv"
    call_command("export_links", "--kind", "alert-incident", "--out", str(out), stdout=StringIO())
    rows = list(csv.DictReader(out.open()))
    assert rows == [
        {
            "alert_source_id": "'=HYPERLINK(1)",
            "incident_number": "24-1",
            "distance_m": "100.0",
            "minutes": "10.0",
        }
    ]


def test_an_incident_moved_to_another_day_by_reimport_loses_its_old_links(
    agency_a, tmp_path, django_capture_on_commit_callbacks
):
    AlertFactory(agency=agency_a, source_id="S1")
    path = tmp_path / "incidents.csv"
    header = "Incident Number,Start Date,Latitude,Longitude\n"
    path.write_text(f"{header}24-9,{T0.isoformat()},{BASE_LAT},{BASE_LON}\n")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_incidents", str(path), "--agency", agency_a.ori, stdout=StringIO())
    assert AlertIncidentLink.objects.count() == 1
    later = T0 + dt.timedelta(days=20)
    path.write_text(f"{header}24-9,{later.isoformat()},{BASE_LAT},{BASE_LON}\n")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_incidents", str(path), "--agency", agency_a.ori, stdout=StringIO())
    assert not AlertIncidentLink.objects.exists()
