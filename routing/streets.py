"""Find streets of a compiled graph by name.

Dispatchers hear "di Jalan Raya Gedeg" and type "jl raya gedeg"; the search folds the road kind away
(:data:`routing.settings.STREET_PREFIXES`) and answers one point on each matching street.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from . import settings
from .compiled import CompiledGraph


class Street(NamedTuple):
    """A street found by name, with a point in the middle of it.

    Attributes
    ----------
    name : str
        The street name as the OSM extract spells it.
    lon, lat : float
        A point on the street (the middle vertex of its middle edge), degrees.
    """

    name: str
    lon: float
    lat: float


def street_key(name: str) -> str:
    """Return a street name folded for search: lower case, dots as spaces, without its road kind."""
    key = " ".join(name.lower().replace(".", " ").split())
    for prefix in settings.STREET_PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def find_streets(graph: CompiledGraph, query: str, limit: int) -> list[Street]:
    """Find streets whose name contains the query, with a point on each.

    Parameters
    ----------
    graph
        The compiled graph (its ``names``, ``edge_name`` and edge geometries).
    query
        Text as typed, with or without "Jalan"/"Jl.".
    limit
        Most streets to return.

    Returns
    -------
    list of Street
        Names starting with the query first, then shorter names; empty for a query under two letters.
    """
    wanted = street_key(query)
    if len(wanted) < 2:
        return []
    keys = [street_key(str(n)) for n in graph.names]
    hits = sorted((not k.startswith(wanted), len(k), i) for i, k in enumerate(keys) if i and wanted in k)[:limit]
    found = []
    for *_, name_id in hits:
        edges = np.flatnonzero(graph.edge_name == name_id)
        edge = edges[len(edges) // 2]
        middle = (graph.geom_ptr[edge] + graph.geom_ptr[edge + 1]) // 2
        found.append(Street(str(graph.names[name_id]), float(graph.geom_lon[middle]), float(graph.geom_lat[middle])))
    return found
