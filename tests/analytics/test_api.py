"""The analytics API, CSV export and page through the Flask test client: roles, 4xx, labels, no caller data."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.analytics.conftest import N
from web.assets import IMPORT_MAP

API = "/api/v1/analytics"
HISTORY = "start=2025-01-01&end=2025-12-31&include_synthetic=true"
ENDPOINTS = ("summary", "counts", "intervals", "compliance", "heatmap", "export.csv")


@pytest.fixture
def planner(client, login, history):
    """The test client logged in as a planner, on the database holding the synthetic history."""
    login("planner")
    return client


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_roles(client, login, history, endpoint) -> None:
    assert client.get(f"{API}/{endpoint}").status_code == 401
    login("dispatcher")
    assert client.get(f"{API}/{endpoint}").status_code == 403
    login("admin")
    assert client.get(f"{API}/{endpoint}").status_code == 200


@pytest.mark.parametrize(
    ("query", "status", "words"),
    [
        ("counts?by=weather", 400, "by must be one of"),
        ("intervals?by=weather", 400, "by must be one of"),
        ("summary?category=meteor", 422, "unknown category"),
        ("summary?start=2025-13-01", 400, "start must be a date"),
        ("summary?end=9999-12-31", 400, "end must be between the years 1970 and 2200"),  # a day is added to it
        ("summary?start=2025-06-01&end=2025-05-01", 400, "empty"),
        ("summary?include_synthetic=maybe", 400, "include_synthetic must be true or false"),
        ("heatmap?cell_m=5", 400, "cell_m must be within"),
        ("heatmap?cell_m=wide", 400, "cell_m must be a number"),
        ("export.csv?table=callers", 400, "table must be one of"),
    ],
)
def test_bad_parameters_are_refused_with_a_message(planner, query: str, status: int, words: str) -> None:
    response = planner.get(f"{API}/{query}")
    assert response.status_code == status and words in response.get_json()["detail"]


def test_answers_say_whether_they_include_synthetic_history(planner) -> None:
    summary = planner.get(f"{API}/summary?{HISTORY}").get_json()
    assert summary["incidents"] == summary["synthetic"] == N and summary["synthetic_included"]
    hidden = planner.get(f"{API}/summary?start=2025-01-01&end=2025-12-31").get_json()
    assert hidden["incidents"] == 0 and hidden["synthetic_available"] == N and not hidden["synthetic_included"]
    counts = planner.get(f"{API}/counts?by=category&{HISTORY}").get_json()
    assert counts["synthetic_included"] and sum(r["count"] for r in counts["rows"]) == N
    assert (
        counts["filters"]["since"] == "2025-01-01T00:00:00+07:00"
        and counts["filters"]["until"] == "2026-01-01T00:00:00+07:00"
    )
    medis = planner.get(f"{API}/intervals?category=medis&by=priority&{HISTORY}").get_json()
    assert {r["group"] for r in medis["rows"]} == {1}
    heat = planner.get(f"{API}/heatmap?cell_m=1500&{HISTORY}").get_json()
    assert heat["cell_m"] == 1500 and sum(c["count"] for c in heat["cells"]) == N


def test_export_is_csv_of_the_tables_and_never_holds_callers(planner, client, login) -> None:
    headers = login("dispatcher")
    call = {
        "category": "medis",
        "lon": 112.56,
        "lat": -7.518,
        "caller_name": "Rahasia Pelapor",
        "caller_phone": "081299887766",
        "description": '=HYPERLINK("x")',
    }
    assert client.post("/api/v1/incidents", json=call, headers=headers).status_code == 201
    login("planner")
    for table in ("counts_desa", "counts_kecamatan", "counts_category", "intervals", "compliance", "heatmap"):
        response = planner.get(f"{API}/export.csv?table={table}&include_synthetic=true")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert f"geo112-{table}-synthetic.csv" in response.headers["Content-Disposition"]
        body = response.get_data(as_text=True)
        assert "Rahasia" not in body and "081299887766" not in body and "HYPERLINK" not in body
        rows = list(csv.DictReader(io.StringIO(body)))
        assert rows and all(r["includes_synthetic"] == "True" for r in rows)
    kecamatan = list(
        csv.DictReader(
            io.StringIO(planner.get(f"{API}/export.csv?table=counts_kecamatan&{HISTORY}").get_data(as_text=True))
        )
    )
    assert sum(int(r["count"]) for r in kecamatan) == N and {"code", "name", "count", "synthetic"} <= set(kecamatan[0])
    real = planner.get(f"{API}/export.csv?table=counts_category").get_data(as_text=True)
    assert "False" in real and "medis" in real


def test_page_for_planners_without_inline_script(planner, client, login) -> None:
    html = planner.get("/planner/analytics?lang=en").get_data(as_text=True)
    assert "/static/js/analytics.js" in html and "/maps/analytics.js" in html and "SYNTHETIC" in html
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL):
        # Data blocks, scripts from the app, and the one import map the CSP admits by its hash.
        inert = 'type="application/json"' in attrs or (attrs == ' type="importmap"' and body == IMPORT_MAP)
        assert inert or (body.strip() == "" and 'src="/' in attrs), attrs
    assert 'href="/planner/analytics"' in planner.get("/planner").get_data(as_text=True)
    login("dispatcher")
    assert client.get("/planner/analytics").status_code == 403
