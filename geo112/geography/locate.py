"""Point → desa, kecamatan and kabupaten/kota, with the call centre that owns it, in PostGIS.

The regency's own tables answer first (Kab. Mojokerto and the Kota enclave, as they always did); a point
beyond them is located in the province's desa (``province_desa``, :mod:`geo112.ingest.province`), so every
point in Jawa Timur names its kabupaten/kota and the 112 to hand the call to.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import TextClause, text
from sqlalchemy.orm import Session

from geo112.config import SLIVER_TOLERANCE_M
from geo112.errors import ServiceUnavailable
from geo112.geography._areas import DESA_COLUMNS, JOIN, PROVINCE_COLUMNS, PROVINCE_JOIN, area, jurisdiction

#: A point in no desa but within this of one is in the province's waters or in a gap of the simplified
#: polygons, and the nearest desa's 112 takes it: 12 nautical miles, the province's sea (UU 23/2014 art. 27).
PROVINCE_WATERS_M = 22_224.0
_POINT = "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)"


def _inside(columns: str, tables: str) -> TextClause:
    return text(f"SELECT {columns}, 0.0 AS distance_m FROM {tables} "
                f"WHERE ST_Intersects(d.geom, {_POINT}) ORDER BY d.code LIMIT 1")  # fmt: skip


def _nearest(columns: str, tables: str) -> TextClause:
    # KNN on the GiST index finds candidates; the true geodesic distance orders the few that are left.
    return text(f"""
        SELECT * FROM (
            SELECT {columns}, ST_Distance(d.geom::geography, {_POINT}::geography) AS distance_m
            FROM {tables} ORDER BY d.geom <-> {_POINT} LIMIT 5
        ) c ORDER BY distance_m LIMIT 1
    """)


#: (inside, nearest) per layer, the regency's first.
_LAYERS = ((_inside(DESA_COLUMNS, JOIN), _nearest(DESA_COLUMNS, JOIN)),
           (_inside(PROVINCE_COLUMNS, PROVINCE_JOIN), _nearest(PROVINCE_COLUMNS, PROVINCE_JOIN)))  # fmt: skip


class Kecamatan(BaseModel):
    """A kecamatan: its Kemendagri code and name."""

    code: str
    name: str


class Desa(Kecamatan):
    """A desa or kelurahan."""

    kind: str | None


class Jurisdiction(BaseModel):
    """A kabupaten/kota (``code`` None: outside every one) and the 112 that answers there."""

    code: str | None
    name: str
    kind: str
    served: bool
    call_centre: str | None


class NearestDesa(Desa):
    """The desa nearest to a point that lies in none, and how far it is."""

    kecamatan: str
    jurisdiction: str
    distance_m: float


class Location(BaseModel):
    """Where a point is: its desa, kecamatan and kabupaten/kota, and the call centre that owns an incident there.

    ``match`` is ``inside`` a desa, ``nearest`` (in a sliver between simplified polygons) or ``outside``;
    ``layer`` says whether the regency's own tables (``regency``) or the province's answered; ``nearest_desa``
    is given when not inside; ``in_province`` is False beyond the province's waters; ``handoff`` and
    ``handoff_code`` name the other call centre when the incident is not this one's.
    """

    lon: float
    lat: float
    match: Literal["inside", "nearest", "outside"]
    layer: Literal["regency", "province"] | None
    desa: Desa | None
    kecamatan: Kecamatan | None
    jurisdiction: Jurisdiction
    nearest_desa: NearestDesa | None
    in_province: bool
    handoff: str | None
    handoff_code: str | None


def _answer(row: Any, match: str, regency: bool, nearest: dict[str, Any] | None) -> dict[str, Any]:
    served = bool(row.served)
    return {
        "match": match,
        "layer": "regency" if regency else "province",
        **area(row),
        "jurisdiction": jurisdiction(row),
        "nearest_desa": nearest,
        "in_province": True,
        "handoff": None if served else row.call_centre,
        "handoff_code": None if served else row.jurisdiction_code,
    }


def locate(session: Session, lon: float, lat: float, sliver_tolerance_m: float = SLIVER_TOLERANCE_M) -> Location:
    """Tell which desa, kecamatan and jurisdiction a point lies in.

    Parameters
    ----------
    session
        Session on the PostGIS database.
    lon, lat
        WGS84 coordinates (already validated).
    sliver_tolerance_m
        A point in no desa but nearer than this to one lies in a sliver between simplified polygons and is
        given that desa (``match = "nearest"``); farther, it is outside every desa.

    Returns
    -------
    Location
    """
    params = {"lon": lon, "lat": lat}
    result: dict[str, Any] = {"lon": lon, "lat": lat}
    for regency, (inside, _) in zip((True, False), _LAYERS):
        if (row := session.execute(inside, params).first()) is not None:
            return Location.model_validate(result | _answer(row, "inside", regency, None))
    candidates = [(row, regency) for regency, (_, nearest) in zip((True, False), _LAYERS)
                  if (row := session.execute(nearest, params).first()) is not None]  # fmt: skip
    if not candidates:
        raise ServiceUnavailable("no desa are loaded: run `geo112 data load`")
    row, regency = min(candidates, key=lambda c: c[0].distance_m)
    nearest = {**area(row)["desa"], "kecamatan": row.kecamatan_name, "jurisdiction": row.jurisdiction_name,
               "distance_m": round(row.distance_m, 1)}  # fmt: skip
    if row.distance_m <= sliver_tolerance_m:
        return Location.model_validate(result | _answer(row, "nearest", regency, nearest))
    # In the sea or a gap: the nearest desa's 112 (unless that is us, when only the regency layer is loaded).
    waters = row.distance_m <= PROVINCE_WATERS_M and not row.served
    return Location.model_validate(
        result
        | {
            "match": "outside",
            "layer": None,
            "desa": None,
            "kecamatan": None,
            "jurisdiction": {"code": None, "name": "outside", "kind": "outside", "served": False, "call_centre": None},
            "nearest_desa": nearest,
            "in_province": row.distance_m <= PROVINCE_WATERS_M,
            "handoff": row.call_centre if waters else "the 112 call centre of the area the caller is in",
            "handoff_code": row.jurisdiction_code if waters else None,
        }
    )


def regency_codes(where: Location) -> tuple[str | None, str | None]:
    """The desa and kecamatan codes of a :func:`locate` answer that rows of the regency may refer to.

    Only the regency's own desa and kecamatan are rows of ``desa`` and ``kecamatan``; a desa of another
    kabupaten/kota is named in the answer but stored by its jurisdiction alone.
    """
    if where.layer != "regency" or where.desa is None or where.kecamatan is None:
        return None, None
    return where.desa.code, where.kecamatan.code


# Every point at once: the regency's desa first, else the province's (a point is in at most one of each).
_MANY = text(f"""
    SELECT p.i, coalesce(r.desa_code, v.desa_code) AS desa_code, coalesce(r.desa_name, v.desa_name) AS desa_name,
           coalesce(r.kecamatan_code, v.kecamatan_code) AS kecamatan_code,
           coalesce(r.kecamatan_name, v.kecamatan_name) AS kecamatan_name,
           coalesce(r.jurisdiction_code, v.jurisdiction_code) AS jurisdiction_code,
           coalesce(r.jurisdiction_name, v.jurisdiction_name) AS jurisdiction_name,
           coalesce(r.call_centre, v.call_centre) AS call_centre, coalesce(r.served, v.served) AS served
    FROM unnest(CAST(:lons AS float8[]), CAST(:lats AS float8[])) WITH ORDINALITY AS p(lon, lat, i)
    LEFT JOIN LATERAL (SELECT {DESA_COLUMNS} FROM {JOIN}
                       WHERE ST_Intersects(d.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) LIMIT 1) r ON true
    LEFT JOIN LATERAL (SELECT {PROVINCE_COLUMNS} FROM {PROVINCE_JOIN}
                       WHERE r.desa_code IS NULL
                         AND ST_Intersects(d.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326)) LIMIT 1) v ON true
    ORDER BY p.i
""")


def locate_many(session: Session, lons: list[float], lats: list[float]) -> list[dict[str, Any]]:
    """Locate many points in one query: for each, the desa, kecamatan and kabupaten/kota it lies in.

    A point in no desa gets None for each (:func:`locate` names the nearest one and its distance, point by
    point).

    Parameters
    ----------
    session
        Session on the PostGIS database.
    lons, lats
        WGS84 coordinates (already validated), of equal length.

    Returns
    -------
    list of dict
        In the order of the points: ``desa_code``, ``desa_name``, ``kecamatan_code``, ``kecamatan_name``,
        ``jurisdiction_code``, ``jurisdiction_name``, ``call_centre`` and ``served``.
    """
    rows = session.execute(_MANY, {"lons": list(lons), "lats": list(lats)}).mappings()
    return [{k: v for k, v in row.items() if k != "i"} for row in rows]
