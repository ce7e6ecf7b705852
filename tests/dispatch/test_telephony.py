"""The phone system's event contract (version 1) through the API: its credential, a call from ringing to ended,
one-key classes, the watch list's policies and lifting, the supervisor's board (the SIP path itself is tested
with real calls in tests/browser/test_phone.py)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from geo112.config import WIB
from geo112.dispatch.telephony import seat_operator
from geo112.store.db import session_factory
from geo112.store.models import Call, Event, WatchListing
from tests.analytics.test_charts import _pdf_text
from tests.reliability.test_sip_script import TOKEN as SIP_TOKEN
from tests.reliability.test_sip_script import _sip
from tests.softphone import free_port

EVENTS = "/api/v1/telephony/events"
TOKEN = "api-tests-pbx-token-0123"
PBX = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(database: str, settings, request: pytest.FixtureRequest):
    """The app with the phone system's token (and the watch-list policy a test asks for by ``indirect``)."""
    from web import create_app

    policy = getattr(request, "param", "ring")
    config = {"GEO112_DATABASE_URL": database, "GEO112_CACHE_DIR": str(settings.cache_dir), "RATELIMIT_ENABLED": False}
    return create_app({"TESTING": True, **config, "GEO112_PBX_TOKEN": TOKEN, "GEO112_WATCH_POLICY": policy})


@pytest.fixture
def seated(database: str, users: dict[str, str]) -> str:
    """The dispatcher seated at a phone of its own; returns the extension."""
    extension = f"op{uuid.uuid4().hex[:8]}"
    with session_factory(database).begin() as session:
        seat_operator(session, users["dispatcher"], extension)
    return extension


def _event(client, event: str, call_id: str, **fields: Any) -> Any:
    return client.post(EVENTS, headers=PBX, json={"version": 1, "event": event, "call_id": call_id, **fields})


def _number() -> str:
    return "0813" + str(uuid.uuid4().int)[:8]


def test_only_the_phone_system_posts_events(client, login) -> None:
    body = {"version": 1, "event": "ringing", "call_id": "x", "caller": "081234567890"}
    assert client.post(EVENTS, json=body).status_code == 400  # no token: the session's CSRF check applies
    wrong = client.post(EVENTS, json=body, headers={"Authorization": "Bearer not-the-token"})
    assert wrong.status_code == 400
    headers = login("dispatcher")
    answer = client.post(EVENTS, json=body, headers=headers)
    assert answer.status_code == 403 and "pbx" in answer.get_json()["detail"]


def test_a_call_from_ringing_to_ended(client, login, database: str, users: dict[str, str], seated: str) -> None:
    call_id, number = f"sip-{uuid.uuid4()}", _number()
    ringing = _event(client, "ringing", call_id, caller=number)
    assert ringing.status_code == 200, ringing.get_json()
    answer = ringing.get_json()
    assert answer["action"] == "ring" and seated in answer["phones"] and not answer["watch_listed"]
    assert _event(client, "ringing", call_id, caller=number).get_json() == answer  # a repeated offer
    headers = login("dispatcher")
    mine = client.get("/api/v1/telephony/mine", headers=headers).get_json()["items"]
    assert [(c["id"], c["state"], c["caller_phone"]) for c in mine] == [(answer["call"], "ringing", number)]
    assert _event(client, "answered", call_id, phone=seated).status_code == 200
    # On a call: the next call does not ring this operator's phone.
    other = _event(client, "ringing", f"sip-{uuid.uuid4()}", caller=_number()).get_json()
    assert seated not in other["phones"]
    assert _event(client, "ended", call_id, by="operator").status_code == 200
    assert _event(client, "ended", call_id, by="caller").get_json()["action"] == "none"  # changes nothing
    with session_factory(database)() as session:
        call = session.scalars(select(Call).where(Call.sip_call_id == call_id)).one()
        assert call.taken_by == users["dispatcher"] and call.answered_phone == seated and call.ended_by == "operator"
        assert call.received_at <= call.answered_at <= call.ended_at and call.incident_id is None
    assert _event(client, "ended", "never-rang", by="caller").status_code == 404
    assert _event(client, "ringing", "x", caller=number, extra=1).status_code == 422
    version_2 = client.post(EVENTS, headers=PBX, json={"version": 2, "event": "ringing", "call_id": "y"})
    assert version_2.status_code == 422


def test_classes_need_an_answered_call_and_are_given_once(client, login, seated: str) -> None:
    call_id = f"sip-{uuid.uuid4()}"
    call = _event(client, "ringing", call_id, caller=_number()).get_json()["call"]
    headers = login("dispatcher")
    classify = f"/api/v1/telephony/calls/{call}/classify"
    early = client.post(classify, headers=headers, json={"classification": "prank"})
    assert early.status_code == 409 and early.get_json()["reason"] == "not_answered"
    _event(client, "answered", call_id, phone=seated)
    done = client.post(classify, headers=headers, json={"classification": "informasi", "note": "jam buka RSUD"})
    assert done.status_code == 200 and done.get_json()["classification"] == "informasi"
    again = client.post(classify, headers=headers, json={"classification": "prank"})
    assert again.status_code == 409 and again.get_json()["reason"] == "classified"
    assert client.post(classify, headers=headers, json={"classification": "bogus"}).status_code == 422
    _event(client, "ended", call_id, by="caller")


