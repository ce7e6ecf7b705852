"""Benchmark: move-up on the demo fleet, as a dispatcher asks for it and in-process against a from-scratch peer.

**API** (``GET /api/v1/moveup?unit_type=…``, what a dispatcher sees): per type and round, this checkout and
``--peer`` (another checkout, e.g. the main branch exported, for the figures before) served alternately the
same way, gunicorn with the project's configuration, one worker, four threads, on ``--port``:

- *boot*: from starting gunicorn until ``/readyz`` answers (a worker warms up before it takes requests);
- *cold*: the worker's first question, asked after a unit of the type moved (AVL: the proposal the worker may
  have prepared no longer holds);
- *warm, same*: asked again while nothing moved (a cached answer);
- *warm, moved*: asked after another move of that unit (each time a new position: the proposal computed).

The moved unit goes back where it was at the end. **In-process** (``--parts model``):

- *departure cost* of every unit of a type (:func:`geo112.planning.moveup.departure_costs`: the units'
  maintained rows against the per-node cover counts) against the naive way: the coverage summary recomputed
  without each unit in turn (:func:`geo112.planning.coverage.model.summarize`), from the same rows.
- *relocation proposal* (:func:`geo112.planning.moveup.relocations`, greedy over the regency's stations):
  cold (the stations' rows searched), warm (their rows cached, the proposal not), and the naive way: for
  every move, coverage recomputed from scratch for every (available unit, station) pair.

Per type, ``--rounds`` rounds; medians, wall ms (in-process also CPU ms of this process). Targets: departure
costs ≤ 20 ms, a proposal ≤ 500 ms, cold in a new worker included. Needs a database after ``geo112 data load``
(``GEO112_DATABASE_URL``); the API part adds the user ``bench-dispatcher`` to it.

    python benchmarks/bench_moveup.py [--rounds 3] [--types ambulance,fire_truck,police_patrol]
        [--parts api,model] [--peer /tmp/main-export] [--port 5620]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.load_test import server_timing
from benchmarks.timing import timed
from geo112.accounts.users import ensure_user
from geo112.config import Settings, get_settings
from geo112.network import RoutedFleet, network_for
from geo112.planning import moveup
from geo112.planning.coverage import model as coverage
from geo112.planning.coverage import service
from geo112.store.db import session_factory
from geo112.store.geometry import lon_lat_of
from geo112.store.models import Unit
from tests.reliability.harness import PASSWORD, REPO, login, serve_process

BENCH_USER = "bench-dispatcher"
#: Each move shifts the unit this far east (degrees, ~55 m): a new position, a new coverage fingerprint.
STEP_DEG = 0.0005
WARM_ASKS = 3
KINDS = ("boot", "cold", "same", "moved")
#: ``wall`` and ``cpu`` ms per kind of question (:data:`KINDS`) of one served worker.
Served = dict[str, dict[str, list[float]]]


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
    rows = coverage.dense_times(service.source_times(fleet, cov.sources, "live", np.inf))[cov.sources.available]
    fast = _medians(lambda: moveup.departure_costs(session, fleet, ids), rounds)
    naive = _medians(lambda: _naive_costs(rows, minutes * 60, need), rounds)
    print(f"{code} ({len(ids)} units, T {minutes:g} min) departure costs: {fast[0]:.1f} ms wall, "
          f"{fast[1]:.1f} ms CPU; from scratch {naive[0]:.1f} ms ({naive[0] / fast[0]:.1f}x)")  # fmt: skip

    def forget(stations: bool) -> Callable[[], None]:
        return lambda: (moveup._proposals.clear(), stations and service._station_reach.clear())

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


def serve_once(settings: Settings, checkout: Path, code: str, port: int) -> Served:
    """Serve ``checkout`` in a new gunicorn; its boot and the move-up questions of one type (module doc), wall ms
    and the app's CPU ms (``Server-Timing``) of each."""
    with session_factory(settings.database_url).begin() as session:
        unit = session.scalars(select(Unit).where(Unit.unit_type_code == code, Unit.status == "available",
                                                  Unit.geom.is_not(None)).order_by(Unit.id)).first()  # fmt: skip
        if unit is None:
            raise SystemExit(f"no available positioned {code}")
        unit_id, (lon, lat) = unit.id, lon_lat_of(unit.geom)
    wall: dict[str, list[float]] = {kind: [] for kind in KINDS}
    cpu: dict[str, list[float]] = {kind: [] for kind in KINDS}
    started = time.perf_counter()
    env = {"PYTHONPATH": str(checkout), "GEO112_DATA_DIR": str(settings.data_dir), "GEO112_SERVER_TIMING": "1"}
    served = serve_process(settings.database_url, settings.cache_dir, 1, 4, env=env, checkout=checkout, port=port)
    with served as (base, _):
        wall["boot"].append((time.perf_counter() - started) * 1000)
        dispatcher = login(base, BENCH_USER, PASSWORD)

        def ask(kind: str) -> None:
            asked = time.perf_counter()
            answer = dispatcher.get(f"{base}/api/v1/moveup?unit_type={code}", timeout=120)
            answer.raise_for_status()
            wall[kind].append((time.perf_counter() - asked) * 1000)
            cpu[kind].append(server_timing(answer.headers.get("Server-Timing"))[0] or float("nan"))

        def move(step: int) -> None:
            position = {"lon": lon + step * STEP_DEG, "lat": lat}
            dispatcher.post(f"{base}/api/v1/units/{unit_id}/position", json=position, timeout=60).raise_for_status()

        try:
            move(1)
            ask("cold")
            for _ in range(WARM_ASKS):
                ask("same")
            for step in range(2, 2 + WARM_ASKS):
                move(step)
                ask("moved")
        finally:
            move(0)
    return {"wall": wall, "cpu": cpu}


