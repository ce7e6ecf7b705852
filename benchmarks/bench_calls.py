"""Benchmark: the duplicate check of a new call, with a year of synthetic call history.

A year of history (``--n`` synthetic incidents with a call each, from a pool of numbers that ring again,
:func:`geo112.analytics.synthetic_history.generate_history`; Pasuruan's 112 logged ~8,600 calls in 2025) and
``--open`` open incidents spread over the regency, then per question, wall and CPU ms of this process:

- *duplicates*: :func:`possible_duplicates` for a new call (point and number) near an open incident;
- *duplicates, number only*: before a point is placed;
- *history*: :func:`caller_history` of a number that rang a dozen times;
- floor: ``SELECT 1``, one round trip on the same connection, measured in the same run.

Everything runs in one transaction that is rolled back: the database is left as it was. ``--rounds`` rounds
of ``--repeat`` calls each; medians of the rounds' p50 and p95. Target: the duplicate check ≤ 5 ms.
Needs a database after ``geo112 data load`` and ``geo112 demo load`` (``GEO112_DATABASE_URL``).

    python benchmarks/bench_calls.py [--n 20000] [--open 40] [--rounds 5] [--repeat 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import median_percentiles, timed
from geo112.analytics.synthetic_history import generate_history
from geo112.config import get_settings
from geo112.dispatch import calls, schemas
from geo112.dispatch.incidents import create_incident
from geo112.network import network_for
from geo112.store.db import session_factory
from geo112.store.models import Call

REGENCY = (112.35, -7.75, 112.62, -7.40)
WINDOW_S = 600.0


def main() -> None:
    """Load the history in a transaction, time the questions, roll back."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--open", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    settings = get_settings()
    rng = np.random.default_rng(112)
    with session_factory(settings.database_url)() as session:
        began = time.perf_counter()
        generate_history(session, network_for(settings), args.n, 112, date(2025, 1, 1), date(2026, 1, 1),
                         settings.data_dir)  # fmt: skip
        lons = rng.uniform(REGENCY[0], REGENCY[2], args.open)
        lats = rng.uniform(REGENCY[1], REGENCY[3], args.open)
        for i, (lon, lat) in enumerate(zip(lons, lats, strict=True)):
            data = schemas.IncidentCreate(category="medis", lon=lon, lat=lat, caller_phone=f"0813{i:08d}")
            create_incident(session, data, "bench")
        session.execute(text("ANALYZE call; ANALYZE incident"))
        count = session.scalar(select(text("count(*)")).select_from(Call))
        most = "SELECT caller_phone FROM call WHERE synthetic GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"
        frequent = session.scalar(text(most))
        print(f"history: {count} calls ({args.n} synthetic incidents, {args.open} open) "
              f"loaded in {time.perf_counter() - began:.1f} s")  # fmt: skip
        near = (float(lons[0]) + 0.002, float(lats[0]))
        questions = {
            "floor: SELECT 1": lambda: session.execute(text("SELECT 1")).scalar(),
            "duplicates (point + number)": lambda: calls.possible_duplicates(session, *near, "0813 00000000", WINDOW_S),
            "duplicates (number only)": lambda: calls.possible_duplicates(session, None, None, frequent, WINDOW_S),
            "caller history": lambda: calls.caller_history(session, frequent),
        }
        found = calls.possible_duplicates(session, *near, "081300000000", WINDOW_S)
        assert found and found[0]["same_caller"], "the open incident of the number must be found"
        floor = None
        for label, question in questions.items():
            timed_rounds = [timed([question] * args.repeat) for _ in range(args.rounds)]
            wall, cpu = (
                median_percentiles([w for w, _ in timed_rounds]),
                median_percentiles([c for _, c in timed_rounds]),
            )
            floor = floor or wall[0]
            print(f"{label:>28}: wall p50 {wall[0]:.2f} ms, p95 {wall[1]:.2f} ms ({wall[0] / floor:.1f}x the floor); "
                  f"CPU p50 {cpu[0]:.2f} ms, p95 {cpu[1]:.2f} ms")  # fmt: skip
        print(f"the frequent number: {calls.caller_history(session, frequent)['calls']} calls")
        session.rollback()


if __name__ == "__main__":
    main()