@contextmanager
def _answered_call(client, seated: str) -> Iterator[int]:
    """A call answered at the dispatcher's phone (its id), ended by the caller afterwards: an operator on a
    call is not rung, and the other tests ring this one."""
    call_id = f"sip-{uuid.uuid4()}"
    call = _event(client, "ringing", call_id, caller=_number()).get_json()["call"]
    _event(client, "answered", call_id, phone=seated)
    try:
        yield int(call)
    finally:
        _event(client, "ended", call_id, by="caller")


def _ended(database: str, call: int) -> tuple[datetime | None, str | None]:
    with session_factory(database)() as session:
        row = session.get(Call, call)
        assert row is not None
        return row.ended_at, row.ended_by


def test_hanging_up_is_refused_and_changes_nothing_without_a_phone_system(
    client, login, app, database: str, seated: str
) -> None:
    ringing = _event(client, "ringing", f"sip-{uuid.uuid4()}", caller=_number()).get_json()["call"]
    headers = login("dispatcher")
    early = client.post(f"/api/v1/telephony/calls/{ringing}/hangup", headers=headers)
    assert early.status_code == 409 and early.get_json()["reason"] == "not_answered"
    with _answered_call(client, seated) as call:
        _refused_hang_ups(client, login, app, database, call)


def _refused_hang_ups(client, login, app, database: str, call: int) -> None:
    hang_up, headers = f"/api/v1/telephony/calls/{call}/hangup", login("dispatcher")
    unset = client.post(hang_up, headers=headers)
    assert unset.status_code == 503 and "GEO112_PBX_CONTROL_URL" in unset.get_json()["detail"]
    # A phone system that does not answer: 503, and the call is still on.
    app.config["GEO112_SETTINGS"] = replace(
        app.config["GEO112_SETTINGS"], pbx_control_url=f"http://127.0.0.1:{free_port()}/RPC"
    )
    down = client.post(hang_up, headers=headers)
    assert down.status_code == 503 and "did not answer" in down.get_json()["detail"]
    assert _ended(database, call) == (None, None)
    with session_factory(database).begin() as session:  # another operator took it
        taken = session.get(Call, call)
        assert taken is not None
        taken.taken_by = "another-operator"
    assert client.post(hang_up, headers=headers).status_code == 403
    assert client.post(hang_up, headers=login("planner")).status_code == 403
    assert client.post(hang_up, headers=login("admin")).status_code == 503  # a supervisor may: the PBX is down
    assert _ended(database, call) == (None, None)


@pytest.mark.slow
def test_the_phone_systems_control_port_refuses_a_wrong_token_and_a_call_it_does_not_hold(
    client, login, app, database: str, seated: str, tmp_path
) -> None:
    """Against the project's Kamailio (its JSON-RPC port): a wrong token is refused; so is a call whose dialog it
    does not hold (the phone still hangs it up); neither changes the call."""
    if not Path("/usr/sbin/kamailio").exists():
        pytest.skip("kamailio is not installed (bash scripts/install.sh installs it)")
    rpc_port = free_port()
    started = _sip("start", tmp_path, GEO112_SIP_PORT=str(free_port()), GEO112_SIP_RPC_PORT=str(rpc_port))
    assert started.returncode == 0, started.stderr
    try:
        with _answered_call(client, seated) as call:
            _refused_by_kamailio(client, login, app, database, call, rpc_port)
    finally:
        assert _sip("stop", tmp_path).returncode == 0


def _refused_by_kamailio(client, login, app, database: str, call: int, rpc_port: int) -> None:
    hang_up, headers = f"/api/v1/telephony/calls/{call}/hangup", login("dispatcher")
    served = app.config["GEO112_SETTINGS"]
    url = f"http://127.0.0.1:{rpc_port}/RPC"
    app.config["GEO112_SETTINGS"] = replace(served, pbx_control_url=url, pbx_token="not-the-token-of-the-pbx")
    refused = client.post(hang_up, headers=headers)
    assert refused.status_code == 503 and "HTTP 403" in refused.get_json()["detail"]
    assert _ended(database, call) == (None, None)
    # Kamailio does not hold the call (it never rang there, as after a restart): refused, nothing recorded.
    app.config["GEO112_SETTINGS"] = replace(served, pbx_control_url=url, pbx_token=SIP_TOKEN)
    unknown = client.post(hang_up, headers=headers)
    app.config["GEO112_SETTINGS"] = served  # the events' token again
    assert unknown.status_code == 409 and unknown.get_json()["reason"] == "unknown_to_pbx"
    assert _ended(database, call) == (None, None)
    with session_factory(database)() as session:
        actions = session.scalars(select(Event.action).where(Event.entity == "call", Event.entity_id == str(call)))
        assert "call.hung_up" not in list(actions)


