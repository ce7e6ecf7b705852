"""Unit rows bounded in time against whole rows, in the same run: a move, a ranking, a route, memory.

```
.venv/bin/python -m benchmarks.bench_unit_rows [--osm FILE] [--units 240] [--peer-units 240]
                                               [--limits 3600] [--rounds 3]
```

On the manifest's network (Mojokerto) or another OSM extract (e.g. ``python -m benchmarks.tiled_osm``'s
36×-tiled one), ``--units`` units of four types at random road nodes get rows bounded at each of ``--limits``
seconds (``GEO112_UNIT_ROW_LIMIT_S``) and ``--peer-units`` of them whole rows (the design before; on a large
graph a few, since each whole row holds every node; in the sparse layout, with the dense layout's size beside it).
Measured with ``time.process_time`` (CPU, this process;
native threads limited to one), medians over ``--rounds`` interleaved rounds: moving one unit (its row's
search), ranking the units of one type for an incident from the rows alone and with the hierarchy for units
beyond the bound, a unit's route with geometry, and the rows' memory (per unit and for all).
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

import routing
from benchmarks.timing import timed
from geo112.config import get_settings  # importing geo112 limits native threads to one, as in the app

TYPES = {"ambulance": 1.25, "fire_truck": 0.85, "police_patrol": 1.1, "rescue": 1.0}


def cpu_ms(fn: Callable[[], Any], repeat: int) -> float:
    """Median CPU milliseconds of ``fn`` (this process)."""
    return statistics.median(timed([fn] * repeat)[1])


def measure(engine: routing.Engine, limit_s: float, units: int, rng: np.random.Generator) -> dict[str, float]:
    """Fill a table of ``units`` units with rows bounded at ``limit_s`` and time its operations."""
    g = engine.graph
    nodes = rng.choice(g.n_nodes, units, replace=False)
    types = rng.choice(list(TYPES), units).tolist()
    factors = [TYPES[t] for t in types]
    table = routing.UnitTable(engine, limit_s)
    ids = list(range(units))
    start = time.process_time()
    table.upsert_many(ids, g.node_lon[nodes], g.node_lat[nodes], types, True, factors)
    fill_s = time.process_time() - start
    moved = iter(rng.choice(g.n_nodes, 100))

    def move() -> None:
        n = next(moved)
        table.upsert(3, g.node_lon[n], g.node_lat[n], types[3], speed_factor=factors[3])

    # incidents near the units, as a dispatcher's are: each at a unit's own node, a few roads off
    incidents = iter(nodes[rng.integers(0, units, 400)])

    def rank(beyond: int | None) -> Callable[[], Any]:
        def ask() -> None:
            n = next(incidents)
            table.nearest(g.node_lon[n] + 3e-4, g.node_lat[n], ["ambulance"], None, beyond)

        return ask

    targets = iter(rng.choice(g.n_nodes, 100))
    near = iter(nodes[rng.integers(0, units, 100)])
    return {
        "fill_cpu_s": fill_s,
        "move_cpu_ms": cpu_ms(move, 15),
        "rank_rows_cpu_ms": cpu_ms(rank(0), 150),
        "rank_all_cpu_ms": cpu_ms(rank(None), 15),
        "route_near_cpu_ms": cpu_ms(lambda: table.route(5, g.node_lon[next(near)] + 3e-4, g.node_lat[next(near)]), 30),
        "route_far_cpu_ms": cpu_ms(lambda: table.route(5, g.node_lon[next(targets)], g.node_lat[next(targets)]), 15),
        "row_mb_per_unit": table.reached * 16 / units / 1e6,
        # the layout before: three dense float32/int32 arrays over every search node
        "dense_row_mb_per_unit": engine.search.n_nodes * 12 / 1e6,
        "rows_mb": table.nbytes / 1e6,
        "nodes_per_row": table.reached / units,
    }


def main() -> None:
    """Measure and print a table per network."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, help="an OSM extract (default the region pack's)")
    parser.add_argument("--units", type=int, default=240)
    parser.add_argument("--peer-units", type=int, default=240, help="units with whole rows (the design before)")
    parser.add_argument("--limits", default="3600", help="bounds to measure, seconds, comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--cache-dir", type=Path, default=get_settings().cache_dir)
    args = parser.parse_args()
    osm = args.osm or get_settings().osm_path
    engine = routing.load_engine(osm, args.cache_dir)
    engine.hierarchy  # noqa: B018 - built or loaded before anything is timed
    runs: dict[str, list[dict[str, float]]] = {}
    designs = [(f"bounded {float(s):g} s, {args.units} units", float(s), args.units) for s in args.limits.split(",")]
    designs.append((f"whole rows, {args.peer_units} units", math.inf, args.peer_units))
    for r in range(args.rounds):  # interleaved, so that each design sees the machine's load alike
        for name, limit, units in designs if r % 2 == 0 else designs[::-1]:
            runs.setdefault(name, []).append(measure(engine, limit, units, np.random.default_rng(112 + r)))
    print(f"{time.strftime('%Y-%m-%d')}: {osm.name}, {engine.graph.n_nodes:,} nodes; CPU ms, medians of "
          f"{args.rounds} rounds")  # fmt: skip
    keys = list(next(iter(runs.values()))[0])
    print("| design | " + " | ".join(keys) + " |")
    print("|---|" + "---:|" * len(keys))
    for name, figures in runs.items():
        print(f"| {name} | " + " | ".join(f"{statistics.median(f[k] for f in figures):.3g}" for k in keys) + " |")


if __name__ == "__main__":
    main()
