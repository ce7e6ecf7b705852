"""Calls apart from incidents: duplicates caught before saving, another call joining, merges that keep
everything, and a caller's history."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from geo112.dispatch import calls, responder, schemas
from geo112.dispatch.assignments import assign
from geo112.dispatch.incidents import close_incident, update_incident
from geo112.store.db import database_now
from geo112.store.models import Assignment, Incident

from .conftest import MOJOSARI, PACET, timeline

API = "/api/v1"
WINDOW_S = 600.0
# ~300 m east of Mojosari: within the default 500 m; ~2 km: outside it.
NEAR = (MOJOSARI[0] + 0.0027, MOJOSARI[1])
FAR = (MOJOSARI[0] + 0.018, MOJOSARI[1])


def _phone() -> str:
    """A number no other test rings from (the API tests commit)."""
    return "0857" + str(uuid.uuid4().int)[:8]


def _duplicates(db, point, phone=None, **kwargs):
    found = calls.possible_duplicates(db, *(point or (None, None)), phone, WINDOW_S, limit=50, **kwargs)
    return {d["incident_id"]: d for d in found}


def test_intake_records_the_call_it_was_made_from(db, make_incident) -> None:
    incident = make_incident(caller_name="Bu Sri", caller_phone="+62 812-3456-7890", description="pingsan")
    (call,) = calls.incident_calls(db, incident.id)
    assert (call.caller_name, call.caller_phone, call.description) == ("Bu Sri", "+62 812-3456-7890", "pingsan")
    assert call.caller_number == "081234567890"  # +62 written as the leading 0
    assert call.received_at == incident.received_at and call.taken_by == "tester"
    # The caller to ring back is edited on the incident and on its first call alike.
    update_incident(db, incident.id, schemas.IncidentUpdate(caller_phone="0813 1111 2222"), "tester")
    db.refresh(call)
    assert call.caller_number == "081311112222"


def test_a_call_near_an_open_incident_within_its_window_is_a_possible_duplicate(db, make_incident) -> None:
    incident = make_incident()
    near = _duplicates(db, NEAR)
    assert near[incident.id]["nearby"] and not near[incident.id]["same_caller"]
    assert 250 < near[incident.id]["distance_m"] < 350
    assert incident.id not in _duplicates(db, FAR)
    # After the category's 30 minutes without a call, it is no longer proposed; a closer radius drops it too.
    later = database_now(db) + timedelta(minutes=31)
    assert incident.id not in _duplicates(db, NEAR, at=later)
    incident.category.duplicate_radius_m = 200
    db.flush()
    assert incident.id not in _duplicates(db, NEAR)
    assert incident.id not in _duplicates(db, NEAR, exclude=(incident.id,))


def test_the_same_number_finds_its_incident_anywhere_for_ten_minutes(db, make_incident) -> None:
    phone = _phone()
    incident = make_incident(point=PACET, caller_phone=phone)
    typed_otherwise = "+62 " + phone[1:4] + "-" + phone[4:]
    found = _duplicates(db, FAR, typed_otherwise)
    assert found[incident.id]["same_caller"] and not found[incident.id]["nearby"]
    # Before a point is placed, the number alone finds it, and it ranks first.
    first = calls.possible_duplicates(db, None, None, phone, WINDOW_S)[0]
    assert first["incident_id"] == incident.id and first["distance_m"] is None
    later = database_now(db) + timedelta(seconds=WINDOW_S + 60)
    assert incident.id not in _duplicates(db, FAR, phone, at=later)


def test_closed_incidents_are_not_duplicates(db, make_incident) -> None:
    incident = make_incident()
    close_incident(db, incident.id, schemas.IncidentClose(disposition="handled"), "tester")
    assert incident.id not in _duplicates(db, MOJOSARI)


def test_another_call_joins_an_open_incident(db, make_incident) -> None:
    incident = make_incident(caller_phone=_phone())
    data = schemas.CallCreate(caller_name="Pak Joko", caller_phone="0811 000 111", lon=NEAR[0], lat=NEAR[1])
    call = calls.add_call(db, incident.id, data, "bob")
    assert [c.id for c in calls.incident_calls(db, incident.id)][-1] == call.id
    event = timeline(db, incident.id)[-1]
    assert (event["action"], event["actor"], event["after"]["caller_name"]) == (
        "incident.call_added",
        "bob",
        "Pak Joko",
    )
    assert _duplicates(db, MOJOSARI)[incident.id]["calls"] == 2
    close_incident(db, incident.id, schemas.IncidentClose(disposition="handled"), "tester")
    with pytest.raises(Exception, match="is closed"):
        calls.add_call(db, incident.id, schemas.CallCreate(), "bob")


def test_a_merge_keeps_every_call_assignment_and_event(db, make_incident, make_unit) -> None:
    first = make_incident(caller_phone=_phone())
    second = make_incident(point=NEAR, caller_phone=_phone(), description="asap")
    unit = make_unit()
    held = assign(db, second.id, unit.id, "alice")
    token, _ = responder.issue("s", held, 3600)
    events_before = [e["id"] for e in timeline(db, second.id)]

    kept = calls.merge(db, second.id, first.id, "carol")

    assert kept.id == first.id
    moved = calls.incident_calls(db, first.id)
    assert len(moved) == 2 and [c.merged_from for c in moved] == [None, second.id]
    assert db.get(Assignment, held.id).incident_id == first.id
    db.refresh(second)
    assert (second.status, second.disposition, second.merged_into) == ("closed", "duplicate", first.id)
    events = timeline(db, first.id)
    assert set(events_before) <= {e["id"] for e in events}
    merged = [e for e in events if e["action"] == "incident.merged"]
    assert {e["actor"] for e in merged} == {"carol"}
    assert {e["incident_id"] for e in merged} == {first.id, second.id}
    assert next(e for e in merged if e["incident_id"] == first.id)["after"]["merged_from"] == second.id
    # The responder's link, signed for the absorbed incident, still works for the assignment.
    assert responder.resolve(db, "s", token) is held
    # Another call for the absorbed incident says where it went.
    with pytest.raises(Exception, match=f"joined incident {first.id}"):
        calls.add_call(db, second.id, schemas.CallCreate(), "bob")


def test_the_kept_incident_starts_with_the_first_call(db, make_incident, make_unit) -> None:
    later = make_incident()
    earlier = make_incident(point=NEAR)
    db.execute(Incident.__table__.update().where(Incident.id == earlier.id).values(
        received_at=later.received_at - timedelta(minutes=5)))  # fmt: skip
    db.refresh(earlier)
    kept = calls.merge(db, earlier.id, later.id, "carol")
    assert kept.received_at == earlier.received_at


def test_merges_that_cannot_be(db, make_incident) -> None:
    one, other = make_incident(), make_incident()
    with pytest.raises(Exception, match="into itself"):
        calls.merge(db, one.id, one.id, "carol")
    close_incident(db, other.id, schemas.IncidentClose(disposition="handled"), "tester")
    with pytest.raises(Exception, match=f"incident {other.id} is closed"):
        calls.merge(db, one.id, other.id, "carol")


def test_a_callers_history_counts_prank_and_ghost_calls(db, make_incident) -> None:
    phone = _phone()
    for disposition in ("prank", "prank", "ghost_call", "handled"):
        incident = make_incident(caller_phone=phone)
        close_incident(db, incident.id, schemas.IncidentClose(disposition=disposition), "tester")
    history = calls.caller_history(db, "+62" + phone[1:])
    assert (history["calls"], history["incidents"], history["prank"], history["ghost_call"]) == (4, 4, 2, 1)
    assert calls.caller_history(db, _phone())["calls"] == 0


# --- through the API --------------------------------------------------------------------------------------


def _post_incident(client, headers, point, **extra) -> dict:
    response = client.post(f"{API}/incidents", json={"category": "medis", "lon": point[0], "lat": point[1], **extra},
                           headers=headers)  # fmt: skip
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_duplicates_join_and_merge_through_the_api(client, login, demo) -> None:
    headers = login("dispatcher")
    phone = _phone()
    first = _post_incident(client, headers, PACET, caller_phone=phone)
    search = {"lat": FAR[1], "lon": FAR[0], "caller_phone": phone}
    answer = client.post(f"{API}/calls/duplicates", json=search, headers=headers)
    assert answer.status_code == 200
    body = schemas.Duplicates.model_validate(answer.get_json())
    assert body.candidates[0].incident_id == first["id"] and body.candidates[0].same_caller
    assert body.caller is not None and body.caller.calls == 1

    joined = client.post(f"{API}/incidents/{first['id']}/calls", json={"caller_phone": "0812 9", "lon": PACET[0],
                         "lat": PACET[1]}, headers=headers)  # fmt: skip
    assert joined.status_code == 201, joined.get_json()
    schemas.Call.model_validate(joined.get_json())

    second = _post_incident(client, headers, PACET)
    merged = client.post(f"{API}/incidents/{second['id']}/merge", json={"into": first["id"]}, headers=headers)
    assert merged.status_code == 200, merged.get_json()
    assert schemas.Incident.model_validate(merged.get_json()).id == first["id"]
    listed = client.get(f"{API}/incidents/{first['id']}/calls").get_json()["items"]
    assert len(listed) == 3 and listed[-1]["merged_from"] == second["id"]
    assert client.get(f"{API}/incidents/{second['id']}").get_json()["merged_into"] == first["id"]
    again = client.post(f"{API}/incidents/{second['id']}/merge", json={"into": first["id"]}, headers=headers)
    assert again.status_code == 409


def test_callers_are_for_dispatchers(client, login, demo) -> None:
    phone = _phone()
    incident = _post_incident(client, login("dispatcher"), PACET, caller_phone=phone, caller_name="Bu Sri")
    planner = login("planner")
    assert client.post(f"{API}/calls/duplicates", json={"caller_phone": phone}, headers=planner).status_code == 403
    (call,) = client.get(f"{API}/incidents/{incident['id']}/calls").get_json()["items"]
    assert call["caller_name"] == "•••" and call["caller_phone"] == "•••" + phone[-2:]


@pytest.mark.parametrize(
    ("query", "message"),
    [({"lat": -7.5}, "together"), ({"caller_phone": "1" * 41}, "at most 40"), ({"lat": "x", "lon": 112}, "number")],
)
def test_bad_duplicate_searches_say_what_is_wrong(client, login, query, message) -> None:
    answer = client.post(f"{API}/calls/duplicates", json=query, headers=login("dispatcher"))
    assert answer.status_code == 422 and message in answer.get_json()["detail"]


def test_bad_calls_and_merges_are_refused_and_change_nothing(client, login, demo, database) -> None:
    headers = login("dispatcher")
    incident = _post_incident(client, headers, PACET)
    assert (
        client.post(f"{API}/incidents/{incident['id']}/calls", json={"lon": 112.5}, headers=headers).status_code == 422
    )
    assert client.post(f"{API}/incidents/{incident['id']}/merge", json={"into": incident["id"]},
                       headers=headers).status_code == 422  # fmt: skip
    assert (
        client.post(f"{API}/incidents/999999/merge", json={"into": incident["id"]}, headers=headers).status_code == 404
    )
    assert len(client.get(f"{API}/incidents/{incident['id']}/calls").get_json()["items"]) == 1


def test_an_admin_sets_the_duplicate_radius_of_a_category(client, login, demo) -> None:
    headers = login("admin")
    answer = client.patch(f"{API}/categories/kebakaran", json={"duplicate_radius_m": 1500}, headers=headers)
    assert answer.status_code == 200 and answer.get_json()["duplicate_radius_m"] == 1500
    try:
        rows = client.get(f"{API}/category-matrix").get_json()["items"]
        assert next(r for r in rows if r["category"] == "kebakaran")["duplicate_radius_m"] == 1500
        bad = client.patch(f"{API}/categories/kebakaran", json={"duplicate_radius_m": -1}, headers=headers)
        assert bad.status_code == 422
        assert client.patch(f"{API}/categories/nope", json={}, headers=headers).status_code == 404
    finally:
        client.patch(f"{API}/categories/kebakaran", json={"duplicate_radius_m": 500}, headers=headers)
