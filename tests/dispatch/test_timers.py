"""Timers: phases that run over their targets become alerts, computed from the database at the time asked
(a clock moved on, never a sleep), acknowledged once with who saw them in the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from geo112.dispatch import schemas, timers
from geo112.dispatch.assignments import assign, change_status
from geo112.errors import Conflict
from geo112.store.db import database_now
from geo112.store.models import PhaseTarget

from .conftest import timeline

API = "/api/v1"


def _alerts(db, incident, seconds: float) -> dict[tuple[str, int | None], dict]:
    at = incident.received_at + timedelta(seconds=seconds)
    return {(a["phase"], a["assignment_id"]): a for a in timers.overdue(db, at, incident.id)}


def test_an_undispatched_call_is_overdue_after_its_prioritys_target(db, make_incident) -> None:
    incident = make_incident(priority=1)  # dispatch target 90 s for priority 1
    assert _alerts(db, incident, 60) == {}
    alert = _alerts(db, incident, 120)[("dispatch", None)]
    assert (alert["target_s"], alert["over_s"], alert["acknowledged_by"]) == (90, 30.0, None)
    slower = make_incident(priority=3)  # 600 s
    assert _alerts(db, slower, 120) == {}


def test_the_most_specific_target_wins(db, make_incident, make_unit) -> None:
    fire = make_incident(category="kebakaran", priority=3)
    assign(db, fire.id, make_unit("fire_truck", station="F01").id, "alice")
    # on_scene: 15 minutes for a fire whatever its priority (Permen PU 20/2009), not priority 3's 30
    assert ("on_scene", None) in _alerts(db, fire, 16 * 60)
    db.add(PhaseTarget(phase="on_scene", category_code="kebakaran", priority=3, seconds=20 * 60, source="test"))
    db.flush()
    assert ("on_scene", None) not in _alerts(db, fire, 16 * 60)


def test_a_unit_that_does_not_acknowledge_is_flagged_then_its_next_phase_runs(db, make_incident, make_unit) -> None:
    incident = make_incident(priority=1)
    unit = make_unit()
    assignment = assign(db, incident.id, unit.id, "alice")
    sent = (assignment.assigned_at - incident.received_at).total_seconds()
    late = _alerts(db, incident, sent + 121)[("acknowledge", assignment.id)]
    assert late["call_sign"] == unit.call_sign and late["unit_type"] == "ambulance"
    assert ("dispatch", None) not in _alerts(db, incident, sent + 121)  # a unit was sent
    change_status(db, unit.id, "en_route", "alice")
    assert ("acknowledge", assignment.id) not in _alerts(db, incident, sent + 121)


def test_acknowledging_records_who_and_only_once(db, make_incident) -> None:
    incident = make_incident(priority=1)
    at = incident.received_at + timedelta(seconds=200)
    with pytest.raises(Conflict, match="not late"):
        timers.acknowledge(db, incident.id, "dispatch", None, "bob", now=incident.received_at + timedelta(seconds=5))
    done = timers.acknowledge(db, incident.id, "dispatch", None, "bob", now=at)
    assert done["acknowledged_by"] == "bob"
    (alert,) = timers.overdue(db, at, incident.id)
    assert alert["acknowledged_by"] == "bob"  # still listed until the phase is done, marked
    event = timeline(db, incident.id)[-1]
    assert (event["action"], event["actor"], event["after"]["phase"]) == ("alert.acknowledged", "bob", "dispatch")
    with pytest.raises(Conflict, match="already by bob"):
        timers.acknowledge(db, incident.id, "dispatch", None, "carol", now=at)


def test_unacknowledged_alerts_come_first(db, make_incident) -> None:
    seen, unseen = make_incident(priority=1), make_incident(priority=1)
    at = database_now(db) + timedelta(seconds=200)
    timers.acknowledge(db, seen.id, "dispatch", None, "bob", now=at)
    mine = [a["incident_id"] for a in timers.overdue(db, at) if a["incident_id"] in (seen.id, unseen.id)]
    assert mine == [unseen.id, seen.id]


def test_an_admin_sets_a_target_and_the_api_lists_and_acknowledges(client, login, demo) -> None:
    admin = login("admin")
    answer = client.put(f"{API}/phase-targets", json={"phase": "dispatch", "category": "banjir", "seconds": 30},
                        headers=admin)  # fmt: skip
    assert answer.status_code == 200 and answer.get_json()["seconds"] == 30
    bad = client.put(f"{API}/phase-targets", json={"phase": "lunch", "seconds": 30}, headers=admin)
    assert bad.status_code == 422
    unknown = client.put(f"{API}/phase-targets", json={"phase": "dispatch", "category": "nope", "seconds": 30},
                         headers=admin)  # fmt: skip
    assert unknown.status_code == 422 and "nope" in unknown.get_json()["detail"]
    listed = client.get(f"{API}/phase-targets").get_json()["items"]
    assert any(t["category_code"] == "banjir" and t["seconds"] == 30 for t in listed)
    assert all(t["source"] for t in listed)

    dispatcher = login("dispatcher")
    created = client.post(f"{API}/incidents", json={"category": "banjir", "lon": 112.47, "lat": -7.60},
                          headers=dispatcher).get_json()  # fmt: skip
    body = client.get(f"{API}/alerts").get_json()
    assert "at" in body and all(a["incident_id"] != created["id"] for a in body["alerts"])  # not late yet
    refused = client.post(f"{API}/alerts/acknowledge", json={"incident_id": created["id"], "phase": "dispatch"},
                          headers=dispatcher)  # fmt: skip
    assert refused.status_code == 409
    assert client.post(f"{API}/alerts/acknowledge", json={"incident_id": created["id"], "phase": "x"},
                       headers=dispatcher).status_code == 422  # fmt: skip
    client.put(f"{API}/phase-targets", json={"phase": "dispatch", "category": "banjir", "seconds": 3600},
               headers=login("admin"))  # fmt: skip


def test_seeded_targets_name_their_source(db) -> None:
    fire = db.scalar(select(PhaseTarget).where(PhaseTarget.category_code == "kebakaran"))
    assert fire.seconds == 900 and "Permen PU 20" in fire.source
    assert schemas.PhaseTargetSet(phase="on_scene", seconds=60).source
