"""Build a drivable, strongly connected, timed osmnx graph from OSM data.

One pipeline for every source: a local OSM file and the online Overpass fetch
both yield an *unsimplified* osmnx graph that :func:`prepare_graph` filters to
drivable ways, simplifies, cuts to its largest strongly connected component and
times with the Indonesian speed profile.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import osmnx as ox

from . import settings
from .restrictions import VIA_ATTR, forbidden_turns, mark_via_nodes, read_restrictions

_MAXSPEED = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$")
_MPH = 1.609344
_KNOT = 1.852


@dataclass(frozen=True)
class BuildReport:
    """What the pipeline kept and dropped, for the build log and the cache.

    Attributes
    ----------
    source : str
        The OSM file path or the online query.
    raw_nodes, raw_edges : int
        Size of the graph as read.
    undrivable_edges : int
        Edges removed because their class or access is not drivable.
    nodes, edges : int
        Size of the final simplified largest strongly connected component.
    dropped_components : int
        Strongly connected components dropped.
    dropped_nodes, dropped_edges : int
        Nodes and edges of the simplified graph outside the kept component.
    restrictions : int
        Turn restrictions read (:mod:`routing.restrictions`).
    forbidden_turns : int
        The (edge in, edge out) pairs they forbid in the final graph.
    skipped_restrictions : dict of str to int
        Restriction relations left out, by reason (via ways, other vehicles, ...).
    """

    source: str
    raw_nodes: int
    raw_edges: int
    undrivable_edges: int
    nodes: int
    edges: int
    dropped_components: int
    dropped_nodes: int
    dropped_edges: int
    restrictions: int = 0
    forbidden_turns: int = 0
    skipped_restrictions: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Return the report as a JSON-friendly dict."""
        return asdict(self)


def graph_from_file(path: Path) -> nx.MultiDiGraph[Any]:
    """Read an OSM XML file (.osm or .osm.bz2) as an unsimplified osmnx graph.

    Why: simplification must come after the drive filter, or footways and roads
    would be merged into one edge.

    Parameters
    ----------
    path
        The OSM XML file; osmnx decompresses ``.bz2`` itself.

    Returns
    -------
    networkx.MultiDiGraph
        Every way of the file, one-way tags applied, all components kept; the file's turn restrictions
        in ``G.graph["restrictions"]`` (:class:`routing.restrictions.ReadRestrictions`).
    """
    G = ox.graph_from_xml(Path(path), simplify=False, retain_all=True)
    G.graph["restrictions"] = read_restrictions(Path(path))
    return G


def graph_from_place(place: str = settings.DEFAULT_PLACE) -> nx.MultiDiGraph[Any]:
    """Download the drive network of a place from OpenStreetMap (needs internet).

    Why: the opt-in online build; the result goes through the same pipeline.

    Parameters
    ----------
    place
        A geocodable place name, e.g. the regency.

    Returns
    -------
    networkx.MultiDiGraph
        The unsimplified drive network, all components kept.  Overpass's drive query returns no
        relations, so an online graph has no turn restrictions (an extract file keeps them).
    """
    return ox.graph_from_place(place, network_type="drive", simplify=False, retain_all=True)


def _first(value: Any) -> Any:
    """Return the first item of an osmnx list attribute, or the value itself."""
    return value[0] if isinstance(value, list) else value


def parse_maxspeed(value: Any) -> float | None:
    """Return a ``maxspeed`` tag in km/h, or None when absent or unreadable.

    Why: OSM values come as "50", "30 mph", "ID:urban", "40;60" or lists after
    simplification; the lowest reading is the safe one for an ETA.

    Parameters
    ----------
    value
        The raw tag value (string, list of strings, or None/NaN).

    Returns
    -------
    float or None
        The speed limit in km/h.
    """
    values = value if isinstance(value, list) else [value]
    speeds = []
    for item in values:
        if not isinstance(item, str):
            continue
        for part in re.split(r"[;|]", item):
            if part.strip() in settings.IMPLICIT_MAXSPEEDS:
                speeds.append(settings.IMPLICIT_MAXSPEEDS[part.strip()])
                continue
            match = _MAXSPEED.match(part)
            if match:
                unit = {"mph": _MPH, "knots": _KNOT}.get(match.group(2) or "", 1.0)
                speeds.append(float(match.group(1).replace(",", ".")) * unit)
    speeds = [s for s in speeds if s > 0]
    return min(speeds) if speeds else None


