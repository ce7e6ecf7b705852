"""Sending the next unit when one did not acknowledge: both changes or neither, never an incident left with
fewer units than before without the dispatcher saying so (issue 29, fault 1)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from geo112.store.db import session_factory
from geo112.store.models import Assignment, Unit, UnitType

from .conftest import PACET, committed_unit

API = "/api/v1"


def _lone_type(database: str) -> str:
    """A unit type of its own, so that which units of it are free is this test's business alone."""
    code = f"boat_{uuid.uuid4().hex[:8]}"
    with session_factory(database).begin() as s:
        s.add(UnitType(code=code, name=f"Perahu {code}", speed_factor=1.0))
    return code


def _state(database: str, incident_id: int) -> tuple[list[int], dict[int, str]]:
    with session_factory(database)() as s:
        active = s.scalars(select(Assignment.unit_id).where(Assignment.incident_id == incident_id,
                                                            Assignment.ended_at.is_(None))).all()  # fmt: skip
        return sorted(active), dict(s.execute(select(Unit.id, Unit.status)).tuples().all())


def test_the_silent_unit_stays_when_no_other_can_go_and_is_replaced_when_one_can(client, login, demo) -> None:
    headers = login("dispatcher")
    code = _lone_type(demo)
    silent = committed_unit(demo, "K21", "SILENT", unit_type=code)
    incident = client.post(
        f"{API}/incidents", json={"category": "medis", "lon": PACET[0], "lat": PACET[1]}, headers=headers
    ).get_json()
    made = client.post(f"{API}/incidents/{incident['id']}/assignments", json={"unit_id": silent}, headers=headers)
    assert made.status_code == 201, made.get_json()
    replace = f"{API}/assignments/{made.get_json()['id']}/replace"

    refused = client.post(replace, json={"note": "tidak menjawab"}, headers=headers)
    assert refused.status_code == 409 and refused.get_json()["reason"] == "no_other_unit"
    assert "stays assigned" in refused.get_json()["detail"]
    active, status = _state(demo, incident["id"])
    assert active == [silent] and status[silent] == "dispatched"  # nothing changed

    other = committed_unit(demo, "K21", "NEXT", unit_type=code)
    replaced = client.post(replace, json={"note": "tidak menjawab"}, headers=headers)
    assert replaced.status_code == 201, replaced.get_json()
    assert replaced.get_json()["unit_id"] == other and replaced.get_json()["responder_url"]
    active, status = _state(demo, incident["id"])
    assert active == [other] and status[silent] == "available" and status[other] == "dispatched"
    assert client.get(f"{API}/units/{silent}").get_json()["note"] == "tidak menjawab"
    # Once acknowledged (or ended), there is nothing to replace.
    again = client.post(replace, json={}, headers=headers)
    assert again.status_code == 409 and "ended" in again.get_json()["detail"]
