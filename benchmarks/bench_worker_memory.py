"""Resident memory of a gunicorn worker as a dispatcher uses it, step by step, against a peer checkout.

``python -m benchmarks.bench_worker_memory [--peer /work/main] [--rounds 2]``

Serves the app under gunicorn with the project's configuration (one worker, four threads) on a database of its
own (the test database's name + ``_memory``: geography, demo fleet, users) and reads the worker's RSS and PSS
(``/proc/<pid>/smaps_rollup``) after each step: ready (engine loaded), ``/healthz``, the dispatch API (lists, an
incident, its recommendations, move-up), the console page's map script (Folium), then a planner's charts
(Altair, pandas). ``--peer`` serves another checkout (e.g. the main branch) the same way, alternating rounds,
so both are measured under the same load of the machine. Issue 33's goal: ≤ 200 MB after the dispatch steps.

Each server starts once the units' rows the one before left in Redis have expired
(:data:`geo112.shared_rows.ROW_TTL_S`), so that every worker searches its rows as the first (or only) worker of a
machine does: a worker that copies them from another one's search holds less.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import requests

from geo112.config import get_settings
from geo112.shared_rows import ROW_TTL_S
from tests.reliability.harness import REPO, login, serve_process

Step = tuple[str, Callable[[requests.Session, requests.Session], object]]


def _dispatch(dispatcher: requests.Session, base: str) -> None:
    """The dispatch API a console uses: lists, a new incident, its recommendations."""
    for path in ("/api/v1/units?limit=500", "/api/v1/incidents?limit=50", "/api/v1/console/changes"):
        dispatcher.get(f"{base}{path}", timeout=60).raise_for_status()
    incident = dispatcher.post(
        f"{base}/api/v1/incidents", json={"category": "medis", "lon": 112.52, "lat": -7.55}, timeout=60
    )
    incident.raise_for_status()
    dispatcher.get(f"{base}/api/v1/incidents/{incident.json()['id']}/recommendations", timeout=60).raise_for_status()


def steps(base: str) -> list[Step]:
    """The steps, in order, each a name and what it asks of the server."""
    return [
        ("ready (engine loaded)", lambda d, p: None),
        ("/healthz", lambda d, p: d.get(f"{base}/healthz", timeout=60).raise_for_status()),
        ("dispatch API", lambda d, p: _dispatch(d, base)),
        ("move-up (coverage)", lambda d, p: d.get(f"{base}/api/v1/moveup", timeout=120).raise_for_status()),
        ("console map script", lambda d, p: d.get(f"{base}/maps/console.js", timeout=60).raise_for_status()),
        ("planner charts", lambda d, p: p.get(f"{base}/api/v1/coverage/charts", timeout=300).raise_for_status()),
    ]


def _memory_mb(pid: int) -> dict[str, float]:
    """A process's resident and proportional set size in MB."""
    lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
    rollup = dict(line.split(":", 1) for line in lines)
    return {k: round(int(rollup[k].split()[0]) / 1024, 1) for k in ("Rss", "Pss")}


def measure(url: str, checkout: Path) -> dict[str, dict[str, float]]:
    """Serve ``checkout`` with one worker and return the worker's memory after each step."""
    from tests.conftest import PASSWORD

    env = {"PYTHONPATH": str(checkout)}
    time.sleep(ROW_TTL_S + 1.0)  # the rows the server before left in Redis are gone: this worker searches its own
    with serve_process(url, get_settings().cache_dir, 1, 4, env=env, checkout=checkout) as (base, server):
        (worker,) = (int(p) for p in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split())
        dispatcher = login(base, "test-dispatcher", PASSWORD)
        planner = login(base, "test-planner", PASSWORD)
        sizes = {}
        for name, ask in steps(base):
            ask(dispatcher, planner)
            sizes[name] = _memory_mb(worker)
    return sizes


def main() -> None:
    """Measure this checkout (and the peer's), alternating, and print the medians."""
    from tests.conftest import loaded_database

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--peer", type=Path, help="another checkout to serve the same way (e.g. /work/main)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    url = loaded_database("memory", get_settings().data_dir)
    checkouts = {"this": REPO, **({"peer": args.peer.resolve()} if args.peer else {})}
    runs: dict[str, list[dict[str, dict[str, float]]]] = defaultdict(list)
    for _ in range(args.rounds):
        for name, checkout in checkouts.items():
            runs[name].append(measure(url, checkout))
    print(f"{time.strftime('%Y-%m-%d')}: one gunicorn worker's memory (MB), medians of {args.rounds} rounds")
    print("| after | " + " | ".join(f"{n} RSS | {n} PSS" for n in checkouts) + " |")
    print("|---|" + "---:|---:|" * len(checkouts))
    for step, _ in steps(""):
        cells = [f"{statistics.median(r[step][k] for r in runs[n]):.0f}" for n in checkouts for k in ("Rss", "Pss")]
        print(f"| {step} | " + " | ".join(cells) + " |")
    print("checkouts: " + ", ".join(f"{n} = {c}" for n, c in checkouts.items()))


if __name__ == "__main__":
    main()
