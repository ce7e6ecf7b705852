"""Move-up: what sending a unit costs its type's coverage, and relocations that win coverage back.

Dispatching the nearest unit can strip a whole area of its only cover. Two questions, both over the
coverage machinery (:mod:`geo112.planning.coverage`), in the live view (available units where they are):

- **departure cost** of each candidate: the population within the threshold whose *only* available unit of
  the type it is (those nodes would be uncovered while it is away). One comparison of the candidates'
  maintained rows with the per-node cover counts, no search.
- **relocations** when a type's covered population drops below a level (or a kecamatan loses all cover):
  greedily, the move of an available unit to one of the type's stations that covers the most people net of
  what its departure uncovers, repeated while a move gains (at most ``max_moves``).

The model functions take arrays (rows of seconds per source and node, dense or sparse, and per-node
population), like the coverage model, and keep who reaches which node sparse, so that a province's graph costs
the units' reach, not units × nodes; the service functions read them from the database and the routed fleet.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sqlalchemy import select
from sqlalchemy.orm import Session

from geo112.config import MOVEUP_LEVEL
from geo112.network import RoutedFleet
from geo112.planning.coverage import model as coverage
from geo112.planning.coverage import service
from geo112.planning.coverage.cache import Lru
from geo112.planning.thresholds import first_minutes
from geo112.region import current_region
from geo112.store.models import STATION_NOT_BUILT, Station, Unit

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
#: Threshold of a type without a configured one (minutes).
DEFAULT_MINUTES = 10.0
MAX_MOVES = 3
#: Sources × nodes weighed in one product by :func:`moves_of`: each source holds ~22 bytes a node meanwhile, so
#: a regency's sources go at once and a province's (a million nodes) two at a time.
WEIGHED_NODES = 1 << 21

_proposals: Lru[dict[str, Any]] = Lru(32)

#: Covering sources within the threshold of each node.
Counts = npt.NDArray[np.integer[Any]]
#: Who reaches a node within the threshold, sources (or sites) x nodes: sparse, a few nodes each of a
#: province's million (a caller's dense one is converted: :func:`geo112.planning.coverage.model.relation`).
Relation = sp.csr_array
#: Given ``within``, the per-node ``counts`` of covering sources and the ``free`` ones: the best move, or None.
Chooser = Callable[[Relation, Counts, BoolArray], "Move | None"]


# --- model: arrays in ----------------------------------------------------------------------------------


def node_population(demand: coverage.Demand) -> FloatArray:
    """Each node's share of its desa's population (by node weight); 0 outside every desa."""
    inside = demand.node_desa >= 0
    desa = demand.node_desa[inside]
    total = np.bincount(desa, weights=demand.node_weight[inside], minlength=demand.n_desa)
    people = np.zeros(demand.node_desa.size)
    with np.errstate(invalid="ignore", divide="ignore"):
        people[inside] = np.nan_to_num(demand.desa_population[desa] * demand.node_weight[inside] / total[desa])
    return people


def departure_loss(times: coverage.Times, counts: Counts, threshold_s: float, people: FloatArray) -> FloatArray:
    """Population each source alone covers: within ``threshold_s`` of it and of no other counted source.

    Parameters
    ----------
    times
        Seconds from each candidate (counted among ``counts``) to each node, shape ``(k, n)``, dense or sparse
        (:func:`geo112.planning.coverage.model.reach_matrix`).
    counts
        Available sources within the threshold, per node.
    threshold_s
        The threshold.
    people
        Population per node (:func:`node_population`).

    Returns
    -------
    numpy.ndarray
        Persons per candidate.
    """
    alone = np.where(np.asarray(counts) == 1, np.asarray(people, dtype=float), 0.0)
    return np.asarray(coverage.within_threshold(times, threshold_s) @ alone, dtype=float)


@dataclass(frozen=True)
class Move:
    """One relocation: source ``unit`` (row) to ``site`` (row), the people it covers anew and uncovers."""

    unit: int
    site: int
    gained: float
    lost: float

    @property
    def net(self) -> float:
        """People covered after the move minus before."""
        return self.gained - self.lost


def greedy_moves(
    unit_times: coverage.Times,
    movable: BoolArray,
    covering: BoolArray,
    site_times: coverage.Times | BoolArray,
    threshold_s: float,
    people: FloatArray,
    max_moves: int = MAX_MOVES,
) -> list[Move]:
    """Greedy relocations of movable units to sites, each the best net gain, while a move gains.

    Parameters
    ----------
    unit_times
        Seconds from each source to each node, ``(u, n)``, dense or sparse
        (:func:`geo112.planning.coverage.model.reach_matrix`).
    movable
        Sources that may be moved (available units), ``(u,)``.
    covering
        Sources that cover now (available), ``(u,)``.
    site_times
        Seconds from each site (station) to each node, ``(k, n)``; or, bool (dense or sparse), whether each site
        reaches each node within the threshold (what a worker keeps of the sites).
    threshold_s
        The threshold.
    people
        Population per node.
    max_moves
        Most moves proposed.

    Returns
    -------
    list of Move
        In the order they should be made; each unit moves at most once.
    """
    if site_times.dtype == bool:
        sites = coverage.relation(cast("BoolArray | sp.csr_array", site_times))
    else:
        sites = coverage.within_threshold(cast("coverage.Times", site_times), threshold_s)
    within = coverage.within_threshold(unit_times, threshold_s, covering)
    people = np.asarray(people, dtype=float)
    # Rounding of the batched sums is far below this (persons); candidates within it are weighed exactly.
    tie = 1e-6 * max(float(people.sum()), 1.0)

    def batched(within: Relation, counts: Counts, free: BoolArray) -> Move | None:
        return _best_move(within, counts, sites, people, free, tie)

    return moves_by(batched, within, sites, np.asarray(movable, dtype=bool), max_moves)


def _row(relation: Relation, i: int) -> BoolArray:
    """Row ``i`` of a relation, dense (a flag per node)."""
    row = np.zeros(relation.shape[1], dtype=bool)
    row[_row_nodes(relation, i)] = True
    return row


def _row_nodes(relation: Relation, i: int) -> npt.NDArray[np.int32]:
    """The nodes of row ``i`` of a relation."""
    nodes: npt.NDArray[np.int32] = relation.indices[relation.indptr[i] : relation.indptr[i + 1]]
    return nodes


def _replace_row(relation: Relation, i: int, nodes: npt.NDArray[np.int32]) -> Relation:
    """The relation with row ``i`` reaching ``nodes`` instead.

    Why: after each move (at most a few per proposal, but one proposal per dispatch in a simulated year),
    splicing the arrays costs a fraction of stacking and re-indexing the sparse matrix.
    """
    start, end = int(relation.indptr[i]), int(relation.indptr[i + 1])
    indices = np.concatenate([relation.indices[:start], nodes, relation.indices[end:]])
    indptr = relation.indptr.copy()
    indptr[i + 1 :] += len(nodes) - (end - start)
    return sp.csr_array((np.ones(len(indices), dtype=bool), indices, indptr), shape=relation.shape)


def moves_by(
    choose: Chooser, within: Relation | BoolArray, sites: Relation | BoolArray, movable: BoolArray, max_moves: int
) -> list[Move]:
    """The greedy steps: ``choose`` the best move of the free sources and make it, while it gains more than half
    a person (``within``, sources × nodes, and ``sites``, sites × nodes: who reaches a node within the
    threshold)."""
    within, sites = coverage.relation(within), coverage.relation(sites)
    counts = coverage.relation_counts(within)
    moves: list[Move] = []
    free = movable.copy()
    for _ in range(max_moves):
        best = choose(within, counts, free)
        if best is None or best.net <= 0.5:  # less than a person: no move worth a drive
            break
        moves.append(best)
        counts = counts - _row(within, best.unit) + _row(sites, best.site)
        within = _replace_row(within, best.unit, _row_nodes(sites, best.site))  # the unit's row becomes the site's
        free[best.unit] = False
    return moves


def moves_of(units: list[int], within: Relation, counts: Counts, sites: Relation, people: FloatArray) -> list[Move]:
    """The best move of each of these sources: to the site that covers the most people left bare, exactly.

    ``within`` (sources × nodes) and ``sites`` (sites × nodes) say who reaches a node within the threshold,
    ``counts`` how many covering sources reach each node. The sources are weighed together (one product with
    the sites for as many as :data:`WEIGHED_NODES` allows), each with the same sums as alone, to the last bit.
    """
    step = max(1, WEIGHED_NODES // max(within.shape[1], 1))
    return [
        m for at in range(0, len(units), step) for m in _weighed(units[at : at + step], within, counts, sites, people)
    ]


def _weighed(units: list[int], within: Relation, counts: Counts, sites: Relation, people: FloatArray) -> list[Move]:
    """:func:`moves_of` for sources weighed in one product."""
    if not units:
        return []
    mine = np.stack([_row(within, unit) for unit in units])
    bare = (counts - mine) == 0  # per source, uncovered once it leaves
    lost = [float(people[m & b].sum()) for m, b in zip(mine, bare, strict=True)]
    gains = np.asarray(sites @ np.where(bare, people, 0.0).T)  # sites × sources
    best = np.argmax(gains, axis=0)
    return [Move(int(u), int(s), float(gains[s, i]), lost[i]) for i, (u, s) in enumerate(zip(units, best, strict=True))]


def _entry_rows(relation: Relation) -> npt.NDArray[np.intp]:
    """The row of each stored entry of a relation."""
    return np.repeat(np.arange(relation.shape[0]), np.diff(relation.indptr))


def _best_move(
    within: Relation, counts: Counts, sites: Relation, people: FloatArray, free: BoolArray, tie: float
) -> Move | None:
    """The move of greatest net gain among the free sources (the first such source), or None when none gains
    more than half a person.

    Every free source's best net at once, up to rounding: a site gains the people nobody covers within its
    reach, and those a source alone covers when that source is the one to move; a source loses those it alone
    covers. Each node covered once has one owner, so both are sums over the sites' and sources' entries. Then
    only the sources within ``tie`` of the best are weighed exactly (:func:`moves_of`), in order, so the move is
    the one weighing every source exactly would choose.
    """
    rows = np.flatnonzero(free)
    if rows.size == 0:
        return None
    n_sources, n_sites = within.shape[0], sites.shape[0]
    alone = np.where(counts == 1, people, 0.0)
    owner = np.full(within.shape[1], -1)  # the one source of each node covered once
    only = counts[within.indices] == 1
    owner[within.indices[only]] = _entry_rows(within)[only]
    reached_owner = owner[sites.indices]
    hit = reached_owner >= 0
    taken = np.bincount(reached_owner[hit] * n_sites + _entry_rows(sites)[hit], weights=alone[sites.indices[hit]],
                        minlength=n_sources * n_sites).reshape(n_sources, n_sites)  # fmt: skip
    owned = owner >= 0
    lost = np.bincount(owner[owned], weights=alone[owned], minlength=n_sources)
    gains = np.asarray(sites @ np.where(counts == 0, people, 0.0))[None, :] + taken[rows]
    net = gains.max(axis=1) - lost[rows]  # (free sources,)
    top = float(net.max())
    if top < 0.5 - tie:
        return None
    tied = rows[net >= top - tie]
    # A source's move depends on the people only it covers, and no two cover the same node alone: the sources
    # that cover nobody alone (no node, or nodes without people) all move with the same figures, and the first
    # of them stands for the others.
    owns = np.bincount(owner[owned], weights=people[owned] > 0, minlength=n_sources)[tied] > 0
    weighed = np.sort(np.concatenate([tied[owns], tied[~owns][:1]])).tolist()
    # the first of the greatest, as weighing them one by one in order keeps it
    return max(moves_of(weighed, within, counts, sites, people), key=lambda m: m.net, default=None)


# --- service: from the database and the routed fleet ---------------------------------------------------


def fielded_types(session: Session) -> list[str]:
    """The unit types that have units, by code."""
    return list(session.scalars(select(Unit.unit_type_code).distinct().order_by(Unit.unit_type_code)))


def _minutes(session: Session, code: str, minutes: float | None) -> float:
    return minutes if minutes is not None else first_minutes(session).get(code, DEFAULT_MINUTES)


def departure_costs(session: Session, fleet: RoutedFleet, unit_ids: list[int]) -> list[dict[str, Any]]:
    """The departure cost of each unit (``unit_id``, ``unit_type``, ``minutes``, ``population_lost``)
    at its type's first threshold, live; units without a position cost nothing and say so (None)."""
    rows = session.execute(select(Unit.id, Unit.unit_type_code, Unit.geom.is_not(None)).where(Unit.id.in_(unit_ids)))
    by_type: dict[str, list[int]] = {}
    costs: list[dict[str, Any]] = []
    for unit_id, code, placed in rows:
        if placed:
            by_type.setdefault(code, []).append(unit_id)
        else:
            costs.append({"unit_id": unit_id, "unit_type": code, "minutes": None, "population_lost": None})
    for code, ids in by_type.items():
        minutes = _minutes(session, code, None)
        cov = service.coverage_of(session, fleet, code, minutes, "live")
        people = node_population(service.demand(session, cov.index))
        lost = departure_loss(fleet.unit_reach(ids, minutes * 60.0), cov.summary.counts, minutes * 60.0, people)
        costs += [{"unit_id": u, "unit_type": code, "minutes": minutes, "population_lost": round(float(p))}
                  for u, p in zip(ids, lost, strict=True)]  # fmt: skip
    return sorted(costs, key=lambda c: c["unit_id"])


