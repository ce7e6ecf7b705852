"""Beyond the regency: every point of Jawa Timur names its desa, kecamatan, kabupaten/kota and 112."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.geography.locate import PROVINCE_WATERS_M, locate

#: The neighbours of Kab. Mojokerto (jawa_timur/SOURCES.md).
NEIGHBOURS = {"35.76": "Kota Mojokerto", "35.17": "Kabupaten Jombang", "35.24": "Kabupaten Lamongan",
              "35.25": "Kabupaten Gresik", "35.15": "Kabupaten Sidoarjo", "35.14": "Kabupaten Pasuruan",
              "35.07": "Kabupaten Malang", "35.79": "Kota Batu"}  # fmt: skip
#: Town centres everyone knows, and the kabupaten/kota they are in.
TOWNS = [((112.2333, -7.5460), "35.17"), ((112.5244, -7.8710), "35.79"), ((112.7183, -7.4478), "35.15"),
         ((112.6530, -7.1580), "35.25"), ((112.6300, -7.9800), "35.73"), ((112.7500, -7.2600), "35.78")]  # fmt: skip

# A desa of each neighbour that touches the regency, and a point inside it just across the border.
_ACROSS = text("""
    SELECT DISTINCT ON (p.jurisdiction_code) p.jurisdiction_code, p.code, ST_X(pt) AS lon, ST_Y(pt) AS lat
    FROM province_desa p, jurisdiction k,
         LATERAL ST_ClosestPoint(p.geom, ST_Centroid(k.geom)) c,
         LATERAL ST_PointOnSurface(ST_Intersection(p.geom, ST_Buffer(c, 0.01))) pt
    WHERE k.code = '35.16' AND p.jurisdiction_code = ANY(:codes) AND ST_DWithin(p.geom, k.geom, 0.001)
    ORDER BY p.jurisdiction_code, ST_Distance(p.geom, ST_Centroid(k.geom))
""")


@pytest.fixture
def db(province: str, session: Session) -> Session:
    return session


def test_points_just_across_each_border_resolve_to_that_regency_and_desa(db: Session) -> None:
    across = db.execute(_ACROSS, {"codes": list(NEIGHBOURS)}).all()
    assert {r.jurisdiction_code for r in across} == set(NEIGHBOURS)
    for code, desa, lon, lat in across:
        where = locate(db, lon, lat)
        assert where.jurisdiction.code == code and where.jurisdiction.name == NEIGHBOURS[code]
        assert where.desa.code == desa and where.kecamatan.code == desa[:8]
        assert where.handoff == f"Call Center 112 {NEIGHBOURS[code]}" and where.handoff_code == code
        assert where.jurisdiction.served is False and where.match == "inside"


@pytest.mark.parametrize(("point", "code"), TOWNS)
def test_towns_of_the_province_resolve_to_their_kabupaten_or_kota(db: Session, point, code: str) -> None:
    where = locate(db, *point)
    assert where.jurisdiction.code == code and where.layer == "province" and where.desa.name


def test_the_regencys_own_answers_stay_what_they_are(db: Session) -> None:
    mojosari = locate(db, 112.5603, -7.5196)
    assert mojosari.layer == "regency" and mojosari.desa.name == "Mojosari"
    assert mojosari.handoff is None and mojosari.jurisdiction.served is True


def test_the_sea_names_the_nearest_desa_and_beyond_the_province_says_so(db: Session) -> None:
    strait = locate(db, 112.7300, -7.1900)  # Madura Strait, between Surabaya and Bangkalan
    assert strait.match == "outside" and strait.in_province is True
    assert 0 < strait.nearest_desa.distance_m <= PROVINCE_WATERS_M
    assert strait.handoff.startswith("Call Center 112 ") and strait.handoff_code
    yogyakarta = locate(db, 110.3650, -7.8010)
    assert yogyakarta.in_province is False and yogyakarta.handoff_code is None
    assert yogyakarta.nearest_desa.distance_m > PROVINCE_WATERS_M
