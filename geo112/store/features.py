"""Feature providers: the seam between the web layer and storage (after pygeoapi's provider interface).

A provider turns rows of one spatial table into GeoJSON features; the web layer asks providers only and
never writes SQL. Geometry is produced by PostGIS (``ST_AsGeoJSON``), simplified on request for maps.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.errors import InvalidInput, NotFound
from geo112.store.geometry import METRES_PER_DEGREE

MAX_LIMIT = 1000


@dataclass(frozen=True)
class ItemsQuery:
    """Which features of a collection to list: a page, an optional bbox, and the simplification for maps.

    Raises
    ------
    InvalidInput
        For a limit outside ``1..MAX_LIMIT`` or a negative offset or simplification.
    """

    simplify_m: float = 0.0
    limit: int = MAX_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None

    def __post_init__(self) -> None:
        """Check the page and the tolerance."""
        if not 1 <= self.limit <= MAX_LIMIT or self.offset < 0 or self.simplify_m < 0:
            raise InvalidInput(f"limit must be 1..{MAX_LIMIT}, offset and simplify non-negative")


class FeatureProvider(ABC):
    """A collection of features that the web layer can list and fetch."""

    title: str

    @abstractmethod
    def items(self, session: Session, query: ItemsQuery) -> dict[str, Any]:
        """Return a GeoJSON FeatureCollection with ``numberMatched`` and ``numberReturned``."""

    @abstractmethod
    def item(self, session: Session, identifier: str, *, simplify_m: float = 0.0) -> dict[str, Any]:
        """Return one GeoJSON Feature, or raise :class:`NotFound`."""


@dataclass(frozen=True)
class PostgisTableProvider(FeatureProvider):
    """Features from one PostGIS table or subquery: an id column, property columns and a geometry column."""

    title: str
    table: str
    id_column: str
    properties: tuple[str, ...]
    geom_column: str = "geom"

    def _select(self, where: str, order: str = "") -> str:
        props = ", ".join(self.properties)
        return (
            f"SELECT {self.id_column} AS id, {props}, "
            f"ST_AsGeoJSON(ST_SimplifyPreserveTopology({self.geom_column}, :tol), 6) AS geometry "
            f"FROM {self.table} WHERE {where} {order}"
        )

    def _feature(self, row: Any) -> dict[str, Any]:
        m = row._mapping
        return {
            "type": "Feature",
            "id": m["id"],
            "geometry": json.loads(m["geometry"]),
            "properties": {p: m[p] for p in self.properties},
        }

    def items(self, session: Session, query: ItemsQuery) -> dict[str, Any]:
        """Return one page of the collection as a GeoJSON FeatureCollection (see :class:`FeatureProvider`)."""
        bbox = query.bbox
        where = f"{self.geom_column} && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)" if bbox else "TRUE"
        params: dict[str, Any] = {
            "tol": query.simplify_m / METRES_PER_DEGREE,
            "limit": query.limit,
            "offset": query.offset,
        }
        if bbox:
            params |= dict(zip(("x0", "y0", "x1", "y1"), bbox))
        rows = session.execute(
            text(self._select(where, f"ORDER BY {self.id_column} LIMIT :limit OFFSET :offset")), params
        )
        features = [self._feature(r) for r in rows]
        matched = session.scalar(text(f"SELECT count(*) FROM {self.table} WHERE {where}"), params)
        return {
            "type": "FeatureCollection",
            "features": features,
            "numberMatched": matched,
            "numberReturned": len(features),
        }

    def item(self, session: Session, identifier: str, *, simplify_m: float = 0.0) -> dict[str, Any]:
        """Return one feature (see :class:`FeatureProvider`)."""
        row = session.execute(
            text(self._select(f"{self.id_column} = :ident")),
            {"ident": identifier, "tol": simplify_m / METRES_PER_DEGREE},
        ).first()
        if row is None:
            raise NotFound(f"no {self.title} with id {identifier!r}")
        return self._feature(row)


PROVIDERS: dict[str, FeatureProvider] = {
    "desa": PostgisTableProvider(
        "desa",
        "(SELECT d.*, k.name AS kecamatan_name, k.jurisdiction_code FROM desa d"
        " JOIN kecamatan k ON k.code = d.kecamatan_code) AS desa",
        "code",
        (
            "name",
            "kind",
            "kecamatan_code",
            "kecamatan_name",
            "jurisdiction_code",
            "area_km2",
            "population",
            "population_source",
            "population_method",
        ),
    ),
    "kecamatan": PostgisTableProvider(
        "kecamatan", "kecamatan", "code", ("name", "jurisdiction_code", "area_km2", "population", "population_source")
    ),
    # A jurisdiction with kecamatan in the regency's own tables but not served is the enclave (Kota Mojokerto);
    # the others are the province's kabupaten/kota, each with its call centre.
    "jurisdiction": PostgisTableProvider(
        "jurisdiction",
        "(SELECT j.*, NOT j.served AND EXISTS (SELECT 1 FROM kecamatan k WHERE k.jurisdiction_code = j.code)"
        " AS enclave FROM jurisdiction j) AS jurisdiction",
        "code",
        ("name", "kind", "served", "enclave", "call_centre", "area_km2", "population"),
    ),
}
