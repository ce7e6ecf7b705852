"""Record the API's answers on the demo data, to show a refactoring changed none of them.

``python -m tests.web.api_record OUT.json`` loads a database of its own (the test database's name +
``_record``: geography, province, demo fleet, a seeded synthetic history), then asks every GET of the API
and the write operations of the dispatch flow, as the roles that use them, and writes each answer's status,
content type and body with what changes between runs (times, tokens, CSRF tokens) replaced by placeholders.
Run it before and after a change and compare the two files (``diff``); a difference is a changed answer.
"""

from __future__ import annotations

import json
import re
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from geo112.analytics.synthetic_history import generate_history
from geo112.config import get_settings
from geo112.ingest.province import load_province
from geo112.network import load_network
from geo112.store.db import session_factory
from tests.conftest import PASSWORD, loaded_database

API = "/api/v1"
PACET = (112.5339, -7.6965)
JOMBANG = (112.2333, -7.5460)
_VOLATILE = [
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)?"), "<time>"),
    (re.compile(r"/(r|l)/[A-Za-z0-9_.\-]{20,}"), r"/\1/<token>"),
    (re.compile(r"text=[A-Za-z0-9_.%\-]{20,}"), "text=<token>"),
    (re.compile(r'"csrf_token":\s*"[^"]+"'), '"csrf_token":"<csrf>"'),
    # Seconds between the flow's own requests, the solver's run time, chart data named by its hash.
    (re.compile(r'"(call_to_dispatch|on_scene|response|total|travel|turnout|runtime_s)":[0-9.e-]+'), r'"\1":<s>'),
    (re.compile(r"data-[0-9a-f]{32}"), "data-<hash>"),
]


def _normal(text: str) -> str:
    for pattern, placeholder in _VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


class Recorder:
    """A test client that keeps every answer it gets, keyed by the order and the request."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.answers: list[dict[str, Any]] = []
        self.csrf: dict[str, str] = {}

    def login(self, role: str) -> None:
        """Log in as ``test-<role>``."""
        token = self.client.get(f"{API}/auth/csrf").get_json()["csrf_token"]
        answer = self.client.post(
            f"{API}/auth/login", json={"username": f"test-{role}", "password": PASSWORD}, headers={"X-CSRFToken": token}
        )
        self.csrf = {"X-CSRFToken": answer.get_json()["csrf_token"]}

    def ask(self, method: str, path: str, body: Any = None) -> Any:
        """Send a request, keep its answer, return the JSON body (or None)."""
        answer = self.client.open(path, method=method, json=body, headers=self.csrf if method != "GET" else {})
        text = answer.get_data(as_text=True) if answer.mimetype != "application/pdf" else f"<{len(answer.data)} B>"
        self.answers.append(
            {
                "request": f"{method} {path}",
                "status": answer.status_code,
                "type": answer.mimetype,
                "body": _normal(text),
            }
        )
        return answer.get_json(silent=True)


def dispatch_flow(rec: Recorder) -> None:
    """A dispatcher's night: a call, its duplicate, a unit, its statuses, a hand-off, the reads between."""
    rec.login("dispatcher")
    point = {"lon": PACET[0], "lat": PACET[1]}
    incident = rec.ask("POST", f"{API}/incidents", {"category": "medis", **point, "caller_phone": "0812 3456 789"})
    iid = incident["id"]
    rec.ask("PATCH", f"{API}/incidents/{iid}", {"priority": 1, "description": "sesak napas"})
    for path in ("", "/timeline", "/recommendations", "/calls", "/assignments", "/cap.xml"):
        rec.ask("GET", f"{API}/incidents/{iid}{path}")
    rec.ask("POST", f"{API}/calls/duplicates", {"lat": PACET[1], "lon": PACET[0], "caller_phone": "0812 3456 789"})
    rec.ask("POST", f"{API}/incidents/{iid}/calls", {"caller_name": "Budi", "description": "tetangga"})
    proposals = rec.ask("GET", f"{API}/incidents/{iid}/recommendations")
    unit = proposals["requirements"][0]["proposed"][0]["unit_id"]
    rec.ask("GET", f"{API}/incidents/{iid}/routes?units={unit}")
    rec.ask("GET", f"{API}/units/departure-cost?units={unit}")
    assignment = rec.ask("POST", f"{API}/incidents/{iid}/assignments", {"unit_id": unit})
    aid = assignment["id"]
    rec.ask("GET", f"{API}/assignments/{aid}")
    rec.ask("POST", f"{API}/assignments/{aid}/link")
    rec.ask("POST", f"{API}/incidents/{iid}/caller-link", {})
    for status in ("en_route", "on_scene", "available"):
        rec.ask("POST", f"{API}/units/{unit}/status", {"status": status})
    rec.ask("POST", f"{API}/units/{unit}/position", {"lon": PACET[0], "lat": PACET[1]})
    rec.ask("POST", f"{API}/incidents/{iid}/close", {"disposition": "handled", "note": "selesai"})
    other = rec.ask("POST", f"{API}/incidents", {"category": "kebakaran", "lon": JOMBANG[0], "lat": JOMBANG[1]})
    handoff = rec.ask("POST", f"{API}/incidents/{other['id']}/handoff", {"reason": "di Jombang"})
    rec.ask("GET", f"{API}/handoffs/{handoff['id']}/cap.xml")
    rec.ask("GET", f"{API}/cap/feed.atom")
    rec.ask("POST", f"{API}/handoffs/{handoff['id']}/answer", {"outcome": "accepted"})
    third = rec.ask("POST", f"{API}/incidents", {"category": "medis", **point})
    rec.ask("POST", f"{API}/incidents/{third['id']}/merge", {"into": iid})
    for path in (
        "/incidents",
        "/incidents?status=open&limit=5",
        "/handoffs",
        "/alerts",
        "/phase-targets",
        "/units?limit=500",
        f"/units/{unit}",
        "/moveup",
        "/stations?limit=500",
        "/stations/1",
        "/agencies",
        "/unit-types",
        "/category-matrix",
        "/console/place?lat=-7.52&lon=112.56",
        "/console/streets?q=raya",
        "/console/facilities?q=puskesmas",
        "/console/gap?unit_type=ambulance",
        "/auth/me",
    ):
        rec.ask("GET", API + path)


