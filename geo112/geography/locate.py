"""Point → desa, kecamatan and jurisdiction (with the call centre that owns it), in PostGIS."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.errors import ServiceUnavailable
from geo112.geography._areas import DESA_COLUMNS, JOIN, area, jurisdiction

_INSIDE = text(f"""
    SELECT {DESA_COLUMNS}, 0.0 AS distance_m FROM {JOIN}
    WHERE ST_Intersects(d.geom, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))
    ORDER BY d.code LIMIT 1
""")
# KNN on the GiST index finds candidates; the true geodesic distance orders the few that are left.
_NEAREST = text(f"""
    SELECT * FROM (
        SELECT {DESA_COLUMNS},
               ST_Distance(d.geom::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography) AS distance_m
        FROM {JOIN}
        ORDER BY d.geom <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 5
    ) c ORDER BY distance_m LIMIT 1
""")


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
        return result | {
            "match": "inside",
            **area(row),
            "jurisdiction": jurisdiction(row),
            "nearest_desa": None,
            "handoff": None if row.served else f"Call Center 112 {row.jurisdiction_name}",
        }
    row = session.execute(_NEAREST, params).first()
    if row is None:
        raise ServiceUnavailable("no desa are loaded: run `geo112 data load`")
    nearest = {
        **area(row)["desa"],
        "kecamatan": row.kecamatan_name,
        "jurisdiction": row.jurisdiction_name,
        "distance_m": round(row.distance_m, 1),
    }
    if row.distance_m <= sliver_tolerance_m:
        return result | {
            "match": "nearest",
            **area(row),
            "jurisdiction": jurisdiction(row),
            "nearest_desa": nearest,
            "handoff": None if row.served else f"Call Center 112 {row.jurisdiction_name}",
        }
    return result | {
        "match": "outside",
        "desa": None,
        "kecamatan": None,
        "jurisdiction": {"code": None, "name": "outside", "kind": "outside", "served": False},
        "nearest_desa": nearest,
        "handoff": "the 112 call centre of the area the caller is in",
    }
