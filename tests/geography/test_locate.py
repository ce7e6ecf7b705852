"""Point → desa/kecamatan/jurisdiction and desa search, in PostGIS and over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.errors import InvalidInput
from geo112.geography.coordinates import parse_lon_lat
from geo112.geography.locate import locate
from geo112.geography.search import search_desa


def test_every_desa_interior_point_locates_to_that_desa(session: Session) -> None:
    points = session.execute(
        text("SELECT code, ST_X(p) AS lon, ST_Y(p) AS lat FROM (SELECT code, ST_PointOnSurface(geom) p FROM desa) s")
    ).all()
    assert len(points) == 322
    wrong = [
        (code, found.desa)
        for code, lon, lat in points
        if (found := locate(session, lon, lat)).desa is None or found.desa.code != code
    ]
    assert wrong == []


def test_kota_mojokerto_is_its_own_jurisdiction(session: Session) -> None:
    result = locate(session, 112.4340, -7.4720)
    assert result.jurisdiction.code == "35.76"
    assert result.jurisdiction.served is False
    assert "Kota Mojokerto" in result.handoff


@pytest.fixture
def regency_only(session: Session) -> Session:
    """The regency's own tables alone, as a deployment without the province layer has them (rolled back)."""
    session.execute(text("DELETE FROM province_desa"))
    return session


def test_far_outside_point_reports_nearest_desa(regency_only: Session) -> None:
    result = locate(regency_only, 112.0, -7.0)
    assert result.match == "outside" and result.desa is None
    assert result.nearest_desa.code.startswith("35.16.")
    assert 40_000 < result.nearest_desa.distance_m < 80_000


def test_point_in_a_sliver_gets_the_nearest_desa(regency_only: Session) -> None:
    # 50 m beyond the regency's edge is a sliver of simplified boundaries, not another jurisdiction.
    lon, lat = regency_only.execute(
        text("""
        WITH b AS (SELECT ST_Boundary(ST_Union(geom)) AS line, ST_Union(geom) AS area FROM desa),
             p AS (SELECT ST_PointN(ST_GeometryN(line, 1), 1) AS edge, ST_Centroid(area) AS c FROM b)
        SELECT ST_X(q), ST_Y(q) FROM (
          SELECT ST_Project(edge::geography, 50, ST_Azimuth(c, edge))::geometry AS q FROM p) s
    """)
    ).one()
    result = locate(regency_only, lon, lat)
    assert result.match == "nearest"
    assert 0 < result.nearest_desa.distance_m <= 150
    assert result.desa.code == result.nearest_desa.code


def test_coordinates_arriving_as_text_are_checked() -> None:
    assert parse_lon_lat("112.5603", " -7.5196") == (112.5603, -7.5196)
    for lon, lat, message in (
        ("112.5", "-95", "lat must be within"),
        ("abc", "-7", "lon must be a number"),
        ("112", "nan", "finite"),
        (None, "-7", "lon is required"),
        (True, "-7", "bool"),
    ):
        with pytest.raises(InvalidInput, match=message):
            parse_lon_lat(lon, lat)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Dawar Blandong", "Dawarblandong"),
        ("gedek", "Gedeg"),
        ("Ds. Jotangan", "Jotangan"),
        ("Kel. Mojosari", "Mojosari"),
        ("  TAWANGREJO ", "Tawangrejo"),
        ("Jotangn", "Jotangan"),
    ],
)
def test_desa_search_tolerates_variants(session: Session, query: str, expected: str) -> None:
    assert search_desa(session, query)[0]["desa"]["name"] == expected


def test_desa_search_finds_nothing_for_nonsense(session: Session) -> None:
    assert search_desa(session, "qqqzzzxxx") == [] and search_desa(session, "Ds. ") == []


def test_cli_locate_prints_json(database: str) -> None:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "geo112.cli",
            "--database-url",
            database,
            "locate",
            "--lat",
            "-7.5196",
            "--lon",
            "112.5603",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out)["kecamatan"]["name"] == "Mojosari"


def test_cli_rejects_bad_coordinates(database: str) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "geo112.cli", "--database-url", database, "locate", "--lat", "abc", "--lon", "112"],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2 and "lat must be a number" in run.stderr and "Traceback" not in run.stderr


def test_api_locate_matches_python(client, session: Session) -> None:
    response = client.get("/api/v1/locate?lat=-7.5196&lon=112.5603")
    assert response.status_code == 200
    assert response.get_json() == locate(session, 112.5603, -7.5196).model_dump(mode="json")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("lon=112.5", "lat is required"),
        ("lat=x&lon=112.5", "lat must be a number"),
        ("lat=NaN&lon=112.5", "finite"),
        ("lat=-7.5&lon=Infinity", "finite"),
        ("lat=-91&lon=112.5", "lat must be within"),
        ("lat=-7.5&lon=180.5", "lon must be within"),
        ("lat=1e308&lon=1", "lat must be within"),
    ],
)
def test_api_locate_rejects_bad_input(client, query: str, message: str) -> None:
    response = client.get(f"/api/v1/locate?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_request" and message in body["detail"]


def test_api_desa_search_and_geojson(client) -> None:
    assert client.get("/api/v1/desa?q=Gedek").get_json()["results"][0]["desa"]["name"] == "Gedeg"
    assert client.get("/api/v1/desa").status_code == 400
    full = client.get("/api/v1/kecamatan.geojson")
    simple = client.get("/api/v1/kecamatan.geojson?simplify=100")
    assert full.mimetype == "application/geo+json"
    assert full.get_json()["numberMatched"] == 21 and len(simple.get_json()["features"]) == 21
    assert len(simple.data) < len(full.data)
    page = client.get("/api/v1/desa.geojson?limit=10&offset=300").get_json()
    assert (page["numberMatched"], page["numberReturned"]) == (322, 10)
    assert client.get("/api/v1/desa.geojson?simplify=-1").status_code == 400
