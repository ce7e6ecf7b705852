"""``geo112 region init --online``: the region's roads from OpenStreetMap (Overpass, through osmnx), written as an
OSM XML file the app builds its road graph from, turn restrictions kept.

osmnx's graph functions fetch the drivable ways and their nodes and drop relations, so a graph they make has
no turn restrictions (and ``graph build --online`` one the app cannot load). This module sends osmnx's own drive
query for the pack's outline plus a margin, with the ``restriction`` relations of the same area added, through
osmnx's Overpass client (its settings: endpoint, timeout, cache, rate limit), and writes what comes back as OSM
XML: the path a real deployment takes, and the same file type as ``--osm FILE``.
"""

from __future__ import annotations

import bz2
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import osmnx as ox
import requests
import shapely
from osmnx import _overpass  # osmnx's Overpass client: its public graph functions drop the relations
from osmnx._errors import ResponseStatusCodeError
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

#: Margin around the region's outline (metres): roads just outside it still carry units to its edge.
BUFFER_M = 5000.0
#: Fetches the OSM elements (Overpass JSON ``elements``) of an Overpass query; :func:`overpass_elements` by default.
Fetch = Callable[[str], list[dict[str, Any]]]


class DownloadError(RuntimeError):
    """OpenStreetMap could not be reached or answered with an error (no internet, Overpass down or refusing)."""


@dataclass(frozen=True)
class Download:
    """What :func:`download_roads` wrote: the file and how many nodes, ways and turn restrictions it holds."""

    path: Path
    nodes: int
    ways: int
    restrictions: int
    queries: int


def area_of(outline: BaseGeometry, buffer_m: float = BUFFER_M) -> Polygon | MultiPolygon:
    """The region's outline (lon/lat) grown by ``buffer_m`` metres (in the outline's UTM zone)."""
    projected, crs = ox.projection.project_geometry(outline)
    grown, _ = ox.projection.project_geometry(shapely.buffer(projected, buffer_m), crs=crs, to_latlong=True)
    if not isinstance(grown, Polygon | MultiPolygon):
        raise ValueError(f"the outline grew into a {type(grown).__name__}, not a polygon")
    return grown


def queries(area: Polygon | MultiPolygon) -> list[str]:
    """Overpass queries for the area (osmnx subdivides a large one): osmnx's drive ways with their nodes, and the
    turn restrictions in the same polygon."""
    settings, drive = _overpass._make_overpass_settings(), _overpass._get_network_filter("drive")
    return [
        f'{settings};(way{drive}(poly:"{poly}");>;relation["type"="restriction"](poly:"{poly}"););out;'
        for poly in _overpass._make_overpass_polygon_coord_strs(area)
    ]


def overpass_elements(query: str) -> list[dict[str, Any]]:
    """Send a query through osmnx's Overpass client (``ox.settings.overpass_url`` …) and return its elements.

    Raises
    ------
    DownloadError
        When the server cannot be reached or answers with an error.
    """
    try:
        answer = _overpass._overpass_request(OrderedDict(data=query))
    except (requests.RequestException, OSError, ResponseStatusCodeError) as exc:
        raise DownloadError(f"cannot download the roads from {ox.settings.overpass_url}: {exc}") from None
    return list(answer.get("elements", []))


def _tags(parent: ET.Element, tags: dict[str, str] | None) -> None:
    for key, value in sorted((tags or {}).items()):
        ET.SubElement(parent, "tag", k=key, v=str(value))


def write_osm(elements: Iterable[dict[str, Any]], path: Path) -> tuple[int, int, int]:
    """Write Overpass JSON elements as OSM XML (``.osm.bz2``: compressed), each element once, nodes, ways and
    relations in id order. Returns how many nodes, ways and restriction relations were written."""
    unique = {(e["type"], e["id"]): e for e in elements}
    root = ET.Element("osm", version="0.6", generator="geo112 region init --online (Overpass via osmnx)")
    counts = {"node": 0, "way": 0, "relation": 0}
    for kind in ("node", "way", "relation"):
        for (_, ident), e in sorted((k, v) for k, v in unique.items() if k[0] == kind):
            counts[kind] += 1
            if kind == "node":
                item = ET.SubElement(root, "node", id=str(ident), lat=str(e["lat"]), lon=str(e["lon"]), version="1")
            elif kind == "way":
                item = ET.SubElement(root, "way", id=str(ident), version="1")
                for ref in e["nodes"]:
                    ET.SubElement(item, "nd", ref=str(ref))
            else:
                item = ET.SubElement(root, "relation", id=str(ident), version="1")
                for m in e["members"]:
                    ET.SubElement(item, "member", type=m["type"], ref=str(m["ref"]), role=m.get("role", ""))
            _tags(item, e.get("tags"))
    data = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bz2.compress(data) if path.suffix == ".bz2" else data)
    return counts["node"], counts["way"], counts["relation"]


def download_roads(
    outline: BaseGeometry, path: Path, buffer_m: float = BUFFER_M, fetch: Fetch = overpass_elements
) -> Download:
    """Download the drivable roads and turn restrictions of the outline plus a margin and write them to ``path``.

    Parameters
    ----------
    outline
        The region's outline (lon/lat), enclaves included.
    path
        The OSM file to write (``.osm`` or ``.osm.bz2``).
    buffer_m
        The margin in metres.
    fetch
        Runs one Overpass query (:func:`overpass_elements`; tests give another source).

    Returns
    -------
    Download

    Raises
    ------
    DownloadError
        When a query fails or the answer holds no road.
    """
    asked = queries(area_of(outline, buffer_m))
    elements = [e for query in asked for e in fetch(query)]
    nodes, ways, restrictions = write_osm(elements, path) if elements else (0, 0, 0)
    if not ways:
        path.unlink(missing_ok=True)
        raise DownloadError("OpenStreetMap answered no drivable road for the region's area")
    return Download(path, nodes, ways, restrictions, len(asked))
