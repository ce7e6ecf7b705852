"""Finding places by name: desa (tolerant of spelling variants), streets of the road network, and facilities
(hospitals, puskesmas, Damkar posts, police and the other stations units start from)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.config import SLIVER_TOLERANCE_M
from geo112.geography._areas import DESA_COLUMNS, JOIN, area, jurisdiction
from geo112.geography.locate import locate
from geo112.geography.names import name_key
from geo112.network import Network

_SEARCH = text(f"""
    SELECT {DESA_COLUMNS},
           ST_X(ST_PointOnSurface(d.geom)) AS lon, ST_Y(ST_PointOnSurface(d.geom)) AS lat,
           GREATEST(similarity(d.name_key, :q), 0.9 * similarity(k.name_key, :q),
                    CASE WHEN d.name_key = :q THEN 2 WHEN d.name_key LIKE :prefix THEN 1.5
                         WHEN k.name_key = :q THEN 1 ELSE 0 END) AS score
    FROM {JOIN}
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
    return [
        {**area(r), "jurisdiction": jurisdiction(r), "lon": r.lon, "lat": r.lat, "score": round(float(r.score), 3)}
        for r in rows
    ]


_FACILITIES = text("""
    SELECT code, name, kind, ST_X(geom) AS lon, ST_Y(geom) AS lat,
           GREATEST(similarity(lower(name), :q), CASE WHEN lower(name) LIKE :contains THEN 1 ELSE 0 END) AS score
      FROM station
     WHERE lower(name) LIKE :contains OR lower(name) % :q
     ORDER BY score DESC, name LIMIT :limit
""")


def search_facilities(session: Session, query: str, limit: int = 5) -> list[dict[str, Any]]:
    """Find stations and facilities by name ("puskesmas gondang", "rsud", "damkar"), best first.

    Returns
    -------
    list of dict
        ``code``, ``name``, ``kind`` (hospital, puskesmas, fire_station, police, ...), ``lon`` and ``lat``.
    """
    wanted = " ".join(query.lower().split())
    if len(wanted) < 2:
        return []
    rows = session.execute(_FACILITIES, {"q": wanted, "contains": f"%{wanted}%", "limit": limit})
    return [{"code": r.code, "name": r.name, "kind": r.kind, "lon": r.lon, "lat": r.lat} for r in rows]


def search_streets(
    session: Session, network: Network, query: str, limit: int = 5, sliver_tolerance_m: float = SLIVER_TOLERANCE_M
) -> list[dict[str, Any]]:
    """Find streets of the road network by name, each with a point on it and the desa that point lies in.

    Parameters
    ----------
    session
        Session on the PostGIS database.
    network
        The road network whose street names are searched.
    query
        Text as typed, with or without "Jalan"/"Jl.".
    limit
        Most streets to return.
    sliver_tolerance_m
        See :func:`geo112.geography.locate.locate`.

    Returns
    -------
    list of dict
        ``name``, ``lon``, ``lat``, ``desa`` and ``kecamatan`` names (None outside every desa).
    """
    results = []
    for street in network.streets(query, limit):
        where = locate(session, street.lon, street.lat, sliver_tolerance_m)
        desa, kecamatan = where.desa, where.kecamatan
        results.append(
            {
                "name": street.name,
                "lon": street.lon,
                "lat": street.lat,
                "desa": desa.name if desa else None,
                "kecamatan": kecamatan.name if kecamatan else None,
            }
        )
    return results
