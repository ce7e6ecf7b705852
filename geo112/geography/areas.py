"""Administrative geography queries in PostGIS: point → desa/kecamatan/jurisdiction, desa search by name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.geography.names import name_key

_DESA_COLUMNS = """
    d.code AS desa_code, d.name AS desa_name, d.kind AS desa_kind,
    k.code AS kecamatan_code, k.name AS kecamatan_name,
    j.code AS jurisdiction_code, j.name AS jurisdiction_name, j.kind AS jurisdiction_kind, j.served
"""
_JOIN = "desa d JOIN kecamatan k ON k.code = d.kecamatan_code JOIN jurisdiction j ON j.code = k.jurisdiction_code"

_INSIDE = text(f"""
    SELECT {_DESA_COLUMNS}, 0.0 AS distance_m FROM {_JOIN}
    WHERE ST_Intersects(d.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    ORDER BY d.code LIMIT 1
""")
# KNN on the GiST index finds candidates; the true geodesic distance orders the few that are left.
_NEAREST = text(f"""
    SELECT * FROM (
        SELECT {_DESA_COLUMNS},
               ST_Distance(d.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS distance_m
        FROM {_JOIN}
        ORDER BY d.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 5
    ) c ORDER BY distance_m LIMIT 1
""")


def _area(row: Any) -> dict[str, Any]:
    return {
        "desa": {"code": row.desa_code, "name": row.desa_name, "kind": row.desa_kind},
        "kecamatan": {"code": row.kecamatan_code, "name": row.kecamatan_name},
    }


def _jurisdiction(row: Any) -> dict[str, Any]:
    return {"code": row.jurisdiction_code, "name": row.jurisdiction_name, "kind": row.jurisdiction_kind, "served": row.served}


def locate(session: Session, lon: float, lat: float, sliver_tolerance_m: float = 150.0) -> dict[str, Any]:
    """Tell which desa, kecamatan and jurisdiction a point lies in.

    Parameters
    ----------
    session
        Session on the PostGIS database.
    lon, lat
        WGS84 coordinates (already validated).
    sliver_tolerance_m
        A point in no desa but nearer than this to one lies in a sliver between simplified polygons and is
        given that desa (``match = "nearest"``); farther, it is outside both jurisdictions.

    Returns
    -------
    dict
        ``lon``, ``lat``, ``match`` (``inside`` / ``nearest`` / ``outside``), ``desa``, ``kecamatan`` and
        ``jurisdiction`` (``None`` when outside), ``nearest_desa`` with ``distance_m`` when not inside, and
        ``handoff``: the call centre that owns the incident when it is not this one.
    """
    params = {"lon": lon, "lat": lat}
    row = session.execute(_INSIDE, params).first()
    result: dict[str, Any] = {"lon": lon, "lat": lat}
    if row is not None:
        return result | {"match": "inside", **_area(row), "jurisdiction": _jurisdiction(row), "nearest_desa": None,
                         "handoff": None if row.served else f"Call Center 112 {row.jurisdiction_name}"}
    row = session.execute(_NEAREST, params).first()
    nearest = {**_area(row)["desa"], "kecamatan": row.kecamatan_name, "jurisdiction": row.jurisdiction_name,
               "distance_m": round(row.distance_m, 1)}
    if row.distance_m <= sliver_tolerance_m:
        return result | {"match": "nearest", **_area(row), "jurisdiction": _jurisdiction(row), "nearest_desa": nearest,
                         "handoff": None if row.served else f"Call Center 112 {row.jurisdiction_name}"}
    return result | {"match": "outside", "desa": None, "kecamatan": None,
                     "jurisdiction": {"code": None, "name": "outside", "kind": "outside", "served": False},
                     "nearest_desa": nearest, "handoff": "the 112 call centre of the area the caller is in"}


_SEARCH = text(f"""
    SELECT {_DESA_COLUMNS},
           ST_X(ST_PointOnSurface(d.geom)) AS lon, ST_Y(ST_PointOnSurface(d.geom)) AS lat,
           GREATEST(similarity(d.name_key, :q), 0.9 * similarity(k.name_key, :q),
                    CASE WHEN d.name_key = :q THEN 2 WHEN d.name_key LIKE :prefix THEN 1.5
                         WHEN k.name_key = :q THEN 1 ELSE 0 END) AS score
    FROM {_JOIN}
    WHERE d.name_key % :q OR k.name_key % :q OR d.name_key LIKE :prefix OR k.name_key = :q
    ORDER BY score DESC, d.name LIMIT :limit
""")


def search_desa(session: Session, query: str, limit: int = 10) -> list[dict[str, Any]]:
    """Find desa by name, tolerant of case, spaces, prefixes and spelling variants.

    A query that names a kecamatan also returns that kecamatan's desa, after exact desa matches.

    Parameters
    ----------
    session
        Session on the PostGIS database.
    query
        Text as typed, e.g. ``"Ds. Dawar Blandong"`` or ``"gedek"``.
    limit
        Most results to return.

    Returns
    -------
    list of dict
        Best first: desa, kecamatan, jurisdiction, a point inside the desa (``lon``, ``lat``) and ``score``.
    """
    key = name_key(query)
    if not key:
        return []
    rows = session.execute(_SEARCH, {"q": key, "prefix": key + "%", "limit": limit})
    return [{**_area(r), "jurisdiction": _jurisdiction(r), "lon": r.lon, "lat": r.lat, "score": round(float(r.score), 3)} for r in rows]