def _sites(session: Session) -> list[Any]:
    """Where a relocated unit can wait: any station of the regency that exists (a puskesmas, a polsek, a Damkar
    post...), so that a unit can stand by where its type has no base of its own."""
    query = select(Station.id, Station.name, Station.geom.ST_X(), Station.geom.ST_Y())
    # Not in an enclave (Kota Mojokerto), which has its own 112.
    ours = Station.kecamatan_code.startswith(f"{current_region().code}.")
    return list(session.execute(query.where(Station.status != STATION_NOT_BUILT, ours).order_by(Station.id)))


def relocations(
    session: Session,
    fleet: RoutedFleet,
    code: str,
    minutes: float | None = None,
    level: float = MOVEUP_LEVEL,
    max_moves: int = MAX_MOVES,
) -> dict[str, Any]:
    """Coverage of a type now and, when it is below ``level`` or a kecamatan has no cover, the relocations
    that win the most back (cached per coverage fingerprint: asking again while nothing moved is free).

    Returns
    -------
    dict
        ``unit_type``, ``minutes``, ``level``, ``covered_share`` (now), ``kecamatan_without_cover``,
        ``below_level``, ``moves`` (``unit_id``, ``call_sign``, ``station_id``, ``station``,
        ``population_gained``, ``population_lost``, ``net``) and ``covered_share_after``.
    """
    minutes = _minutes(session, code, minutes)
    cov = service.coverage_of(session, fleet, code, minutes, "live")
    return _proposals.get((cov.key, level, max_moves), lambda: _propose(session, fleet, cov, level, max_moves))


