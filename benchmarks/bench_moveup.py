"""Benchmark: move-up on the demo fleet, against recomputing coverage from scratch in the same run.

- *departure cost* of every unit of a type (:func:`geo112.planning.moveup.departure_costs`: the units'
  maintained rows against the per-node cover counts) against the naive way: the coverage summary recomputed
  without each unit in turn (:func:`geo112.planning.coverage.model.summarize`), from the same rows.
- *relocation proposal* (:func:`geo112.planning.moveup.relocations`, greedy over the regency's stations):
  cold (the stations' rows searched), warm (their rows cached, the proposal not), and the naive way: for
  every move, coverage recomputed from scratch for every (available unit, station) pair.

Per type, ``--rounds`` rounds; medians, wall and CPU ms of this process. Targets: departure costs ≤ 20 ms,
a proposal ≤ 500 ms. Needs a database after ``geo112 data load`` (``GEO112_DATABASE_URL``).

    python benchmarks/bench_moveup.py [--rounds 5] [--types ambulance,fire_truck,police_patrol]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import timed
from geo112.config import get_settings
from geo112.network import RoutedFleet, network_for
from geo112.planning import moveup
from geo112.planning.coverage import model as coverage
from geo112.planning.coverage import service
from geo112.store.db import session_factory
from geo112.store.models import Unit


def _medians(
    call: Callable[[], object], rounds: int, before: Callable[[], object] | None = None
) -> tuple[float, float]:
    """Median wall and CPU ms of ``call`` over the rounds (``before`` runs untimed ahead of each)."""
    walls, cpus = timed([call] * rounds, before)
    return statistics.median(walls), statistics.median(cpus)


def _naive_costs(rows: np.ndarray, threshold_s: float, need: coverage.Demand) -> list[float]:
    full = coverage.summarize(rows, threshold_s, need).population_covered().sum()
    keep = np.ones(len(rows), dtype=bool)
    lost = []
    for u in range(len(rows)):
        keep[u] = False
        lost.append(full - coverage.summarize(rows[keep], threshold_s, need).population_covered().sum())
        keep[u] = True
    return lost


def _naive_moves(rows: np.ndarray, sites: np.ndarray, threshold_s: float, need: coverage.Demand, moves: int) -> None:
    """The same greedy search, every candidate move evaluated by a coverage summary from scratch."""
    current = rows.copy()
    for _ in range(moves):
        before = coverage.summarize(current, threshold_s, need).population_covered().sum()
        best = (0.0, -1, -1)
        for u in range(len(current)):
            for s in range(len(sites)):
                trial = current.copy()
                trial[u] = sites[s]
                gain = coverage.summarize(trial, threshold_s, need).population_covered().sum() - before
                best = max(best, (gain, u, s))
        if best[1] < 0:
            return
        current[best[1]] = sites[best[2]]


def bench_type(session: Session, fleet: RoutedFleet, code: str, rounds: int) -> None:
    """Time both questions for one unit type, fast and from scratch, and print them with their ratios."""
    ids = list(session.scalars(select(Unit.id).where(Unit.unit_type_code == code, Unit.geom.is_not(None))))
    minutes = moveup._minutes(session, code, None)
    cov = service.coverage_of(session, fleet, code, minutes, "live")
    need = service.demand(session, cov.index)
    rows = service.source_times(fleet, cov.sources, "live")[cov.sources.available]
    fast = _medians(lambda: moveup.departure_costs(session, fleet, ids), rounds)
    naive = _medians(lambda: _naive_costs(rows, minutes * 60, need), rounds)
    print(f"{code} ({len(ids)} units, T {minutes:g} min) departure costs: {fast[0]:.1f} ms wall, "
          f"{fast[1]:.1f} ms CPU; from scratch {naive[0]:.1f} ms ({naive[0] / fast[0]:.1f}x)")  # fmt: skip

    def forget(stations: bool) -> Callable[[], None]:
        return lambda: (moveup._proposals.clear(), stations and service._station_times.clear())

    def propose() -> dict[str, Any]:
        return moveup.relocations(session, fleet, code, level=1.0)

    cold, warm = _medians(propose, rounds, forget(True)), _medians(propose, rounds, forget(False))
    proposal, sites = propose(), moveup._sites(session)
    site_rows = service.times_from(fleet.network, np.array([s[2] for s in sites]), np.array([s[3] for s in sites]),
                                   cov.sources.factor)  # fmt: skip
    moves = max(1, len(proposal["moves"]))
    scratch = _medians(lambda: _naive_moves(rows, site_rows, minutes * 60, need, moves), 1)
    print(f"{' ' * len(code)} relocation proposal ({len(proposal['moves'])} moves, {len(sites)} stations, "
          f"{proposal['covered_share']:.1%} -> {proposal['covered_share_after']:.1%}): cold {cold[0]:.0f} ms "
          f"(CPU {cold[1]:.0f}), warm {warm[0]:.0f} ms (CPU {warm[1]:.0f}); "
          f"from scratch {scratch[0]:.0f} ms ({scratch[0] / warm[0]:.0f}x warm)")  # fmt: skip


def main() -> None:
    """Run every asked type."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--types", default="ambulance,fire_truck,police_patrol")
    args = parser.parse_args()
    settings = get_settings()
    fleet = RoutedFleet(network_for(settings))
    with session_factory(settings.database_url)() as session:
        fleet.sync(session)
        for code in args.types.split(","):
            bench_type(session, fleet, code, args.rounds)


if __name__ == "__main__":
    main()