def _listed(database: str, number: str) -> int:
    with session_factory(database).begin() as session:
        listing = WatchListing(number=number, until=datetime.now(UTC) + timedelta(hours=1), calls=3)
        session.add(listing)
        session.flush()
        return listing.id


@pytest.mark.parametrize("app", ["reject"], indirect=True)
def test_the_reject_policy_answers_a_status_and_records_the_call(client, database: str, seated: str) -> None:
    number = _number()
    _listed(database, number)
    call_id = f"sip-{uuid.uuid4()}"
    answer = _event(client, "ringing", call_id, caller=number).get_json()
    assert (answer["action"], answer["status"], answer["phones"], answer["watch_listed"]) == ("reject", 603, [], True)
    with session_factory(database)() as session:
        call = session.scalars(select(Call).where(Call.sip_call_id == call_id)).one()
        assert call.outcome == "rejected" and call.watch_listed and call.ended_at is not None


def test_the_ring_policy_rings_a_listed_number_flagged(client, database: str, seated: str) -> None:
    number = _number()
    _listed(database, number)
    answer = _event(client, "ringing", f"sip-{uuid.uuid4()}", caller=number).get_json()
    assert answer["action"] == "ring" and seated in answer["phones"] and answer["watch_listed"]


def test_a_supervisor_lifts_a_listing_with_a_reason(client, login, database: str, users: dict[str, str]) -> None:
    listing = _listed(database, _number())
    lift = f"/api/v1/telephony/watch-list/{listing}/lift"
    assert client.post(lift, headers=login("dispatcher"), json={"reason": "salah"}).status_code == 403
    headers = login("admin")
    assert client.post(lift, headers=headers, json={"reason": ""}).status_code == 422
    answer = client.post(lift, headers=headers, json={"reason": "nomor milik puskesmas"})
    assert answer.status_code == 200 and answer.get_json()["lifted_by"] == users["admin"]
    assert client.post(lift, headers=headers, json={"reason": "lagi"}).status_code == 409
    with session_factory(database)() as session:
        event = session.scalars(
            select(Event).where(Event.action == "watch_list.lifted", Event.entity_id == str(listing))
        ).one()
        assert event.actor == users["admin"] and event.after["lift_reason"] == "nomor milik puskesmas"


def test_the_board_shows_ringing_calls_and_masks_numbers_for_planners(client, login, seated: str) -> None:
    number = _number()
    call = _event(client, "ringing", f"sip-{uuid.uuid4()}", caller=number).get_json()["call"]
    dispatcher = client.get("/api/v1/telephony/board", headers=login("dispatcher")).get_json()
    assert {c["id"]: c["caller_phone"] for c in dispatcher["ringing"]}[call] == number
    planner = client.get("/api/v1/telephony/board", headers=login("planner")).get_json()
    shown = {c["id"]: c["caller_phone"] for c in planner["ringing"]}[call]
    assert shown != number and shown.endswith(number[-2:])
    assert planner["today_calls"] >= 1 and "operators" in planner


def test_the_recap_counts_calls_by_class_hour_and_operator(client, login, users: dict[str, str], seated: str) -> None:
    call_id = f"sip-{uuid.uuid4()}"
    call = _event(client, "ringing", call_id, caller=_number()).get_json()["call"]
    _event(client, "answered", call_id, phone=seated)
    client.post(f"/api/v1/telephony/calls/{call}/classify", headers=login("dispatcher"), json={"classification": "tes"})
    _event(client, "ended", call_id, by="operator")
    headers = login("planner")
    recap = client.get("/api/v1/analytics/calls?period=month", headers=headers).get_json()
    by_class = {row["class"]: row["calls"] for row in recap["by_class"]}
    assert by_class["tes"] >= 1 and all(row["period"].endswith("-01") for row in recap["by_class"])
    assert sum(row["calls"] for row in recap["by_hour"]) == sum(by_class.values())
    mine = {row["operator"]: row for row in recap["answer_times"]}[users["dispatcher"]]
    assert mine["answered"] >= 1 and 0 <= mine["within_15s"] <= 1 and mine["median_answer_s"] >= 0
    csv = client.get("/api/v1/analytics/export.csv?table=answer_times", headers=headers)
    assert csv.status_code == 200 and csv.text.startswith("operator,answered,median_answer_s")


@pytest.mark.slow
def test_the_pdf_report_has_the_calls_of_the_period(client, login, demo: str, seated: str) -> None:
    call_id = f"sip-{uuid.uuid4()}"
    call = _event(client, "ringing", call_id, caller=_number()).get_json()["call"]
    _event(client, "answered", call_id, phone=seated)
    client.post(f"/api/v1/telephony/calls/{call}/classify", headers=login("dispatcher"), json={"classification": "tes"})
    _event(client, "ended", call_id, by="operator")
    login("planner")
    today = datetime.now(WIB).date().isoformat()
    page = client.get(f"/api/v1/analytics/report.pdf?start={today}&end={today}")
    assert page.status_code == 200
    text = _pdf_text(page.data)
    assert "Panggilan telepon 112" in text and "Tes" in text and "Dijawab" in text