def _median(served: list[Served], measure: str, kind: str) -> float:
    """Median over the served workers of each one's median ``measure`` of a kind of question."""
    return statistics.median(statistics.median(one[measure][kind]) for one in served)


def bench_api(settings: Settings, codes: list[str], rounds: int, peer: Path | None, port: int) -> None:
    """Time the API path per type in new workers of this checkout and the peer's, alternately, and print medians."""
    with session_factory(settings.database_url).begin() as session:
        ensure_user(session, BENCH_USER, PASSWORD, "dispatcher")
    checkouts = {"this": REPO, **({"peer": peer.resolve()} if peer else {})}
    runs: dict[tuple[str, str], list[Served]] = {(c, n): [] for c in codes for n in checkouts}
    for _ in range(rounds):
        for code in codes:
            for name, checkout in checkouts.items():
                runs[code, name].append(serve_once(settings, checkout, code, port))
    print(f"{time.strftime('%Y-%m-%d')}: GET /api/v1/moveup?unit_type=… through gunicorn (1 worker, 4 threads), "
          f"wall ms (the app's CPU ms), medians of {rounds} rounds ({WARM_ASKS} asks each for warm); checkouts: "
          + ", ".join(f"{n} = {c}" for n, c in checkouts.items()))  # fmt: skip
    print("| type | checkout | boot (to ready) | cold (first question) | warm, same | warm, moved |")
    print("|---|---|---:|---:|---:|---:|")
    for (code, name), served in runs.items():
        cells = [f"{_median(served, 'wall', 'boot'):.0f}"]
        cells += [f"{_median(served, 'wall', k):.0f} ({_median(served, 'cpu', k):.0f})" for k in KINDS[1:]]
        print(f"| {code} | {name} | " + " | ".join(cells) + " |")


def main() -> None:
    """Run every asked part and type."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--types", default="ambulance,fire_truck,police_patrol")
    parser.add_argument("--parts", default="api,model", help="api (through gunicorn), model (in-process)")
    parser.add_argument("--peer", type=Path, help="another checkout to serve the same way (the figures before)")
    parser.add_argument("--port", type=int, default=5620, help="the port gunicorn serves on")
    args = parser.parse_args()
    settings, codes, parts = get_settings(), args.types.split(","), args.parts.split(",")
    if "api" in parts:
        bench_api(settings, codes, args.rounds, args.peer, args.port)
    if "model" in parts:
        fleet = RoutedFleet(network_for(settings))
        with session_factory(settings.database_url)() as session:
            fleet.sync(session)
            for code in codes:
                bench_type(session, fleet, code, args.rounds)


if __name__ == "__main__":
    main()
