"""Benchmark: a unit table's ranking, a unit's move and its rows' memory, this checkout against a peer in one run.

```
.venv/bin/python benchmarks/bench_ranking.py [--peer CHECKOUT] [--units 240] [--rankings 1000] [--rounds 3]
```

On the manifest's road network, ``--units`` units of four types at random road nodes (seed 112) in a
``routing.UnitTable`` with its default rows (whole rows before issue 33's bounded ones, so a checkout from before
them compares as it was); then, with ``time.process_time`` (CPU of this process, native threads limited to
one): ``--rankings`` rankings of one type for incidents a few roads off random units, and 40 moves of a unit.
Each round runs this checkout and ``--peer`` (e.g. ``git worktree add /tmp/dense 9203b9a``, the dense rows)
in processes of their own, alternating: the peer's ``routing`` with this script. Prints medians over the rounds,
the peer's as ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

TYPES = {"ambulance": 1.25, "fire_truck": 0.85, "police_patrol": 1.1, "rescue": 1.0}
REPO = Path(__file__).resolve().parents[1]


def measure(units: int, rankings: int) -> dict[str, float]:
    """Fill a table and time its rankings and moves (in the process whose ``routing`` is on the path)."""
    import routing
    from geo112.config import get_settings  # importing geo112 limits native threads to one, as in the app

    settings = get_settings()
    engine = routing.load_engine(settings.osm_path, settings.cache_dir)
    g, rng = engine.graph, np.random.default_rng(112)
    nodes = rng.choice(g.n_nodes, units, replace=False)
    types = rng.choice(list(TYPES), units).tolist()
    table = routing.UnitTable(engine)
    table.upsert_many(list(range(units)), g.node_lon[nodes], g.node_lat[nodes], types, True,
                      [TYPES[t] for t in types])  # fmt: skip
    near = nodes[rng.integers(0, units, rankings)]
    offsets = rng.normal(0, 0.002, (rankings, 2))
    started = time.process_time()
    for (dx, dy), n in zip(offsets, near):
        table.nearest(g.node_lon[n] + dx, g.node_lat[n] + dy, ["ambulance"])
    rank_ms = (time.process_time() - started) * 1000 / rankings
    moves = rng.choice(g.n_nodes, 40)
    started = time.process_time()
    for n in moves:
        table.upsert(3, g.node_lon[n], g.node_lat[n], types[3], speed_factor=TYPES[types[3]])
    move_ms = (time.process_time() - started) * 1000 / len(moves)
    return {"rank_ms": rank_ms, "move_ms": move_ms, "rows_mb": table.nbytes / 2**20}


def _run(checkout: Path, args: argparse.Namespace) -> dict[str, float]:
    """One measurement in a process of its own, with ``checkout``'s ``routing`` (and ``geo112``) first."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(checkout), str(REPO)])}
    out = subprocess.run(
        [sys.executable, __file__, "--child", "--units", str(args.units), "--rankings", str(args.rankings)],
        env=env, check=True, capture_output=True, text=True, cwd=checkout,
    )  # fmt: skip
    return dict(json.loads(out.stdout.splitlines()[-1]))


def main() -> None:
    """Alternate the checkouts over the rounds and print the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", type=Path)
    parser.add_argument("--units", type=int, default=240)
    parser.add_argument("--rankings", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.units, args.rankings)))
        return
    checkouts = {"this": REPO, **({"peer": args.peer.resolve()} if args.peer else {})}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in checkouts}
    for _ in range(args.rounds):
        for name, checkout in checkouts.items():
            runs[name].append(_run(checkout, args))
    print(
        f"{time.strftime('%Y-%m-%d')}: {args.units} units, {args.rankings} rankings of the ambulances, 40 moves; "
        f"CPU, medians of {args.rounds} alternating rounds; " + ", ".join(f"{n} = {c}" for n, c in checkouts.items())
    )
    print("| checkout | ranking ms | move ms | rows MB |")
    print("|---|---:|---:|---:|")
    medians = {n: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for n, rs in runs.items()}
    for name, m in medians.items():
        print(f"| {name} | {m['rank_ms']:.3f} | {m['move_ms']:.2f} | {m['rows_mb']:.1f} |")
    if "peer" in medians:
        ratio = {k: medians["this"][k] / medians["peer"][k] for k in medians["this"]}
        print("this / peer: " + ", ".join(f"{k.split('_')[0]} {r:.2f}x" for k, r in ratio.items()))


if __name__ == "__main__":
    main()
