"""A unit's move in two workers: each searching its own row, against one searching and the other copying it.

```
.venv/bin/python -m benchmarks.bench_shared_rows [--moves 60] [--rounds 3] [--workers 2]
```

Two :class:`geo112.network.RoutedFleet` (two workers' tables, in threads of this process, as a notification
reaches every worker at once) over the region's network, with the demo's unit count at random road nodes,
move one unit at a time to another random node. Measured per move: the CPU of this process (both "workers")
and of the Redis server (``INFO cpu``), medians over interleaved rounds, against the same moves with every
worker searching (no :class:`geo112.shared_rows.SharedRows`) and a single worker alone (the floor).
Redis is the one of ``GEO112_REDIS_URL``; other work on it shows in its CPU.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid

import numpy as np
import redis

from geo112.config import get_settings
from geo112.network import RoutedFleet, UnitPosition, network_for
from geo112.shared_rows import SharedRows

UNITS = 63


def _redis_cpu(client: redis.Redis) -> float:
    info = client.info("cpu")
    return float(info["used_cpu_sys"]) + float(info["used_cpu_user"])


def measure(design: str, workers: int, moves: int, seed: int) -> dict[str, float]:
    """Per move, milliseconds: CPU of the workers and of Redis, and the wall time until every worker has it."""
    settings = get_settings()
    network = network_for(settings)
    fingerprint = (network.fingerprint[0], f"bench-{uuid.uuid4()}")  # nothing found from an earlier run
    n = 1 if design == "one worker" else workers
    fleets = [
        RoutedFleet(network, settings.unit_row_limit_s, shared=SharedRows(settings.redis_url, fingerprint))
        if design == "shared"
        else RoutedFleet(network, settings.unit_row_limit_s)
        for _ in range(n)
    ]
    rng = np.random.default_rng(seed)
    nodes = rng.integers(0, network.n_nodes, UNITS + moves)
    at = lambda k: UnitPosition(float(network.node_lon[k]), float(network.node_lat[k]), "ambulance", 1.25)  # noqa: E731
    current = {u: at(nodes[u]) for u in range(UNITS)}

    def everywhere(positions: dict[int, UnitPosition]) -> None:
        threads = [threading.Thread(target=f.refresh, args=(positions, f.mark())) for f in fleets]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    everywhere(current)
    client = redis.Redis.from_url(settings.redis_url)
    cpu, server, wall = [], [], []
    for m in range(moves):
        moved = {m % UNITS: at(nodes[UNITS + m])}
        before, server_before, started = time.process_time(), _redis_cpu(client), time.perf_counter()
        everywhere(moved)
        wall.append((time.perf_counter() - started) * 1e3)
        cpu.append((time.process_time() - before) * 1e3)
        server.append((_redis_cpu(client) - server_before) * 1e3)
    return {"cpu_ms": statistics.median(cpu), "redis_ms": statistics.median(server), "wall_ms": statistics.median(wall)}


def main() -> None:
    """Measure the three designs, interleaved, and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    designs = ["one worker", "each searches", "shared"]
    runs: dict[str, list[dict[str, float]]] = {d: [] for d in designs}
    for r in range(args.rounds):
        for design in designs if r % 2 == 0 else designs[::-1]:
            runs[design].append(measure(design, args.workers, args.moves, 112 + r))
    print(f"{time.strftime('%Y-%m-%d')}: one unit's move reaching {args.workers} workers, {UNITS} units, "
          f"{args.moves} moves × {args.rounds} rounds, medians (ms)")  # fmt: skip
    print("| design | CPU, workers | CPU, Redis | wall until every worker has it |")
    print("|---|---:|---:|---:|")
    for design, figures in runs.items():
        cells = [statistics.median(f[k] for f in figures) for k in ("cpu_ms", "redis_ms", "wall_ms")]
        name = "one worker alone (floor)" if design == "one worker" else f"{args.workers} workers, {design}"
        print(f"| {name} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")


if __name__ == "__main__":
    main()
