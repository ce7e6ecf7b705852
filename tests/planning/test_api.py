"""The coverage API: roles, answers, exports that parse, 304 on unchanged layers, 4xx on bad input."""

from __future__ import annotations

import csv
import io
import json

import geopandas as gpd
import pytest
from sqlalchemy import select, update

from geo112.planning import busy
from geo112.store.db import session_factory
from geo112.store.models import Station, Unit

SUMMARY = "/api/v1/coverage/summary?type=fire_truck&minutes=15"


@pytest.fixture
def api(client, login, planning):
    """The test client, logged in as a planner; returns (client, headers)."""
    return client, login("planner")


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (None, SUMMARY, 401),
        ("dispatcher", SUMMARY, 403),
        ("dispatcher", "/api/v1/coverage/gaps.geojson?type=fire_truck&minutes=15", 200),
        ("dispatcher", "/api/v1/coverage/desa.geojson?type=ambulance&minutes=8", 200),
        ("dispatcher", "/api/v1/coverage/gaps.geojson?type=fire_truck&minutes=15&mode=stations", 403),
        ("dispatcher", "/api/v1/coverage/export.csv?type=fire_truck", 403),
        ("planner", SUMMARY + "&mode=stations", 200),
        ("admin", SUMMARY, 200),
    ],
)
def test_roles(client, login, planning, role, path, status) -> None:
    if role:
        login(role)
    assert client.get(path).status_code == status


def test_summary_by_kecamatan_with_default_threshold(api) -> None:
    client, _ = api
    body = client.get("/api/v1/coverage/summary?type=ambulance").get_json()
    assert body["minutes"] == 8 and body["mode"] == "live"  # the type's first configured threshold
    assert len(body["kecamatan"]) == 18 and body["totals"]["population"] == 1_119_209
    assert {"covered", "double", "expected", "uncovered_population"} <= set(body["kecamatan"][0])
    # The planner page's skeleton asks /api/v1/coverage?unit_type=
    assert client.get("/api/v1/coverage?unit_type=ambulance&minutes=8").get_json()["totals"] == body["totals"]


def test_summary_states_the_busy_fraction_and_its_basis(api, planning) -> None:
    client, _ = api
    body = client.get(SUMMARY).get_json()
    with session_factory(planning).begin() as s:
        expected = busy.measure(s, "fire_truck")
    assert (body["busy"], body["busy_basis"], body["busy_detail"]) == (
        expected.value,
        expected.basis,
        expected.as_dict(),
    )
    given = client.get(SUMMARY + "&busy=0.6").get_json()  # ?busy= overrides the measured fraction
    assert (given["busy"], given["busy_basis"], given["busy_detail"]["note"]) == (0.6, "given", "set by the request")
    assert given["fingerprint"] != body["fingerprint"]
    assert given["totals"]["covered"] == body["totals"]["covered"]
    assert given["totals"]["expected"] < body["totals"]["expected"]
    gaps = client.get("/api/v1/coverage/gaps.geojson?type=fire_truck&minutes=15&busy=0.6").get_json()
    assert (gaps["properties"]["busy"], gaps["properties"]["busy_basis"]) == (0.6, "given")


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("type=boat", 404),
        ("", 404),
        ("type=ambulance&minutes=abc", 400),
        ("type=ambulance&minutes=0", 400),
        ("type=ambulance&minutes=nan", 400),
        ("type=ambulance&minutes=500", 400),
        ("type=ambulance&mode=x", 400),
        ("type=ambulance&busy=1", 400),
    ],
)
def test_bad_queries(api, query, status) -> None:
    client, _ = api
    response = client.get(f"/api/v1/coverage/summary?{query}")
    assert response.status_code == status and response.get_json()["detail"]


def test_gap_layer_is_cached_until_a_unit_changes(api, planning) -> None:
    client, _ = api
    path = "/api/v1/coverage/gaps.geojson?type=fire_truck&minutes=15"
    first = client.get(path)
    assert first.mimetype == "application/geo+json"
    feature = first.get_json()
    assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon") and 0 < feature["properties"]["area_share"] < 1
    assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    with session_factory(planning).begin() as s:
        post = s.scalars(select(Unit.station_id).where(Unit.unit_type_code == "fire_truck")).first()
        s.execute(
            update(Unit)
            .where(Unit.station_id == post, Unit.unit_type_code == "fire_truck")
            .values(status="out_of_service")
        )
    try:
        changed = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert changed.status_code == 200
        assert changed.get_json()["properties"]["area_share"] > feature["properties"]["area_share"]
        assert changed.get_json()["properties"]["available_units"] < feature["properties"]["available_units"]
    finally:
        with session_factory(planning).begin() as s:
            s.execute(
                update(Unit)
                .where(Unit.station_id == post, Unit.unit_type_code == "fire_truck")
                .values(status="available")
            )


def test_desa_choropleth(api) -> None:
    client, _ = api
    body = client.get("/api/v1/coverage/desa.geojson?type=fire_truck&minutes=15&mode=stations").get_json()
    assert len(body["features"]) == 304
    props = body["features"][0]["properties"]
    assert {"code", "name", "kecamatan", "population", "share", "share_double", "share_expected"} <= set(props)


