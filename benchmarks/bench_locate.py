"""Benchmark: locating calls among the ~8,800 desa of the regency and of Jawa Timur (GiST indexes).

One point at a time as the intake does it (:func:`geo112.geography.locate.locate`: the regency's tables, then
the province's, then the nearest desa), p50/p95 over points spread over the province's bounding box (sea and
neighbouring provinces included, the slow cases) and over the regency; then a batch of 10,000 points in one
query (:func:`geo112.geography.locate.locate_many`). Repeated rounds, medians. Needs a database after
``geo112 data load`` (``GEO112_DATABASE_URL``).

    python benchmarks/bench_locate.py [--points 400] [--batch 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo112.config import get_settings
from geo112.geography.locate import locate, locate_many
from geo112.store.db import session_factory

PROVINCE = (110.9, -8.8, 114.6, -6.7)  # lon/lat box of Jawa Timur, Madura and the islands
REGENCY = (112.35, -7.80, 112.65, -7.35)


def _points(box: tuple[float, float, float, float], n: int, rng: np.random.Generator) -> np.ndarray:
    return np.column_stack([rng.uniform(box[0], box[2], n), rng.uniform(box[1], box[3], n)])


def main() -> None:
    """Time the single and batch lookups and print medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=400)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(112)
    with session_factory(get_settings().database_url)() as session:
        for name, box in (("province box", PROVINCE), ("regency", REGENCY)):
            p50s, p95s = [], []
            for _ in range(args.rounds):
                times = []
                for lon, lat in _points(box, args.points, rng):
                    began = time.perf_counter()
                    locate(session, float(lon), float(lat))
                    times.append((time.perf_counter() - began) * 1000)
                cuts = statistics.quantiles(times, n=100)
                p50s.append(cuts[49])
                p95s.append(cuts[94])
            p50, p95 = statistics.median(p50s), statistics.median(p95s)
            print(f"locate one point, {name}: p50 {p50:.2f} ms, p95 {p95:.2f} ms "
                  f"({args.points} points x {args.rounds} rounds)")  # fmt: skip
        batch = _points(PROVINCE, args.batch, rng)
        seconds = []
        for _ in range(args.rounds):
            began = time.perf_counter()
            found = locate_many(session, batch[:, 0].tolist(), batch[:, 1].tolist())
            seconds.append(time.perf_counter() - began)
        inside = sum(1 for f in found if f["desa_code"])
        batch_s = statistics.median(seconds)
        print(f"locate_many, {args.batch} points over the province box ({inside} inside a desa): "
              f"{batch_s:.2f} s, {batch_s / args.batch * 1e6:.0f} us a point")  # fmt: skip


if __name__ == "__main__":
    main()