def planner_reads(rec: Recorder) -> None:
    """What a planner's pages ask for: coverage, its layers and exports, analytics of the history."""
    rec.login("planner")
    for path in (
        "/coverage/summary?type=ambulance",
        "/coverage/summary?type=fire_truck&minutes=15&mode=stations",
        "/coverage/desa.geojson?type=ambulance",
        "/coverage/gaps.geojson?type=ambulance",
        "/coverage/thresholds",
        "/coverage/charts",
        "/coverage/export.csv?type=ambulance&level=desa",
        "/coverage/export.geojson?type=ambulance",
        "/analytics/summary?include_synthetic=true",
        "/analytics/counts?include_synthetic=true&by=category",
        "/analytics/intervals?include_synthetic=true&by=priority",
        "/analytics/compliance?include_synthetic=true",
        "/analytics/heatmap?include_synthetic=true&cell_m=2000",
        "/analytics/charts?include_synthetic=true",
        "/analytics/export.csv?include_synthetic=true&table=counts_kecamatan",
        "/analytics/report.pdf?include_synthetic=true",
        "/locate?lat=-7.52&lon=112.56",
        "/desa?q=pacet",
        "/kecamatan.geojson?simplify=50",
    ):
        rec.ask("GET", API + path)
    rec.ask("POST", f"{API}/coverage/whatif", {"unit_type": "ambulance", "add_units": [{"station_id": 1}]})
    rec.ask("POST", f"{API}/coverage/siting", {"unit_type": "ambulance", "p": 2})


def main(out: Path) -> None:
    """Record into ``out``."""
    from web import create_app

    settings = get_settings()
    url = loaded_database("record", settings.data_dir)
    with session_factory(url).begin() as session:
        load_province(session, settings.data_dir)
        network = load_network(settings.osm_path, settings.cache_dir)
        generate_history(session, network, 300, 112, date(2026, 1, 1), date(2026, 7, 1), settings.data_dir)
    app = create_app({"TESTING": True, "GEO112_DATABASE_URL": url, "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex})
    rec = Recorder(app.test_client())
    dispatch_flow(rec)
    planner_reads(rec)
    out.write_text(json.dumps(rec.answers, indent=1, ensure_ascii=False))
    print(f"{len(rec.answers)} answers in {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