def test_exports_parse(api, tmp_path) -> None:
    client, _ = api
    query = "?type=ambulance&minutes=15&mode=stations"
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/v1/coverage/export.csv{query}").get_data(as_text=True))))
    assert len(rows) == 18 and {r["unit_type"] for r in rows} == {"ambulance"}
    assert sum(int(r["population"]) for r in rows) == 1_119_209
    desa = client.get(f"/api/v1/coverage/export.csv{query}&level=desa")
    desa_rows = list(csv.DictReader(io.StringIO(desa.get_data(as_text=True))))
    assert len(desa_rows) == 304 and "-desa.csv" in desa.headers["Content-Disposition"]
    assert sum(int(r["population"]) for r in desa_rows) == 1_119_209 and {"name", "kecamatan", "share"} <= set(
        desa_rows[0]
    )
    refused = client.get(f"/api/v1/coverage/export.csv{query}&level=rt")
    assert refused.status_code == 400 and "level must be one of" in refused.get_json()["detail"]
    geojson = client.get(f"/api/v1/coverage/export.geojson{query}")
    assert "attachment" in geojson.headers["Content-Disposition"]
    assert len(json.loads(geojson.get_data())["features"]) == 304
    gpkg = client.get(f"/api/v1/coverage/export.gpkg{query}")
    path = tmp_path / "coverage.gpkg"
    path.write_bytes(gpkg.get_data())
    desa, kecamatan = gpd.read_file(path, layer="desa"), gpd.read_file(path, layer="kecamatan")
    assert (len(desa), len(kecamatan)) == (304, 18) and desa.crs.to_epsg() == 4326
    assert kecamatan["covered_population"].sum() == pytest.approx(sum(int(r["covered_population"]) for r in rows))
    assert not {"caller_name", "caller_phone", "description"} & set(desa.columns)


def _station_id(planning: str, code: str) -> int:
    with session_factory(planning)() as s:
        return s.scalar(select(Station.id).where(Station.code == code))


def test_whatif_and_siting_through_the_api(api, planning) -> None:
    client, headers = api
    scenario = {"unit_type": "fire_truck", "minutes": 15, "changes": [{"action": "add", "lon": 112.36, "lat": -7.45}]}
    body = client.post("/api/v1/coverage/whatif", json=scenario, headers=headers).get_json()
    assert body["after"]["totals"]["covered_population"] >= body["before"]["totals"]["covered_population"]
    assert len(body["desa"]["features"]) == 304 and "share_before" in body["desa"]["features"][0]["properties"]
    curves = {(r["scenario"], r["minutes"]): r["share"] for r in body["reach"]}
    total = body["before"]["totals"]["population"]
    for name, side in (("sebelum", "before"), ("sesudah", "after")):
        assert abs(curves[name, 15.0] - body[side]["totals"]["covered_population"] / total) < 1e-3
    assert all(curves["sesudah", t] >= curves["sebelum", t] for t in range(61))  # adding a post never loses reach
    assert body["chart"]["title"].startswith("Penduduk terjangkau") and len(body["chart"]["layer"]) == 2
    result = client.post("/api/v1/coverage/siting", json={"method": "mclp", "p": 2}, headers=headers).get_json()
    assert len(result["new_sites"]) == 2 and len(result["geojson"]["features"]) == 4
    assert result["after"]["covered_population"] >= result["before"]["covered_population"]


@pytest.mark.parametrize(
    ("path", "payload", "status"),
    [
        ("whatif", None, 400),
        ("whatif", {"unit_type": "fire_truck", "minutes": 15}, 422),
        (
            "whatif",
            {"unit_type": "fire_truck", "minutes": 15, "changes": [{"action": "remove", "lon": 1, "lat": 1}]},
            422,
        ),
        (
            "whatif",
            {"unit_type": "fire_truck", "minutes": 15, "changes": [{"action": "add", "lon": 400, "lat": 0}]},
            422,
        ),
        (
            "whatif",
            {"unit_type": "fire_truck", "minutes": 15, "changes": [{"action": "remove", "unit_id": 10**8}]},
            422,
        ),
        (
            "whatif",
            {"unit_type": "boat", "minutes": 15, "changes": [{"action": "add", "lon": 112.4, "lat": -7.5}]},
            404,
        ),
        ("siting", {"p": 0}, 422),
        ("siting", {"method": "annealing"}, 422),
        ("siting", {"candidates": []}, 422),
    ],
)
def test_bad_bodies(api, path, payload, status) -> None:
    client, headers = api
    response = (
        client.post(f"/api/v1/coverage/{path}", json=payload, headers=headers)
        if payload is not None
        else client.post(f"/api/v1/coverage/{path}", data="x", headers=headers)
    )
    assert response.status_code == status, response.get_json()


def test_thresholds_are_configuration_for_admins(client, login, planning) -> None:
    headers = login("planner")
    listed = client.get("/api/v1/coverage/thresholds").get_json()["items"]
    assert {(t["unit_type"], t["minutes"]) for t in listed} >= {("ambulance", 8), ("ambulance", 15), ("fire_truck", 15)}
    assert (
        client.put("/api/v1/coverage/thresholds/ambulance", json={"minutes": [10]}, headers=headers).status_code == 403
    )
    headers = login("admin")
    try:
        changed = client.put("/api/v1/coverage/thresholds/ambulance", json={"minutes": [10, 20]}, headers=headers)
        assert [t["minutes"] for t in changed.get_json()["items"]] == [10, 20]
        assert changed.get_json()["items"][0]["source"] == "configured override"
        assert client.get("/api/v1/coverage/summary?type=ambulance").get_json()["minutes"] == 10
        for bad, status in (({"minutes": []}, 422), ({"minutes": [0]}, 422), ({"minutes": [500]}, 422)):
            assert client.put("/api/v1/coverage/thresholds/ambulance", json=bad, headers=headers).status_code == status
        assert client.put("/api/v1/coverage/thresholds/boat", json={"minutes": [9]}, headers=headers).status_code == 404
    finally:
        restored = client.put("/api/v1/coverage/thresholds/ambulance", json={"minutes": [8, 15]}, headers=headers)
    assert "NFPA 1710" in restored.get_json()["items"][0]["source"]
