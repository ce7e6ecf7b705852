"""The live dispatch policy: each proposal says why it stands where it does against the closest unit, and with
GEO112_DISPATCH_POLICY=closest+moveup the first proposal of a type carries the move-up that follows sending it."""

from __future__ import annotations

import dataclasses

import pytest

from geo112.dispatch import policy, schemas
from geo112.dispatch.assignments import assign
from geo112.dispatch.recommend import recommend
from geo112.planning import moveup

from .conftest import PACET


def _by_type(result: dict, unit_type: str) -> dict:
    return next(r for r in result["requirements"] if r["unit_type"] == unit_type)


def test_each_proposal_says_how_it_stands_against_the_closest(db, fleet, make_incident) -> None:
    incident, other = make_incident(point=PACET), make_incident(point=PACET)
    first = _by_type(policy.apply(db, fleet, recommend(db, fleet, incident.id, k=4)), "ambulance")
    proposed = first["proposed"]
    # Other tests may have left a nearer unit busy (committed): then the first is the closest available.
    nearer = [u["call_sign"] for u in first["not_proposed"] if (u["eta_s"] or 1e9) <= proposed[0]["eta_s"]]
    expected = ("closest_available", nearer[0]) if nearer else ("closest", None)
    assert (proposed[0]["why"], proposed[0]["closest_call_sign"]) == expected and proposed[0]["behind_s"] == 0.0
    for unit in proposed[1:]:
        assert unit["why"] == "slower" and unit["closest_call_sign"] == proposed[0]["call_sign"]
        assert unit["behind_s"] == pytest.approx(unit["eta_s"] - proposed[0]["eta_s"], abs=0.1)
    assert "moveup_after" not in first  # the default policy adds no move-up
    assign(db, other.id, proposed[0]["unit_id"], "alice")  # the closest is now busy elsewhere
    again = _by_type(policy.apply(db, fleet, recommend(db, fleet, incident.id, k=4)), "ambulance")["proposed"]
    assert again[0]["unit_id"] == proposed[1]["unit_id"]
    assert (again[0]["why"], again[0]["closest_call_sign"]) == ("closest_available", proposed[0]["call_sign"])


def test_closest_with_moveup_adds_the_relocations_after_the_first_leaves(db, fleet, make_incident) -> None:
    incident = make_incident("kebakaran", point=PACET)
    answer = policy.apply(db, fleet, recommend(db, fleet, incident.id), "closest+moveup", level=0.99)
    assert answer["policy"] == "closest+moveup"
    fire = _by_type(answer, "fire_truck")
    sent = fire["proposed"][0]
    assert sent["why"] in {"closest", "closest_available"}  # the ranking stays closest idle
    expected = moveup.relocations_after(db, fleet, "fire_truck", sent["unit_id"], 0.99)["moves"]
    assert fire["moveup_after"] == [{k: m[k] for k in ("unit_id", "call_sign", "station_id", "station", "net")}
                                    for m in expected]  # fmt: skip
    assert fire["moveup_after"] and sent["unit_id"] not in {m["unit_id"] for m in fire["moveup_after"]}
    assert all(m["net"] > 0 for m in fire["moveup_after"])


@pytest.fixture
def moveup_app(app):
    """The app with GEO112_DISPATCH_POLICY=closest+moveup (and a level every type is below)."""
    app.config["GEO112_SETTINGS"] = dataclasses.replace(
        app.config["GEO112_SETTINGS"], dispatch_policy="closest+moveup", moveup_level=0.99
    )
    return app


def test_the_api_answers_the_policy_reason_and_moves(moveup_app, client, login) -> None:
    headers = login("dispatcher")
    made = client.post("/api/v1/incidents", json={"category": "kebakaran", "lon": PACET[0], "lat": PACET[1]},
                       headers=headers)  # fmt: skip
    assert made.status_code == 201, made.get_json()
    answer = client.get(f"/api/v1/incidents/{made.get_json()['id']}/recommendations")
    assert answer.status_code == 200
    rec = schemas.Recommendation.model_validate(answer.get_json())
    assert rec.policy == "closest+moveup"
    fire = next(r for r in rec.requirements if r.unit_type == "fire_truck")
    assert [p.why for p in fire.proposed][:1] in (["closest"], ["closest_available"])
    assert all(p.why == "slower" and p.behind_s is not None and p.behind_s >= 0 for p in fire.proposed[1:])
    assert fire.moveup_after and fire.proposed[0].unit_id not in {m.unit_id for m in fire.moveup_after}
