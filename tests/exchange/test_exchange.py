"""Calls that belong to another 112: hand-off and its answer, mutual aid, and CAP 1.2 in and out."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import capvalidator
import pytest
from sqlalchemy import func, select

from geo112.store.db import session_factory
from geo112.store.models import Incident
from tests.conftest import loaded_database
from tests.dispatch.conftest import MOJOSARI, committed_unit

API = "/api/v1"
JOMBANG = (112.2333, -7.5460)
CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"


@pytest.fixture
def dispatcher(client, login, province, demo):
    """The test client logged in as a dispatcher on a database with the province; returns the CSRF headers."""
    return login("dispatcher")


def _incident(client, headers, point, **fields) -> dict:
    answer = client.post(f"{API}/incidents", headers=headers,
                         json={"category": "kebakaran", "lon": point[0], "lat": point[1], **fields})  # fmt: skip
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def test_a_call_from_across_the_border_is_handed_off_and_a_decline_reopens_it(client, dispatcher) -> None:
    incident = _incident(client, dispatcher, JOMBANG)
    assert incident["handoff"] == "Call Center 112 Kabupaten Jombang" and incident["handoff_code"] == "35.17"
    assert incident["jurisdiction"]["code"] == "35.17" and incident["desa"] is None
    recommendations = f"{API}/incidents/{incident['id']}/recommendations"
    handoff_pending = lambda: client.get(recommendations).get_json()["handoff_pending"]  # noqa: E731
    assert handoff_pending() is False
    made = client.post(f"{API}/incidents/{incident['id']}/handoff", headers=dispatcher,
                       json={"reason": "penelepon di Desa Jombang"})  # fmt: skip
    assert made.status_code == 201
    handoff = made.get_json()
    assert (
        handoff["to_code"] == "35.17" and handoff["status"] == "pending" and handoff["created_by"] == "test-dispatcher"
    )
    closed = client.get(f"{API}/incidents/{incident['id']}").get_json()
    assert closed["status"] == "closed" and closed["disposition"] == "handed_off"
    open_ids = [i["id"] for i in client.get(f"{API}/incidents?status=open&limit=500").get_json()["items"]]
    assert incident["id"] not in open_ids  # it left the open list
    pending = client.get(f"{API}/handoffs?status=pending").get_json()["items"]
    assert handoff["id"] in [h["id"] for h in pending]
    assert handoff_pending() is True  # every console says it awaits the answer, not only the one that sent it
    note = "lokasi di perbatasan, bukan wilayah kami"
    declined = client.post(f"{API}/handoffs/{handoff['id']}/answer", headers=dispatcher,
                           json={"outcome": "declined", "note": note})  # fmt: skip
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"
    assert client.get(f"{API}/incidents/{incident['id']}").get_json()["status"] == "open"
    assert handoff_pending() is False
    again = client.post(f"{API}/handoffs/{handoff['id']}/answer", headers=dispatcher, json={"outcome": "accepted"})
    assert again.status_code == 409  # answered already
    actions = [e["action"] for e in client.get(f"{API}/incidents/{incident['id']}/timeline").get_json()["events"]]
    assert actions[-4:] == ["incident.handed_off", "handoff.created", "handoff.answered", "incident.reopened"]


def test_our_own_call_is_not_handed_off(client, dispatcher) -> None:
    own = _incident(client, dispatcher, MOJOSARI)
    refused = client.post(f"{API}/incidents/{own['id']}/handoff", headers=dispatcher, json={"reason": "x"})
    assert refused.status_code == 409 and "own" in refused.get_json()["detail"]


def test_mutual_aid_is_a_choice_with_a_reason_and_the_audit_trail_says_so(client, dispatcher, demo) -> None:
    incident = _incident(client, dispatcher, JOMBANG)
    unit = committed_unit(demo, "K16", "AID")
    url = f"{API}/incidents/{incident['id']}/assignments"
    plain = client.post(url, headers=dispatcher, json={"unit_id": unit})
    assert plain.status_code == 409 and plain.get_json()["handoff_code"] == "35.17"
    no_reason = client.post(url, headers=dispatcher, json={"unit_id": unit, "mutual_aid": True})
    assert no_reason.status_code == 422
    recommended = client.get(f"{API}/incidents/{incident['id']}/recommendations").get_json()
    assert recommended["handoff"] and recommended["requirements"]  # units are proposed for the outside point
    sent = client.post(url, headers=dispatcher,
                       json={"unit_id": unit, "mutual_aid": True, "mutual_aid_reason": "nearest_unit"})  # fmt: skip
    assert sent.status_code == 201, sent.get_json()
    assert sent.get_json()["mutual_aid"] is True and sent.get_json()["mutual_aid_reason"] == "nearest_unit"
    events = client.get(f"{API}/incidents/{incident['id']}/timeline").get_json()["events"]
    created = next(e for e in events if e["action"] == "assignment.created")
    assert created["after"]["mutual_aid"] is True and created["after"]["mutual_aid_reason"] == "nearest_unit"


def test_an_incident_goes_out_as_valid_cap_and_comes_back_the_same_in_another_database(
    client, dispatcher, settings, app
) -> None:
    incident = _incident(client, dispatcher, MOJOSARI, priority=2, description="gudang terbakar")
    alert = client.get(f"{API}/incidents/{incident['id']}/cap.xml")
    assert alert.status_code == 200 and alert.mimetype == "application/cap+xml"
    checked = capvalidator.check_schema(alert.data)
    assert checked.passed, checked.message
    assert b"kemendagri:desa" in alert.data and b"<cap:circle>" in alert.data
    from web import create_app

    other = create_app({"TESTING": True, "GEO112_DATABASE_URL": loaded_database("cap", settings.data_dir),
                        "GEO112_CACHE_DIR": str(settings.cache_dir), "RATELIMIT_ENABLED": False})  # fmt: skip
    neighbour = other.test_client()
    token = neighbour.get(f"{API}/auth/csrf").get_json()["csrf_token"]
    logged = neighbour.post(f"{API}/auth/login", json={"username": "test-dispatcher", "password": "correct-horse-112"},
                            headers={"X-CSRFToken": token})  # fmt: skip
    headers = {"X-CSRFToken": logged.get_json()["csrf_token"], "Content-Type": "application/cap+xml"}
    received = neighbour.post(f"{API}/cap", data=alert.data, headers=headers)
    assert received.status_code == 201, received.get_json()
    copy = received.get_json()["incident"]
    assert copy["location"]["coordinates"] == pytest.approx(incident["location"]["coordinates"], abs=1e-6)
    assert (copy["category"], copy["priority"]) == ("kebakaran", 2) and "gudang terbakar" in copy["description"]
    assert copy["desa"] == incident["desa"]
    assert neighbour.post(f"{API}/cap", data=alert.data, headers=headers).status_code == 409  # received twice
    updated = neighbour.post(f"{API}/cap", data=_update(alert.data, priority="1"), headers=headers)
    assert updated.status_code == 200 and updated.get_json()["result"] == "updated", updated.get_json()
    assert updated.get_json()["incident"]["id"] == copy["id"] and updated.get_json()["incident"]["priority"] == 1


def _update(alert: bytes, priority: str) -> bytes:
    """An Update of an alert (as the sender would send it): a new identifier, referring to the first."""
    root = ET.fromstring(alert)
    ns = {"cap": CAP_NS}
    first = [root.find(f"cap:{tag}", ns).text for tag in ("sender", "identifier", "sent")]
    root.find("cap:msgType", ns).text = "Update"
    root.find("cap:identifier", ns).text = f"{first[1]}-update"
    references = ET.Element(f"{{{CAP_NS}}}references")
    references.text = ",".join(first)
    root.insert(list(root).index(root.find("cap:incidents", ns)), references)
    for parameter in root.iter(f"{{{CAP_NS}}}parameter"):
        if parameter.find("cap:valueName", ns).text == "geo112:priority":
            parameter.find("cap:value", ns).text = priority
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol3;</identifier></alert>"""
XXE = b"""<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&x;</identifier></alert>"""


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        (b"<html><body>not cap</body></html>", 422, "not a CAP 1.2 alert"),
        (b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"><identifier>x</identifier></alert>', 422, "not a CAP"),
        (BILLION_LAUGHS, 400, "DTD"),
        (XXE, 400, "DTD"),
        (b"<alert xmlns='" + CAP_NS.encode() + b"'><identifier>x</identifier>", 400, "not well-formed"),
        (b"<alert xmlns='" + CAP_NS.encode() + b"'><identifier>x</identifier></alert>", 422, "schema"),
        (b"<alert xmlns='" + CAP_NS.encode() + b"'>" + b"<note>x</note>" * 40_000 + b"</alert>", 413, "at most"),
    ],
)
def test_hostile_or_wrong_xml_is_refused_and_writes_nothing(client, dispatcher, demo, body, status, says) -> None:
    with session_factory(demo)() as session:
        before = session.scalar(select(func.count()).select_from(Incident))
    answer = client.post(f"{API}/cap", data=body, headers={**dispatcher, "Content-Type": "application/cap+xml"})
    assert answer.status_code == status and says in answer.get_json()["detail"], answer.get_json()
    with session_factory(demo)() as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == before


