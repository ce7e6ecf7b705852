"""Security test fixtures: the demo fleet of the test database, and committed rows to aim requests at."""

from __future__ import annotations

import pytest

from tests.dispatch.conftest import MOJOSARI, committed_unit

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
