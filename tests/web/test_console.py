"""The console's pages and helper endpoints through the Flask test client (the browser tests drive the UI)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import get_args

import pytest

from geo112.dispatch.schemas import Disposition
from geo112.store.db import session_factory
from geo112.store.models import Event
from web.i18n import TEXT
from web.maps import MAPS


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        ("dispatcher", "/console", 200),
        ("planner", "/console", 403),
        ("admin", "/console", 200),
        ("planner", "/planner", 200),
        ("dispatcher", "/planner", 403),
    ],
)
def test_pages_by_role(client, login, role, path, status) -> None:
    login(role)
    assert client.get(path).status_code == status


def test_console_page_has_no_inline_script_and_only_local_assets(client, login) -> None:
    login("dispatcher")
    html = client.get("/console").get_data(as_text=True)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    # Only data blocks may be inline; every executable script has a same-origin src.
    for attrs, body in scripts:
        assert 'type="application/json"' in attrs or (body.strip() == "" and 'src="/' in attrs), attrs
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)


def test_the_close_form_offers_the_apis_dispositions_each_with_a_text(client, login) -> None:
    login("dispatcher")
    html = client.get("/console").get_data(as_text=True)
    embedded = re.search(r'<script type="application/json" id="dispositions">(.*?)</script>', html, re.S)
    assert embedded and tuple(json.loads(embedded.group(1))) == get_args(Disposition)
    assert all(f"disposition_{code}" in TEXT for code in get_args(Disposition))


@pytest.mark.parametrize("name", sorted(MAPS))
def test_map_script_registers_every_layer_and_links_no_cdn(client, name) -> None:
    response = client.get(f"/maps/{name}.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    script = response.get_data(as_text=True)
    assert f"var map_{name} = L.map(" in script and "window.geo112Map" in script
    for overlay in MAPS[name]:
        assert f'"{overlay.key}": feature_group_{overlay.key}' in script
    assert "http" not in script  # no tiles or libraries from elsewhere
    assert TEXT["layer_route"]["en"] in client.get("/maps/responder.js?lang=en").get_data(as_text=True)


def test_vendored_leaflet_is_served_and_confined(client) -> None:
    js = client.get("/assets/leaflet/leaflet.js")
    assert js.status_code == 200 and b"Leaflet" in js.data[:200]
    assert client.get("/assets/leaflet/images/marker-icon.png").mimetype == "image/png"
    assert client.get("/assets/leaflet/../package.json").status_code == 404
    assert client.get("/assets/jquery/jquery.js").status_code == 404


def test_every_text_has_both_languages() -> None:
    assert all(set(entry) == {"id", "en"} and all(entry.values()) for entry in TEXT.values())


def test_change_cursor_moves_when_an_event_is_recorded(client, login, database) -> None:
    login("dispatcher")
    before = client.get("/api/v1/console/changes").get_json()["cursor"]
    assert client.get("/api/v1/console/changes").get_json()["cursor"] == before
    with session_factory(database).begin() as session:
        session.add(Event(actor="test", action="test.touch", entity="test", entity_id="1"))
    assert client.get("/api/v1/console/changes").get_json()["cursor"] != before


def test_changes_need_login(client) -> None:
    assert client.get("/api/v1/console/changes").status_code == 401


def test_place_tells_desa_kecamatan_and_jurisdiction(client, login) -> None:
    login("dispatcher")
    place = client.get("/api/v1/console/place?lat=-7.5196&lon=112.5603").get_json()
    assert place["jurisdiction"]["code"] and place["kecamatan"]["name"] and "road" in place
    assert client.get("/api/v1/console/place?lat=abc&lon=112.5").status_code == 400


def test_qr_code_is_an_svg_of_a_posted_link(client, login) -> None:
    headers = login("dispatcher")
    svg = client.post("/console/qr.svg", json={"text": "http://127.0.0.1/r/abc"}, headers=headers)
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<path" in svg.data
    assert svg.headers["Cache-Control"] == "no-store"
    assert client.post("/console/qr.svg", json={"text": "x" * 1001}, headers=headers).status_code == 422
    assert client.get("/console/qr.svg?text=http://127.0.0.1/r/abc").status_code == 405  # never in a URL


def test_facilities_are_found_by_name(client, login, demo) -> None:
    headers = login("dispatcher")
    found = client.get("/api/v1/console/facilities?q=rsud", headers=headers).get_json()["results"]
    assert found and all("rsud" in f["name"].lower() for f in found)
    assert {f["kind"] for f in found} == {"hospital"}
    typo = client.get("/api/v1/console/facilities?q=puskesmas gondng", headers=headers).get_json()["results"]
    assert typo and typo[0]["kind"] == "puskesmas" and "gondang" in typo[0]["name"].lower()
    assert -8 < found[0]["lat"] < -7 and 112 < found[0]["lon"] < 113
    assert client.get("/api/v1/console/facilities?q=", headers=headers).status_code == 400


_WEB = Path(__file__).resolve().parents[2] / "web"
# t("key") / format("key", ...) in the modules, t("key") / t('key') in the templates; `t(\`prefix_${...}\`)` too.
_LITERAL = re.compile(r"""\b(?:t|format)\(\s*["']([\w.]+)["']""")
_PREFIX = re.compile(r"""\b(?:t|format)\(\s*`([\w.]*)\$\{""")


def _sources() -> list[Path]:
    return [*(_WEB / "static" / "js").glob("*.js"), *(_WEB / "templates").rglob("*.html"), _WEB / "maps.py"]


def test_every_text_the_ui_asks_for_has_an_indonesian_text() -> None:
    keys, prefixes = set(), set()
    for path in _sources():
        source = path.read_text(encoding="utf-8")
        literal = set(_LITERAL.findall(source))
        keys |= {k for k in literal if not k.endswith("_")}  # t("status_" ~ x) in a template is a family
        prefixes |= {k for k in literal if k.endswith("_")} | {p for p in _PREFIX.findall(source) if p}
    assert len(keys) > 100 and {"status_", "action_", "agency_", "facility_"} <= prefixes
    missing = sorted(k for k in keys if not TEXT.get(k, {}).get("id"))
    assert missing == [], f"keys without an Indonesian text: {missing}"
    # A key built at run time must at least have its family in the catalogue.
    assert [p for p in sorted(prefixes) if not any(k.startswith(p) for k in TEXT)] == []


def test_a_list_of_ids_is_one_parameter_or_several(client, login, demo) -> None:
    headers = login("dispatcher")
    incident = client.post(
        "/api/v1/incidents", json={"category": "medis", "lon": 112.56, "lat": -7.615}, headers=headers
    ).get_json()
    proposed = client.get(f"/api/v1/incidents/{incident['id']}/recommendations").get_json()
    ids = [c["unit_id"] for c in proposed["requirements"][0]["proposed"]][:2]
    assert len(ids) == 2
    for query in (f"units={ids[0]},{ids[1]}", f"units={ids[0]}&units={ids[1]}"):
        routes = client.get(f"/api/v1/incidents/{incident['id']}/routes?{query}")
        assert routes.status_code == 200 and len(routes.get_json()["features"]) == 2, routes.get_json()
    assert client.get(f"/api/v1/incidents/{incident['id']}/routes?units=3,x").status_code == 400


def test_a_person_gets_error_pages_in_indonesian_and_clients_json(client, login) -> None:
    page = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    missing = client.get("/tidak-ada", headers=page)
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    assert "Halaman tidak ditemukan" in missing.get_data(as_text=True) and "Not Found" not in missing.get_data(
        as_text=True
    )
    login("planner")
    forbidden = client.get("/console", headers=page)
    assert forbidden.status_code == 403 and "Tidak diizinkan" in forbidden.get_data(as_text=True)
    assert client.get("/tidak-ada").get_json()["error"] == "not_found"  # a client that asks for no page
    api = client.get("/api/v1/tidak-ada", headers=page)
    assert api.status_code == 404 and api.get_json()["error"] == "not_found"  # the API stays JSON
