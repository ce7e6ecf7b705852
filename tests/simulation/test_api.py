"""POST /api/v1/simulation: planners only, validated body, the same figures as the CLI's for the same seed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from geo112.store.models import Station
from tests.analytics.test_charts import _pdf_text

URL = "/api/v1/simulation"
SMALL = {"policy": "closest", "compare": "mexclp", "days": 20, "replications": 2, "seed": 5}


@pytest.fixture
def planner(client, login, history):
    return login("planner")


def test_planner_runs_a_comparison(client, planner) -> None:
    answer = client.post(URL, json=SMALL, headers=planner)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert set(body["policies"]) == {"closest", "mexclp"}
    assert body["history"]["synthetic"] and body["days"] == 20 and body["replications"] == 2
    assert 0 <= body["comparison"]["closest"]["mean"] <= 1
    assert len(body["chart"]["layer"]) == 2 and "Ambulans" in {
        r["unit"] for r in next(iter(body["chart"]["datasets"].values()))
    }
    again = client.post(URL, json=SMALL, headers=planner).get_json()
    assert again.pop("result_id") > body.pop("result_id")  # each run is kept apart
    assert again == body  # same seed, same calls, same answer


def test_the_web_report_prints_a_kept_run_in_its_simulasi_section(client, planner) -> None:
    run = client.post(URL, json=SMALL, headers=planner).get_json()
    report = "/api/v1/analytics/report.pdf?start=2025-01-01&end=2025-01-31&include_synthetic=true"
    text = _pdf_text(client.get(f"{report}&simulation={run['result_id']}", headers=planner).data)
    assert "Simulasi kebijakan penugasan" in text and "20 hari × 2 replikasi (seed 5)" in " ".join(text.split())
    latest = _pdf_text(client.get(f"{report}&simulation=latest", headers=planner).data)
    assert "Simulasi kebijakan penugasan" in latest
    assert "Simulasi kebijakan penugasan" not in _pdf_text(client.get(report, headers=planner).data)
    bad = client.get(f"{report}&simulation=yesterday", headers=planner)
    assert bad.status_code == 400 and "latest" in bad.get_json()["detail"]
    gone = client.get(f"{report}&simulation=999999", headers=planner)
    assert gone.status_code == 404 and "simulation page" in gone.get_json()["detail"]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"policy": "nearest"}, 422),
        ({"days": 0}, 422),
        ({"days": 366, "replications": 10}, 422),  # over the days × replications a request may ask
        ({"load": -1}, 422),
        ({"surprise": 1}, 422),
        ({"add_units": [{"station_id": 1, "unit_type": "fire_truck", "units": 11}]}, 422),
        ({**SMALL, "add_units": [{"station_id": 99999, "unit_type": "fire_truck"}]}, 404),
    ],
)
def test_bad_bodies(client, planner, body, status) -> None:
    assert client.post(URL, json=body, headers=planner).status_code == status


def test_dispatcher_may_not(client, login, history) -> None:
    assert client.post(URL, json=SMALL, headers=login("dispatcher")).status_code == 403


def test_what_if_units(client, planner, session) -> None:
    jetis = session.scalar(select(Station.id).where(Station.code == "F11"))
    body = {**SMALL, "compare": None, "add_units": [{"station_id": jetis, "unit_type": "fire_truck", "units": 2}]}
    answer = client.post(URL, json=body, headers=planner)
    assert answer.status_code == 200, answer.get_json()
    plain = client.post(URL, json={**SMALL, "compare": None}, headers=planner).get_json()
    assert answer.get_json()["units"] == plain["units"] + 2
