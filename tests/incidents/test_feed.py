"""The live ShotSpotter feed: POST /api/v1/shotspotter/alerts/ with a token."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from portal.incidents.models import AlertIncidentLink, ShotSpotterAlert
from portal.services import api_token_create
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory

URL = "/api/v1/shotspotter/alerts/"

ALERT = {
    "id": "7D274641",
    "fired_at": "2024-05-01T22:00:00Z",
    "latitude": 39.2904,
    "longitude": -76.6122,
    "type": "Multiple_Gunshots",
    "rounds": 4,
    "coverage_area": "Central",
}


@pytest.fixture
def feed_user(agency_a):
    return UserFactory(username="feed", agency=agency_a, role="analyst")


@pytest.fixture
def token_client(feed_user):
    token = api_token_create(user=feed_user)
    return Client(HTTP_AUTHORIZATION=f"Token {token}")


@pytest.mark.django_db
def test_one_alert_is_stored_for_the_senders_agency(token_client, agency_a):
    response = token_client.post(URL, ALERT, content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["received"], body["created"]) == (1, 1)
    alert = ShotSpotterAlert.objects.get()
    assert alert.agency == agency_a and alert.source_id == "7D274641"
    assert alert.alert_type == "multiple_gunshots" and alert.received_via == "feed"
    assert alert.fired_at and alert.fired_at.isoformat() == "2024-05-01T22:00:00+00:00"
    assert alert.coordinate_decimals == 4
    assert body["alerts"][0]["url"] == alert.get_absolute_url()
    # The same alert sent again changes nothing.
    again = token_client.post(URL, ALERT, content_type="application/json").json()
    assert (again["created"], again["unchanged"]) == (0, 1)


@pytest.mark.django_db
def test_a_list_of_alerts(token_client):
    alerts = [{**ALERT, "id": f"A{i}", "type": "Single Gunshot"} for i in range(3)]
    response = token_client.post(URL, alerts, content_type="application/json")
    assert response.status_code == 201 and response.json()["created"] == 3
    assert ShotSpotterAlert.objects.filter(alert_type="single_gunshot").count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({**ALERT, "latitude": "north"}, "latitude", "Must be a number of degrees."),
        ({**ALERT, "longitude": 90.25}, "longitude", "lies outside"),
        ({**ALERT, "fired_at": "yesterday"}, "fired_at", "Datetime has wrong format"),
        ({**ALERT, "type": "Fireworks"}, "type", "Unknown alert type"),
        ({k: v for k, v in ALERT.items() if k != "id"}, "id", "This field is required."),
        ({**ALERT, "rounds": -1}, "rounds", "greater than or equal to 0"),
    ],
)
def test_bad_alerts_are_clear_400s(token_client, payload, field, message):
    response = token_client.post(URL, payload, content_type="application/json")
    assert response.status_code == 400
    assert message in " ".join(response.json()[field])
    assert not ShotSpotterAlert.objects.exists()


@pytest.mark.django_db
def test_a_bad_alert_in_a_list_names_its_position_and_nothing_is_stored(token_client):
    alerts = [ALERT, {**ALERT, "id": "B", "latitude": None}]
    response = token_client.post(URL, alerts, content_type="application/json")
    assert response.status_code == 400
    # Errors are keyed by the position of the bad alert in the list.
    assert response.json() == {"1": {"latitude": ["This field may not be null."]}}
    assert not ShotSpotterAlert.objects.exists()
    for body in ("[]", '"text"', "42"):
        assert token_client.post(URL, body, content_type="application/json").status_code == 400
    assert token_client.post(URL, "{not json", content_type="application/json").status_code == 400


@pytest.mark.django_db
def test_feed_needs_a_token_and_a_role_that_may_send(agency_a):
    assert Client().post(URL, ALERT, content_type="application/json").status_code in (401, 403)
    bad = Client(HTTP_AUTHORIZATION="Token not-a-token")
    assert bad.post(URL, ALERT, content_type="application/json").status_code == 401
    detective = UserFactory(agency=agency_a, role="detective")
    client = Client(HTTP_AUTHORIZATION=f"Token {api_token_create(user=detective)}")
    assert client.post(URL, ALERT, content_type="application/json").status_code == 403
    assert not ShotSpotterAlert.objects.exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_posted_alert_is_linked_by_a_real_worker(celery_worker, token_client, agency_a):
    IncidentFactory(
        agency=agency_a, incident_number="24-0001", latitude=39.2912, longitude=-76.6122
    )
    response = token_client.post(URL, ALERT, content_type="application/json")
    assert response.status_code == 201
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not AlertIncidentLink.objects.exists():
        time.sleep(0.05)
    link = AlertIncidentLink.objects.select_related("alert", "incident").get()
    assert (link.alert.source_id, link.incident.incident_number) == ("7D274641", "24-0001")
    assert link.distance_m == pytest.approx(89, abs=1) and link.minutes == pytest.approx(0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "payload",
    [
        {**ALERT, "fired_at": "0001-01-01T00:00:00Z"},
        {**ALERT, "latitude": 1e400},
        {**ALERT, "latitude": "NaN"},
        {**ALERT, "latitude": True},
        {**ALERT, "id": "   "},
        [1, 2],
        [None],
        {"id": {"nested": 1}},
    ],
)
def test_odd_input_is_a_400_never_a_500(token_client, payload):
    response = token_client.post(URL, payload, content_type="application/json")
    assert response.status_code == 400
    assert not ShotSpotterAlert.objects.exists()


@pytest.mark.django_db
def test_feed_is_audited(token_client):
    from portal.models import AuditEvent

    token_client.post(URL, ALERT, content_type="application/json")
    event = AuditEvent.objects.get(event_type="create")
    assert event.object_id == "7D274641" and event.detail["created"] == 1
