"""The caller's location from the caller's phone: signed short-lived links, the incident moving to the
phone's position (audited, with its accuracy), refusals on both sides, and the SMS outbox."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlparse

import pytest
from sqlalchemy import select

from geo112.dispatch import caller_location, responder, schemas
from geo112.dispatch.assignments import assign
from geo112.dispatch.incidents import close_incident
from geo112.dispatch.sms import OutboxGateway, gateway
from geo112.errors import Conflict, Forbidden, Gone, Unprocessable
from geo112.store.geometry import lon_lat_of
from geo112.store.models import SmsMessage

from .conftest import OUTSIDE, PACET, timeline

SECRET = "test-secret"
API = "/api/v1"
# In Kec. Mojosari, a few hundred metres from where the dispatcher first placed the call.
PHONE_SAYS = schemas.CallerPosition(lon=112.5650, lat=-7.5230, accuracy_m=25)


def test_a_link_names_its_incident_until_it_expires(make_incident, make_unit, db) -> None:
    incident = make_incident()
    token, expires = caller_location.issue(SECRET, incident.id, 1800, now=1_000_000)
    assert caller_location.verify(SECRET, token, now=1_000_000 + 1799) == incident.id
    assert expires.timestamp() == 1_001_800
    with pytest.raises(Gone, match="expired"):
        caller_location.verify(SECRET, token, now=1_001_800)
    with pytest.raises(Forbidden):
        caller_location.verify(SECRET, token[:-2] + "xx")
    responder_token, _ = responder.issue(SECRET, assign(db, incident.id, make_unit().id, "alice"), 3600)
    with pytest.raises(Forbidden):  # a responder link is no caller link
        caller_location.verify(SECRET, responder_token)


def test_sending_a_link_records_it_and_texts_it_through_the_outbox(db, make_incident) -> None:
    incident = make_incident(caller_phone="0812-3456-7890")
    expires = caller_location.issue(SECRET, incident.id, 60)[1]
    sent = caller_location.send_link(db, incident.id, "https://x/l/t", expires, "bob", OutboxGateway())
    message = db.scalar(select(SmsMessage).where(SmsMessage.incident_id == incident.id))
    assert sent["sms"] == f"outbox:{message.id}" and message.to_number == "0812-3456-7890"
    assert "https://x/l/t" in message.body and message.body.startswith("Call Center 112")
    wa = urlparse(sent["whatsapp_url"])
    assert (wa.netloc, wa.path) == ("wa.me", "/6281234567890")
    assert parse_qs(wa.query)["text"] == [message.body]
    assert timeline(db, incident.id)[-1]["action"] == "incident.caller_link_sent"
    nobody = make_incident()
    with pytest.raises(Unprocessable, match="no caller phone"):
        caller_location.send_link(db, nobody.id, "u", expires, "bob", OutboxGateway())
    with pytest.raises(Unprocessable, match="no SMS gateway"):
        gateway("pigeon")


def test_the_phones_position_moves_the_incident_and_keeps_its_accuracy(db, make_incident) -> None:
    incident = make_incident(point=PACET)
    answer = caller_location.receive(db, incident.id, PHONE_SAYS)
    assert answer["low_accuracy"] is False and answer["accuracy_m"] == 25
    db.refresh(incident)
    assert lon_lat_of(incident.geom) == pytest.approx((PHONE_SAYS.lon, PHONE_SAYS.lat))
    assert incident.kecamatan.name == "Mojosari" and incident.caller_accuracy_m == 25
    moved, located = timeline(db, incident.id)[-2:]
    assert (moved["action"], moved["actor"]) == ("incident.updated", "caller")
    assert moved["before"]["geom"] != moved["after"]["geom"]  # old and new place
    assert located["action"] == "incident.caller_located" and located["after"]["accuracy_m"] == 25
    rough = caller_location.receive(db, incident.id, PHONE_SAYS.model_copy(update={"accuracy_m": 900}))
    assert rough["low_accuracy"] is True


def test_positions_that_cannot_be_used_are_refused_and_move_nothing(db, make_incident) -> None:
    incident = make_incident(point=PACET)
    with pytest.raises(Unprocessable, match="outside Jawa Timur") as outside:
        caller_location.receive(
            db, incident.id, schemas.CallerPosition(lon=OUTSIDE[0] - 2, lat=OUTSIDE[1], accuracy_m=10)
        )
    assert outside.value.extra["reason"] == "outside_province"
    with pytest.raises(Unprocessable, match="too imprecise"):
        caller_location.receive(db, incident.id, PHONE_SAYS.model_copy(update={"accuracy_m": 20_000}))
    db.refresh(incident)
    assert lon_lat_of(incident.geom) == pytest.approx(PACET) and incident.caller_accuracy_m is None
    close_incident(db, incident.id, schemas.IncidentClose(disposition="handled"), "bob")
    with pytest.raises(Conflict, match="closed"):
        caller_location.receive(db, incident.id, PHONE_SAYS)


def test_a_refusal_on_the_phone_is_in_the_timeline(db, make_incident) -> None:
    incident = make_incident()
    caller_location.failed(db, incident.id, schemas.CallerLocationFailure(reason="denied"))
    event = timeline(db, incident.id)[-1]
    assert (event["action"], event["after"]) == ("incident.caller_location_failed", {"reason": "denied"})


def test_the_link_through_the_api_and_the_phone_page(client, login, demo, app) -> None:
    headers = login("dispatcher")
    call = {"category": "medis", "lon": PACET[0], "lat": PACET[1], "caller_phone": "0812 1"}
    incident = client.post(f"{API}/incidents", json=call, headers=headers).get_json()
    made = client.post(f"{API}/incidents/{incident['id']}/caller-link", json={"send_sms": True}, headers=headers)
    assert made.status_code == 201, made.get_json()
    link = made.get_json()
    assert link["sms"].startswith("outbox:") and "qr_url" not in link  # the page draws it: no token in a URL
    path = urlparse(link["url"]).path
    client.post("/api/v1/auth/logout", headers=headers)
    page = client.get(path)  # no login
    assert page.status_code == 200 and "Kirim lokasi saya" in page.get_data(as_text=True)
    moved = client.post(f"{path}/position", json=PHONE_SAYS.model_dump())
    assert moved.status_code == 200 and moved.get_json()["desa"]
    bad = client.post(f"{path}/position", json={"lat": -7.5, "lon": 112.5})
    assert bad.status_code == 422
    assert client.post(f"{path}/failed", json={"reason": "bored"}).status_code == 422
    with app.app_context():
        expired, _ = caller_location.issue(app.config["SECRET_KEY"], incident["id"], 60, now=time.time() - 120)
    gone = client.get(f"/l/{expired}")
    assert gone.status_code == 410 and "kedaluwarsa" in gone.get_data(as_text=True)
    assert client.post(f"/l/{expired}/position", json=PHONE_SAYS.model_dump()).status_code == 410
    forged = client.get(f"/l/{expired[:-3]}abc")
    assert forged.status_code == 403 and "tidak valid" in forged.get_data(as_text=True)


def test_the_phone_page_of_a_closed_incident_says_so(client, login, demo) -> None:
    headers = login("dispatcher")
    call = {"category": "medis", "lon": PACET[0], "lat": PACET[1]}
    incident = client.post(f"{API}/incidents", json=call, headers=headers).get_json()
    link = client.post(f"{API}/incidents/{incident['id']}/caller-link", json={}, headers=headers).get_json()
    closed = client.post(f"{API}/incidents/{incident['id']}/close", json={"disposition": "handled"}, headers=headers)
    assert closed.status_code == 200
    page = client.get(urlparse(link["url"]).path)
    assert page.status_code == 409 and "sudah selesai" in page.get_data(as_text=True)
    assert client.post(urlparse(link["url"]).path + "/position", json=PHONE_SAYS.model_dump()).status_code == 409
