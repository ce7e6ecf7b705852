"""Benchmark: recording calls on the Patroni cluster with synchronous replication against without, in one run.

Starts the three-member cluster of ``scripts/ha.py``, loads the demo data, serves the app with gunicorn and lets
dispatcher threads record incidents for a few seconds per round, switching Patroni's ``synchronous_mode`` on
and off between rounds (sync, async, sync, async, ...), so that both see the same machine. Prints throughput
and p50/p95 per mode (medians over the rounds) and the ratios.

    python benchmarks/bench_ha.py [--rounds 3] [--seconds 8] [--dispatchers 4]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from geo112.config import get_settings  # noqa: E402
from scripts.ha import Cluster, load_demo_database  # noqa: E402
from tests.reliability.harness import PASSWORD, add_dispatchers, login, serve  # noqa: E402

MOJOSARI = (112.5600, -7.5180)


def set_synchronous(cluster: Cluster, on: bool) -> None:
    """Switch Patroni's synchronous mode through the leader's REST API and wait until the primary applied it."""
    leader = cluster.member(cluster.leader() or "pg1")
    body = json.dumps({"synchronous_mode": on, "synchronous_mode_strict": on}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{leader.api_port}/config", data=body, method="PATCH",
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    urllib.request.urlopen(request, timeout=10).read()
    want = "sync_standby" if on else "replica"
    deadline = time.monotonic() + 30
    while not any(m.get("role") == want for m in cluster.cluster_state()) or (
        not on and any(m.get("role") == "sync_standby" for m in cluster.cluster_state())
    ):
        if time.monotonic() > deadline:
            raise TimeoutError(f"synchronous_mode={on} not applied")
        time.sleep(0.2)


def record_round(base: str, clients: list, seconds: float) -> tuple[float, float, float]:
    """Record incidents from every client for ``seconds``; return (calls per second, p50 ms, p95 ms)."""
    latencies: list[float] = []
    stop = threading.Event()

    def loop(client) -> None:
        while not stop.is_set():
            began = time.perf_counter()
            answer = client.post(f"{base}/api/v1/incidents", timeout=30,
                                 json={"category": "medis", "lon": MOJOSARI[0], "lat": MOJOSARI[1]})  # fmt: skip
            if answer.status_code == 201:
                latencies.append((time.perf_counter() - began) * 1000)

    threads = [threading.Thread(target=loop, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100)
    return len(latencies) / seconds, cuts[49], cuts[94]


def main() -> None:
    """Run the rounds and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--dispatchers", type=int, default=4)
    args = parser.parse_args()
    settings = get_settings()
    base_dir = Path(f"/var/tmp/geo112-ha-bench-{os.getpid()}")
    cluster = Cluster(base_dir)
    try:
        cluster.start()
        url = cluster.url("geo112_bench")
        load_demo_database(url, settings.data_dir)
        add_dispatchers(url, args.dispatchers)
        with serve(url, settings.cache_dir, workers=2, threads=4) as base:
            clients = [login(base, f"load-dispatcher-{i}", PASSWORD) for i in range(args.dispatchers)]
            record_round(base, clients, 2.0)  # warm-up
            results: dict[bool, list[tuple[float, float, float]]] = {True: [], False: []}
            for _ in range(args.rounds):
                for on in (True, False):
                    set_synchronous(cluster, on)
                    results[on].append(record_round(base, clients, args.seconds))
            set_synchronous(cluster, True)
    finally:
        cluster.stop()
        shutil.rmtree(base_dir, ignore_errors=True)
    median = {on: [statistics.median(r[k] for r in rounds) for k in range(3)] for on, rounds in results.items()}
    print(f"incident creation through gunicorn (2 workers x 4 threads), {args.dispatchers} dispatchers, "
          f"{args.rounds} rounds of {args.seconds:g} s per mode, medians:")  # fmt: skip
    print("| replication | calls/s | p50 ms | p95 ms |\n|---|---:|---:|---:|")
    for on in (True, False):
        rate, p50, p95 = median[on]
        print(f"| {'synchronous (strict)' if on else 'asynchronous'} | {rate:.1f} | {p50:.1f} | {p95:.1f} |")
    (sync_rate, _, sync_p95), (async_rate, _, async_p95) = median[True], median[False]
    print(f"synchronous / asynchronous: throughput {sync_rate / async_rate:.2f}x, p95 {sync_p95 / async_p95:.2f}x")


if __name__ == "__main__":
    main()
