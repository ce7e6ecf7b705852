"""Responder link tokens: signature, expiry and binding to one unit and incident."""

from __future__ import annotations

import time

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from geo112.dispatch import responder
from geo112.dispatch.assignments import assign
from geo112.errors import Conflict, Forbidden, Gone
from geo112.store.geometry import lon_lat_of
from geo112.store.models import Station

SECRET = "test-secret"


def _other_payload(token: str) -> str:
    claims = URLSafeSerializer(SECRET, salt=responder.SALT).loads(token)
    forged = URLSafeSerializer("guess", salt=responder.SALT).dumps({**claims, "a": claims["a"] + 1})
    return forged.rsplit(".", 1)[0] + "." + token.rsplit(".", 1)[1]


@pytest.fixture
def assignment(db, make_incident, make_unit):
    return assign(db, make_incident().id, make_unit().id, "alice")


def test_a_valid_token_resolves_to_its_assignment(db, assignment) -> None:
    token, expires = responder.issue(SECRET, assignment, 3600)
    assert responder.resolve(db, SECRET, token) is assignment
    assert expires.timestamp() == pytest.approx(time.time() + 3600, abs=5)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if t[-2:] != "AA" else "BB"),  # the signature
        lambda t: "x" + t[1:],  # the payload
        lambda t: _other_payload(t),  # another assignment, the old signature
        lambda t: "",
    ],
)
def test_a_tampered_token_is_forbidden(db, assignment, tamper) -> None:
    token, _ = responder.issue(SECRET, assignment, 3600)
    with pytest.raises(Forbidden):
        responder.resolve(db, SECRET, tamper(token))


def test_a_token_signed_with_another_key_is_forbidden(db, assignment) -> None:
    token, _ = responder.issue("another-key", assignment, 3600)
    with pytest.raises(Forbidden):
        responder.resolve(db, SECRET, token)


def test_an_expired_token_is_gone(db, assignment) -> None:
    issued = time.time() - 7200
    token, _ = responder.issue(SECRET, assignment, 3600, now=issued)
    with pytest.raises(Gone):
        responder.resolve(db, SECRET, token)
    assert responder.resolve(db, SECRET, token, now=issued + 3599) is assignment


def test_a_token_only_works_for_its_own_unit_and_incident(db, assignment, make_unit) -> None:
    other = make_unit()
    forged = URLSafeSerializer(SECRET, salt=responder.SALT).dumps(
        {"a": assignment.id, "u": other.id, "i": assignment.incident_id, "exp": time.time() + 60}
    )
    with pytest.raises(Forbidden):
        responder.resolve(db, SECRET, forged)


def test_buttons_follow_the_state_machine(db, assignment) -> None:
    assert responder.allowed_actions(assignment) == ["acknowledged", "en_route"]
    responder.act(db, assignment, "acknowledged")
    responder.act(db, assignment, "en_route")
    assert responder.allowed_actions(assignment) == ["on_scene", "cleared"]  # cleared: turned back en route
    with pytest.raises(Conflict):
        responder.act(db, assignment, "transporting")
    responder.act(db, assignment, "on_scene")
    responder.act(db, assignment, "cleared")
    assert assignment.end_reason == "cleared" and responder.allowed_actions(assignment) == []
    with pytest.raises(Conflict, match="has ended"):
        responder.act(db, assignment, "en_route")


def test_navigation_links() -> None:
    links = responder.navigation_links(112.56, -7.52, origin=(112.5, -7.5))
    assert links["google_maps"] == (
        "https://www.google.com/maps/dir/?api=1&destination=-7.520000,112.560000&travelmode=driving"
    )
    assert links["geo"] == "geo:-7.520000,112.560000?q=-7.520000,112.560000"
    assert "route=-7.500000%2C112.500000%3B-7.520000%2C112.560000" in links["openstreetmap"]


def test_carrying_a_patient_the_crew_is_routed_to_the_nearest_hospital_by_road(db, fleet, assignment) -> None:
    """Issue 29, fault 15: while "Mengantar pasien" the responder page still routed to the scene."""
    to_scene = responder.route(db, assignment, fleet)
    assert to_scene is not None and to_scene["properties"]["destination"] is None
    for action in ("acknowledged", "en_route", "on_scene", "transporting"):
        responder.act(db, assignment, action)
    carrying = responder.route(db, assignment, fleet)
    assert carrying is not None
    hospitals = db.execute(select(Station.name, Station.geom).where(Station.kind == responder.HOSPITAL)).all()
    unit = assignment.unit
    origin = lon_lat_of(unit.geom)
    speed = unit.unit_type.speed_factor
    etas = {h.name: fleet.route(unit.id, origin, lon_lat_of(h.geom), speed).eta_s for h in hospitals}
    assert carrying["properties"]["destination"] == min(etas, key=etas.__getitem__)
    assert carrying["properties"]["eta_s"] == pytest.approx(min(etas.values()), abs=0.1)
    page = responder.view(db, assignment, carrying)
    end = carrying["geometry"]["coordinates"][-1]
    assert page["destination"] == carrying["properties"]["destination"]
    assert f"destination={end[1]:.6f},{end[0]:.6f}" in page["navigation"]["google_maps"]
