"""CPU per request of list and single-row answers, against the floor of ``/healthz`` in the same run.

``python -m benchmarks.bench_api_cpu [--rounds 3] [--calls 30]``

In-process (Flask's test client, ``time.process_time``) on a database of its own (the test database's name +
``_apicpu``: geography, demo fleet, users) with a few incidents, as a dispatcher. Printed: the median over
rounds of CPU milliseconds per request, and its ratio to ``/healthz``, as served (answers not checked against
their response models) and as in tests (checked: ``GEO112_CHECK_RESPONSES``), alternating.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
import uuid

PATHS = ("/api/v1/units?limit=500", "/api/v1/incidents?limit=50", "/api/v1/units/1", "/healthz")


def main() -> None:
    """Measure and print the table."""
    from geo112.config import get_settings
    from tests.conftest import PASSWORD, loaded_database
    from web import create_app

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    url = loaded_database("apicpu", get_settings().data_dir)
    app = create_app({"TESTING": True, "GEO112_DATABASE_URL": url, "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex})
    logging.getLogger("web").setLevel(logging.WARNING)  # the request log would be measured too
    client = app.test_client()
    token = client.get("/api/v1/auth/csrf").get_json()["csrf_token"]
    answer = client.post(
        "/api/v1/auth/login", json={"username": "test-dispatcher", "password": PASSWORD}, headers={"X-CSRFToken": token}
    )
    headers = {"X-CSRFToken": answer.get_json()["csrf_token"]}
    for lon in (112.50, 112.52, 112.54):
        client.post("/api/v1/incidents", json={"category": "medis", "lon": lon, "lat": -7.55}, headers=headers)
    modes = {"served": False, "checked": True}
    cpu: dict[tuple[str, str], list[float]] = {(mode, path): [] for mode in modes for path in PATHS}
    for path in PATHS:
        client.get(path)  # warm
    for _ in range(args.rounds):
        for mode, checked in modes.items():
            app.config["GEO112_CHECK_RESPONSES"] = checked
            for path in PATHS:
                started = time.process_time()
                for _ in range(args.calls):
                    client.get(path)
                cpu[mode, path].append((time.process_time() - started) / args.calls * 1000)
    floor = {mode: statistics.median(cpu[mode, "/healthz"]) for mode in modes}
    print(f"{time.strftime('%Y-%m-%d')}: CPU ms per request, medians of {args.rounds} rounds x {args.calls} calls")
    print("| request | served | against `/healthz` | checked (tests) | against `/healthz` |")
    for path in PATHS:
        cells = [f"{statistics.median(cpu[m, path]):.2f} ms | {statistics.median(cpu[m, path]) / floor[m]:.1f}x"
                 for m in modes]  # fmt: skip
        print(f"| `GET {path}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
