"""Benchmark: the base map's vector tiles over the regency, z10–z16, cut and served, against one GeoJSON.

- *cut*: :meth:`PostgisTileProvider.tile` per layer and for ``base`` (every layer), uncached: wall ms p50/p95
  and tile bytes. The cut runs in PostgreSQL, so its CPU is the server's; the wall time bounds it.
- *served*: ``GET /tiles/base/z/x/y.pbf`` through the app (Flask test client, real Redis), from the cache
  and as a 304 revalidation: wall and CPU ms per request of this process.
- peer: the same roads as one GeoJSON FeatureCollection from PostGIS (``ST_AsGeoJSON``), what a Folium
  layer of the roads would load: seconds and bytes, against the bytes of the z14 tiles over the regency.

Tiles: every tile over the regency's box up to z12, a seeded sample of ``--sample`` tiles from z13.
Repeated ``--rounds`` times; medians of the rounds' percentiles. Needs a database after ``geo112 data load``
(``GEO112_DATABASE_URL``) and Redis.

    python benchmarks/bench_tiles.py [--sample 60] [--rounds 3]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.timing import median_percentiles, timed
from geo112.config import get_settings
from geo112.store.db import session_factory
from geo112.store.tiles import BASE, LAYER_NAMES, TILES

REGENCY = (112.35, -7.80, 112.65, -7.35)
ZOOMS = range(10, 17)


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tiles_over(z: int, sample: int, rng: np.random.Generator) -> list[tuple[int, int, int]]:
    """The tiles over the regency at zoom z (a seeded sample of them when there are more than ``sample``)."""
    x0, y0 = _tile(REGENCY[0], REGENCY[3], z)
    x1, y1 = _tile(REGENCY[2], REGENCY[1], z)
    every = [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    if len(every) <= sample:
        return every
    return [every[i] for i in sorted(rng.choice(len(every), sample, replace=False))]


def bench_cut(session, grid: dict[int, list], rounds: int) -> None:
    """Uncached cuts per zoom and layer."""
    print("cut (uncached, in PostGIS): p50 / p95 ms, median bytes")
    print(f"{'zoom':>4} {'tiles':>5}  " + "  ".join(f"{name:>20}" for name in (BASE, *LAYER_NAMES)))
    for z, tiles in grid.items():
        cells = []
        for layer in (BASE, *LAYER_NAMES):
            sizes = [len(TILES.tile(session, layer, *t)) for t in tiles]
            calls = [lambda t=t, layer=layer: TILES.tile(session, layer, *t) for t in tiles]
            p50, p95 = median_percentiles([timed(calls)[0] for _ in range(rounds)])
            cells.append(f"{p50:6.1f} /{p95:6.1f} {statistics.median(sizes) / 1000:5.1f}kB")
        print(f"{z:>4} {len(tiles):>5}  " + "  ".join(f"{c:>20}" for c in cells))


def bench_served(client, grid: dict[int, list], rounds: int) -> None:
    """Cached answers and 304s through the app, wall and CPU per request."""
    urls = [f"/tiles/base/{z}/{x}/{y}.pbf" for tiles in grid.values() for z, x, y in tiles]
    etags = {url: client.get(url).headers["ETag"] for url in urls}  # cuts and caches every tile once
    kinds = {
        "cached 200": [lambda url=url: client.get(url) for url in urls],
        "304 revalidation": [lambda url=url: client.get(url, headers={"If-None-Match": etags[url]}) for url in urls],
    }
    for label, calls in kinds.items():
        measured = [timed(calls) for _ in range(rounds)]
        wall = median_percentiles([w for w, _ in measured])
        cpu = median_percentiles([c for _, c in measured])
        print(f"served {label:>17}: wall p50 {wall[0]:.2f} ms, p95 {wall[1]:.2f} ms; "
              f"CPU p50 {cpu[0]:.2f} ms, p95 {cpu[1]:.2f} ms ({len(urls)} tiles x {rounds} rounds)")  # fmt: skip


def bench_geojson(session, rounds: int) -> None:
    """The regency's roads as one GeoJSON, against the z14 tiles' bytes."""
    sql = text("""
        SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(json_build_object(
                 'type', 'Feature', 'properties', json_build_object('class', highway, 'name', name),
                 'geometry', ST_AsGeoJSON(ST_Transform(geom, 4326), 6)::json)))::text
          FROM road""")
    seconds = []
    for _ in range(rounds):
        began = time.perf_counter()
        body = session.execute(sql).scalar_one()
        seconds.append(time.perf_counter() - began)
    z14 = tiles_over(14, 10**6, np.random.default_rng(0))
    tile_bytes = sum(len(TILES.tile(session, "roads", *t)) for t in z14)
    print(f"peer: every road as one GeoJSON: {statistics.median(seconds):.2f} s, {len(body) / 1e6:.1f} MB; "
          f"the roads layer of all {len(z14)} z14 tiles over the regency: {tile_bytes / 1e6:.1f} MB "
          f"({len(body) / max(tile_bytes, 1):.1f}x fewer bytes), a screen (~24 tiles) "
          f"{tile_bytes / len(z14) * 24 / 1e3:.0f} kB")  # fmt: skip


def main() -> None:
    """Run the three parts and print their tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=60)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(112)
    grid = {z: tiles_over(z, args.sample, rng) for z in ZOOMS}
    settings = get_settings()
    with session_factory(settings.database_url)() as session:
        bench_cut(session, grid, args.rounds)
        bench_geojson(session, args.rounds)
    from web import create_app

    app = create_app({"GEO112_DATABASE_URL": settings.database_url, "RATELIMIT_ENABLED": False})
    app.logger.disabled = True
    bench_served(app.test_client(), grid, args.rounds)


if __name__ == "__main__":
    main()