def edge_speed_kph(data: dict[str, Any]) -> float | None:
    """Return the speed of an edge from its class and ``maxspeed``, None if undrivable.

    Why: the profile speed is what traffic achieves; a ``maxspeed`` tag is a legal
    ceiling, so the edge gets the lower of the two (mountain roads at 30 km/h).

    Parameters
    ----------
    data
        The osmnx edge attributes.

    Returns
    -------
    float or None
        km/h, or None when the class is not in the profile or access is closed.
    """
    classes = data.get("highway")
    classes = classes if isinstance(classes, list) else [classes]
    speeds = [settings.SPEED_PROFILE[c][0] for c in classes if c in settings.SPEED_PROFILE]
    if not speeds:
        return None
    if _first(data.get("access")) in settings.EXCLUDED_ACCESS:
        return None
    if _first(data.get("service")) in settings.EXCLUDED_SERVICE:
        return None
    class_speed = min(speeds)
    legal = parse_maxspeed(data.get("maxspeed"))
    return class_speed if legal is None else min(class_speed, legal)


def prepare_graph(G: nx.MultiDiGraph[Any], source: str) -> tuple[nx.MultiDiGraph[Any], BuildReport]:
    """Filter, simplify, keep the largest SCC and time an unsimplified osmnx graph.

    Why: every source goes through the same steps, so file and online graphs get
    the same speeds and the same guarantees (every node reaches every node).

    Parameters
    ----------
    G
        An unsimplified osmnx graph in lon/lat (as from :func:`graph_from_file`).
    source
        A description of where the graph came from, kept in the report.

    Returns
    -------
    G : networkx.MultiDiGraph
        The timed graph: edges carry ``speed_kph`` and ``travel_time`` (s); ``G.graph["forbidden_turns"]``
        lists the (edge in, edge out) key pairs the restrictions forbid.
    report : BuildReport
        What was kept and dropped.
    """
    raw_nodes, raw_edges = len(G), G.number_of_edges()
    undrivable = [(u, v, k) for u, v, k, d in G.edges(keys=True, data=True) if edge_speed_kph(d) is None]
    read = G.graph.get("restrictions")
    restrictions = read.restrictions if read is not None else []
    G = G.copy()
    G.remove_edges_from(undrivable)
    G.remove_nodes_from([n for n in list(G.nodes) if G.degree(n) == 0])
    mark_via_nodes(G, restrictions)
    # Keep class, name and limit uniform along each edge so speeds and street
    # names stay exact in route steps; via nodes stay nodes.
    G = ox.simplify_graph(G, node_attrs_include=[VIA_ATTR], edge_attrs_differ=["highway", "name", "maxspeed"])
    components = list(nx.strongly_connected_components(G))
    keep = max(components, key=len)
    simplified_nodes, simplified_edges = len(G), G.number_of_edges()
    G = G.subgraph(keep).copy()
    for _u, _v, data in G.edges(data=True):
        speed = edge_speed_kph(data)
        assert speed is not None  # undrivable edges were removed above
        data["speed_kph"] = speed
        data["travel_time"] = max(float(data["length"]) / (speed / 3.6), settings.MIN_EDGE_SECONDS)
    G.graph["forbidden_turns"] = forbidden_turns(G, restrictions)
    report = BuildReport(
        source=source,
        raw_nodes=raw_nodes,
        raw_edges=raw_edges,
        undrivable_edges=len(undrivable),
        nodes=len(G),
        edges=G.number_of_edges(),
        dropped_components=len(components) - 1,
        dropped_nodes=simplified_nodes - len(G),
        dropped_edges=simplified_edges - G.number_of_edges(),
        restrictions=len(restrictions),
        forbidden_turns=len(G.graph["forbidden_turns"]),
        skipped_restrictions=dict(read.skipped) if read is not None else {},
    )
    return G, report