def relocations_after(
    session: Session, fleet: RoutedFleet, code: str, unit_id: int, level: float = MOVEUP_LEVEL
) -> dict[str, Any]:
    """:func:`relocations` as they would be once ``unit_id`` (of type ``code``) has been sent: the move-up that
    follows a dispatch, which the simulator's ``closest+moveup`` policy makes after each one."""
    minutes = _minutes(session, code, None)
    src = service.sources(session, code, "live")
    fleet.sync(session)  # the maintained rows must match the positions just read
    gone = dataclasses.replace(src, available=src.available & (src.unit_id != unit_id))
    cov = service.evaluate(session, fleet, gone, minutes, "live", service.busy_of(session, code))
    return _proposals.get((cov.key, level, MAX_MOVES), lambda: _propose(session, fleet, cov, level, MAX_MOVES))


def _propose(
    session: Session, fleet: RoutedFleet, cov: service.Coverage, level: float, max_moves: int
) -> dict[str, Any]:
    people = node_population(service.demand(session, cov.index))
    total = float(people.sum()) or 1.0
    threshold_s = cov.minutes * 60.0
    covered = float(people[cov.summary.counts >= 1].sum())
    bare = [r["name"] for r in service.kecamatan_rows(cov) if r["population"] and not r["covered_population"]]
    below = covered / total < level or bool(bare)
    moves: list[Move] = []
    src, sites = cov.sources, _sites(session)
    if below and sites and len(src):
        real = src.unit_id >= 0
        unit_times = service.source_times(fleet, src, "live", threshold_s)
        reach = service.reach_within(fleet.network, np.array([s[2] for s in sites]), np.array([s[3] for s in sites]),
                                     src.factor, threshold_s)  # fmt: skip
        moves = greedy_moves(unit_times, src.available & real, src.available, reach, threshold_s, people,
                             max_moves)  # fmt: skip
    signs = dict(session.execute(select(Unit.id, Unit.call_sign).where(Unit.id.in_(src.unit_id.tolist()))).all())
    return {
        "unit_type": cov.unit_type,
        "minutes": cov.minutes,
        "level": level,
        "covered_share": covered / total,
        "kecamatan_without_cover": bare,
        "below_level": below,
        "moves": [
            {
                "unit_id": int(src.unit_id[m.unit]),
                "call_sign": signs.get(int(src.unit_id[m.unit])),
                "station_id": sites[m.site][0],
                "station": sites[m.site][1],
                "population_gained": round(m.gained),
                "population_lost": round(m.lost),
                "net": round(m.net),
            }
            for m in moves
        ],
        "covered_share_after": (covered + sum(m.net for m in moves)) / total,
    }
