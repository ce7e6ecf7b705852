"""Security test fixtures: the demo fleet of the test database, and committed rows to aim requests at."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from geo112.accounts.users import create_user
from geo112.store.db import session_factory
from geo112.store.models import Call, WatchListing
from tests.dispatch.conftest import KOTA, MOJOSARI, committed_unit

API = "/api/v1"


@pytest.fixture
def api_unit(demo: str) -> int:
    """A committed ambulance of its own at Puskesmas Mojosari."""
    return committed_unit(demo, "K16", "SEC")


@pytest.fixture
def new_incident(client, login):
    """Create an incident through the API as a dispatcher; returns its JSON."""

    def create(**fields: object) -> dict:
        headers = login("dispatcher")
        answer = client.post(
            f"{API}/incidents",
            headers=headers,
            json={"category": "medis", "lon": MOJOSARI[0], "lat": MOJOSARI[1], **fields},
        )
        assert answer.status_code == 201, answer.get_json()
        return answer.get_json()

    return create


@pytest.fixture
def targets(new_incident, api_unit, client, login, demo: str) -> dict[str, object]:
    """Path parameters that name real rows: an incident with an assignment and a ticket, a unit, a station, a
    call from the phone system and a watch-list entry."""
    incident, kota = new_incident(), new_incident(lon=KOTA[0], lat=KOTA[1])
    headers = login("dispatcher")
    assignment = client.post(
        f"{API}/incidents/{incident['id']}/assignments", json={"unit_id": api_unit}, headers=headers
    ).get_json()
    handoff = client.post(f"{API}/incidents/{kota['id']}/handoff", json={"reason": "di Kota"}, headers=headers)
    assert handoff.status_code == 201, handoff.get_json()
    # A ticket of the test officer's agency, so the officer's allowed operations reach a row of theirs.
    ticket = client.post(f"{API}/incidents/{incident['id']}/tickets", json={"agency": "dishub"}, headers=headers)
    assert ticket.status_code == 201, ticket.get_json()
    assert client.post("/logout", headers=headers).status_code == 302
    return {
        "token": assignment["responder_url"].rsplit("/r/", 1)[1],
        "handoff_id": handoff.get_json()["id"],
        "incident_id": incident["id"],
        "unit_id": api_unit,
        "assignment_id": assignment["id"],
        "ticket_id": ticket.get_json()["id"],
        "station_id": 1,
        "code": "ambulance",
        "category": "medis",
        "fmt": "csv",
        **phone_rows(demo),
        "username": throwaway_user(demo),
    }


def throwaway_user(url: str) -> str:
    """A user the matrix may change and whose sessions it may end (never one the tests log in as)."""
    username = f"matrix-{uuid.uuid4().hex[:8]}"
    with session_factory(url).begin() as session:
        create_user(session, username, "a-long-password", "dispatcher")
    return username


def phone_rows(url: str) -> dict[str, int]:
    """A call from the phone system and a watch-list entry, committed (the PBX's own token is not the tests')."""
    with session_factory(url).begin() as session:
        call = Call(sip_call_id=f"security-{uuid.uuid4()}", caller_phone="081200000000", taken_by="pbx")
        listing = WatchListing(number="081200000000", until=datetime.now(UTC) + timedelta(hours=1), calls=3)
        session.add_all([call, listing])
        session.flush()
        return {"call_id": call.id, "listing_id": listing.id}