def test_the_feed_lists_pending_hand_offs_with_their_alerts(client, dispatcher) -> None:
    incident = _incident(client, dispatcher, JOMBANG)
    handoff = client.post(f"{API}/incidents/{incident['id']}/handoff", headers=dispatcher,
                          json={"reason": "wilayah Jombang"}).get_json()  # fmt: skip
    feed = client.get(f"{API}/cap/feed.atom")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    link = f"/api/v1/handoffs/{handoff['id']}/cap.xml".encode()
    assert link in feed.data
    alert = client.get(f"{API}/handoffs/{handoff['id']}/cap.xml")
    assert capvalidator.check_schema(alert.data).passed
    assert b"<cap:scope>Private</cap:scope>" in alert.data and b"Call Center 112 Kabupaten Jombang" in alert.data
    assert b"35.17" in alert.data  # the kabupaten's geocode


@pytest.mark.parametrize(
    ("circle", "says"),
    [
        ("NaN,NaN 1.0", "not a WGS84"),
        ("-95.0,112.5 1.0", "not a WGS84"),
        ("112.5603,-7.5196 1.0", "latitude first"),  # longitude first
        ("x,y 1.0", "not a WGS84"),
        ("0.0,0.0 1.0", "outside Jawa Timur"),  # the Gulf of Guinea
    ],
)
def test_an_alert_placed_where_no_incident_can_be_is_refused_with_where(client, dispatcher, demo, circle, says) -> None:
    incident = _incident(client, dispatcher, MOJOSARI)
    alert = client.get(f"{API}/incidents/{incident['id']}/cap.xml").data
    alert = re.sub(rb"<cap:circle>[^<]*</cap:circle>", f"<cap:circle>{circle}</cap:circle>".encode(), alert)
    alert = alert.replace(b"-incident-", b"-elsewhere-incident-")  # not our own alert coming back
    with session_factory(demo)() as session:
        before = session.scalar(select(func.count()).select_from(Incident))
    answer = client.post(f"{API}/cap", data=alert, headers={**dispatcher, "Content-Type": "application/cap+xml"})
    assert answer.status_code == 422 and says in answer.get_json()["detail"], answer.get_json()
    with session_factory(demo)() as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == before


def test_a_chunked_alert_over_the_limit_is_too_large(client, dispatcher) -> None:
    body = b"<alert>" + b"x" * (1 << 20) + b"</alert>"
    chunked = client.post(  # as gunicorn hands a chunked body on: de-chunked, of no stated length
        f"{API}/cap", input_stream=io.BytesIO(body), environ_overrides={"wsgi.input_terminated": True},
        headers={**dispatcher, "Content-Type": "application/cap+xml", "Transfer-Encoding": "chunked"},
    )  # fmt: skip
    assert chunked.status_code == 413, chunked.get_json()
