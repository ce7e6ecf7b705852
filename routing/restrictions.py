"""OSM turn restrictions: read from the extract, resolved to forbidden pairs of graph edges.

osmnx reads nodes and ways only, so the ``type=restriction`` relations are read here from the same file
(streamed, relations only).  A restriction names ways (``from``, ``to``) and a via node; once the graph is
simplified, its edges that carry the ``from`` way into the via node and the ``to`` way out of it make the
forbidden pairs: every (from, to) pair for ``no_*``, every other way out for ``only_*``.  The via nodes are
kept through simplification (:data:`VIA_ATTR`), so that a restriction always sits on a graph node.
"""

from __future__ import annotations

import bz2
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import networkx as nx

from . import settings

#: Node attribute marking a via node, so that osmnx keeps it as a graph node when it simplifies.
VIA_ATTR = "turn_restriction"

EdgeKey = tuple[int, int, int]


@dataclass(frozen=True)
class TurnRestriction:
    """One OSM restriction relation with a via node.

    Attributes
    ----------
    relation : int
        The relation's OSM id.
    only : bool
        ``only_*`` (the ``to`` ways are the only ways on) rather than ``no_*`` (they are forbidden).
    from_ways, to_ways : tuple of int
        Way ids (``no_entry`` has several ``from``, ``no_exit`` several ``to``).
    via : int
        The via node's OSM id.
    """

    relation: int
    only: bool
    from_ways: tuple[int, ...]
    via: int
    to_ways: tuple[int, ...]


@dataclass(frozen=True)
class ReadRestrictions:
    """The restrictions of a file, and how many relations were left out, by reason.

    Attributes
    ----------
    restrictions : list of TurnRestriction
        Those geo112 honours.
    skipped : dict of str to int
        ``via_way`` (a way as via member), ``incomplete`` (a member missing), ``other_vehicle``
        (restricts other vehicles, or excepts cars), ``unknown`` (a value that is neither ``no_*`` nor ``only_*``).
    """

    restrictions: list[TurnRestriction]
    skipped: dict[str, int]


def _open(path: Path) -> IO[bytes]:
    return bz2.open(path, "rb") if Path(path).suffix == ".bz2" else open(path, "rb")


def _relations(path: Path) -> Iterator[tuple[int, dict[str, str], list[tuple[str, str, int]]]]:
    """Yield (id, tags, members as (type, role, ref)) of every relation, clearing what was parsed."""
    with _open(path) as fh:
        for _, elem in ET.iterparse(fh, events=("end",)):
            if elem.tag == "relation":
                tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                members = [(m.get("type", ""), m.get("role", ""), int(m.get("ref", "0"))) for m in elem.iter("member")]
                yield int(elem.get("id", "0")), tags, members
            if elem.tag in ("node", "way", "relation"):
                elem.clear()


def _value(tags: dict[str, str]) -> str | None:
    """The restriction value that applies to cars (OSRM's car profile reads the same keys), or None."""
    excepted = {v.strip() for v in tags.get("except", "").split(";")}
    if excepted & set(settings.RESTRICTION_VEHICLES):
        return None
    for key in ("restriction", *(f"restriction:{v}" for v in settings.RESTRICTION_VEHICLES)):
        if key in tags:
            return tags[key]
    return None


def _restriction(relation: int, tags: dict[str, str], members: list[tuple[str, str, int]]) -> TurnRestriction | str:
    """A relation as a TurnRestriction, or the reason it is skipped."""
    value = _value(tags)
    if value is None:
        return "other_vehicle"
    if not value.startswith(("no_", "only_")):
        return "unknown"
    via = [(kind, ref) for kind, role, ref in members if role == "via"]
    if any(kind == "way" for kind, _ in via):
        return "via_way"
    froms = tuple(ref for kind, role, ref in members if role == "from" and kind == "way")
    tos = tuple(ref for kind, role, ref in members if role == "to" and kind == "way")
    if len(via) != 1 or not froms or not tos:
        return "incomplete"
    return TurnRestriction(relation, value.startswith("only_"), froms, via[0][1], tos)


def read_restrictions(path: Path) -> ReadRestrictions:
    """Read the turn restrictions of an OSM XML file (.osm or .osm.bz2).

    Why: osmnx drops relations; a real extract's no-left-turns and no-U-turns change routes.

    Parameters
    ----------
    path
        The OSM file the graph is built from.

    Returns
    -------
    ReadRestrictions
    """
    kept: list[TurnRestriction] = []
    skipped: dict[str, int] = {}
    for relation, tags, members in _relations(path):
        if tags.get("type") != "restriction":
            continue
        parsed = _restriction(relation, tags, members)
        if isinstance(parsed, str):
            skipped[parsed] = skipped.get(parsed, 0) + 1
        else:
            kept.append(parsed)
    return ReadRestrictions(kept, skipped)


def mark_via_nodes(G: nx.MultiDiGraph[Any], restrictions: list[TurnRestriction]) -> None:
    """Flag the via nodes (:data:`VIA_ATTR`) so that simplification keeps them."""
    for r in restrictions:
        if r.via in G.nodes:
            G.nodes[r.via][VIA_ATTR] = True


def _ways(data: dict[str, Any]) -> set[int]:
    osmid = data.get("osmid")
    return {int(w) for w in (osmid if isinstance(osmid, list) else [osmid]) if w is not None}


def forbidden_turns(G: nx.MultiDiGraph[Any], restrictions: list[TurnRestriction]) -> list[tuple[EdgeKey, EdgeKey]]:
    """Resolve restrictions to forbidden (incoming edge, outgoing edge) pairs of a simplified graph.

    Why: the search expands only the junctions with restrictions; it needs them as edges, not ways.

    Parameters
    ----------
    G
        The simplified graph; each edge's ``osmid`` lists the ways it was merged from.
    restrictions
        From :func:`read_restrictions`; those whose via node or ways are not in ``G`` drop out.

    Returns
    -------
    list of ((u, v, key), (u, v, key))
        Edge keys of ``G``: driving in along the first and out along the second is forbidden.
    """
    pairs: set[tuple[EdgeKey, EdgeKey]] = set()
    for r in restrictions:
        if r.via not in G.nodes:
            continue
        ins = [((u, v, k), _ways(d)) for u, v, k, d in G.in_edges(r.via, keys=True, data=True) if u != v]
        outs = [((u, v, k), _ways(d)) for u, v, k, d in G.out_edges(r.via, keys=True, data=True) if u != v]
        named = {e for e, ways in outs if ways & set(r.to_ways)}
        if r.only and not named:  # the only way on is not in the graph: forbidding every other way is wrong
            continue
        for e_in, ways in ins:
            if ways & set(r.from_ways):
                pairs.update((e_in, e_out) for e_out, _ in outs if (e_out not in named) == r.only)
    return sorted(pairs)
