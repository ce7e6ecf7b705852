"""Benchmark: a province's road graph under gunicorn, this checkout and a peer in the same run: start-up,
move-up's warm-up, worker memory, move-up and a dispatcher's call.

```
.venv/bin/python -m benchmarks.tiled_osm /tmp/tiled36.osm --nx 6 --ny 6
.venv/bin/python -m benchmarks.bench_province --osm /tmp/tiled36.osm --nx 6 --ny 6 --cache-dir DIR
    [--units 2000] [--limit-s 1800] [--workers 2] [--threads 4] [--types ambulance,police_patrol]
    [--settle-s 600] [--calls 20] [--peer CHECKOUT] [--port PORT]
```

The demo fleet is copied until it has ``--units`` units, each copy placed on one of the tiles (the regency's
copies ``tiled_osm`` wrote, ``--nx`` × ``--ny``): the same stations and places, another tile. Each checkout
serves it once (``GEO112_UNIT_ROW_LIMIT_S`` = ``--limit-s``), one after the other:

- *ready*: seconds from starting gunicorn until every worker answers ``/readyz``;
- *warmed*: seconds until each worker logged that every type's move-up is proposed (:mod:`web.warmup`), at
  most ``--settle-s`` after ready (a checkout without that log line waits the whole time);
- *memory*: the workers' largest RSS at the end of that wait and largest peak RSS (``VmHWM``) at the end, and
  the proportional set size of the master and the workers together (what the machine holds for them), MB;
- *move-up*: per type, after one of its units moved, ``GET /api/v1/moveup``: wall ms (the app's CPU ms);
- *a call*: ``--calls`` dispatcher calls alone (record, recommend, assign, stand down, close:
  :func:`benchmarks.load_test.one_call`), median wall ms (app CPU ms) of each step.

The road graph's engine is built once in ``--cache-dir`` (27 minutes for the 36× graph on this machine) and
loaded from there by every server; build it first (``geo112.network.load_network``) to keep it out of *ready*.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from sqlalchemy import text

from benchmarks.load_test import Client, Processes, Tally, _fleet, one_call
from benchmarks.tiled_osm import tile_span
from geo112.config import get_settings
from geo112.store.db import session_factory
from tests.reliability.harness import REPO, serve_process
from web.warmup import MOVEUP_WARMED

_SPREAD = text("""
    INSERT INTO unit (call_sign, unit_type_code, agency_code, station_id, status, geom, position_at, position_source)
    SELECT call_sign || ' #' || copy, unit_type_code, agency_code, station_id, status,
           ST_Translate(geom, :dx * (copy % :nx), :dy * ((copy / :nx) % :ny)), position_at, position_source
    FROM unit, generate_series(1, :copies) AS copy
    WHERE call_sign NOT LIKE '% #%' AND geom IS NOT NULL ORDER BY copy, unit.id LIMIT :count
""")


def spread_units(database_url: str, total: int, span: tuple[float, float], nx: int, ny: int) -> int:
    """Copy the positioned demo units until the fleet has ``total``, copy k on tile (k mod nx, k div nx mod ny);
    return the count."""
    with session_factory(database_url).begin() as session:
        have = session.scalar(text("SELECT count(*) FROM unit WHERE geom IS NOT NULL"))
        if total > have:
            session.execute(_SPREAD, {"copies": total // have + 1, "count": total - have, "dx": span[0],
                                      "dy": span[1], "nx": nx, "ny": ny})  # fmt: skip
        return int(session.scalar(text("SELECT count(*) FROM unit")))


def _status_kb(pid: int, field: str) -> int:
    """A field of ``/proc/<pid>/status`` in kB (0 for a process gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except FileNotFoundError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith(f"{field}:")), 0)


def _largest_mb(processes: Processes, field: str) -> int:
    """The largest ``field`` (``VmRSS``, ``VmHWM``: the peak) of the workers, MB."""
    return max(_status_kb(pid, field) for pid in processes.workers()) // 1024


def _settle(log: Path, workers: int, settle_s: float) -> float | None:
    """Wait for every worker's move-up warm-up (its log line) or ``settle_s``; return the seconds waited (None
    when it never came)."""
    started = time.monotonic()
    while time.monotonic() - started < settle_s:
        if log.read_text(errors="replace").count(MOVEUP_WARMED) >= workers:
            return time.monotonic() - started
        time.sleep(1.0)
    return None


def _moveup(client: Client, database_url: str, code: str) -> str:
    """Move one available unit of the type ~55 m east, ask move-up, move it back: "wall ms (app CPU ms)"."""
    with session_factory(database_url)() as session:
        unit_id, lon, lat = session.execute(
            text("SELECT id, ST_X(geom), ST_Y(geom) FROM unit WHERE unit_type_code = :code AND status = 'available'"
                 " AND geom IS NOT NULL ORDER BY id LIMIT 1"), {"code": code}).one()  # fmt: skip
    client.request("POST", f"/api/v1/units/{unit_id}/position", {"lon": lon + 0.0005, "lat": lat})
    asked = time.perf_counter()
    answer = client.request("GET", f"/api/v1/moveup?unit_type={code}")
    wall = (time.perf_counter() - asked) * 1000
    client.request("POST", f"/api/v1/units/{unit_id}/position", {"lon": lon, "lat": lat})
    if answer.status != 200:
        return f"{answer.status}"
    return f"{wall:.0f} ({answer.cpu_ms:.0f})"


def serve_once(args: argparse.Namespace, url: str, checkout: Path) -> dict[str, str]:
    """Serve the province from ``checkout`` and measure it (module doc); the row of the report."""
    log = Path(f"/tmp/geo112-province-{checkout.name}-{time.time_ns()}.log")
    env = {
        "PYTHONPATH": str(checkout),
        "GEO112_DATA_DIR": str(get_settings().data_dir),
        "GEO112_SERVER_TIMING": "1",
        "GEO112_OSM_FILE": str(args.osm),
        "GEO112_UNIT_ROW_LIMIT_S": str(args.limit_s),
    }
    started = time.perf_counter()
    row: dict[str, str] = {"checkout": str(checkout)}
    served = serve_process(url, args.cache_dir, args.workers, args.threads, log, env, checkout, args.port)
    with served as (base, server):
        row["ready s"] = f"{time.perf_counter() - started:.1f}"
        processes = Processes(server.pid, url)
        waited = _settle(log, args.workers, args.settle_s)
        row["warmed s"] = "not within the wait" if waited is None else f"{float(row['ready s']) + waited:.1f}"
        row["RSS MB, warmed"] = str(_largest_mb(processes, "VmRSS"))
        client = Client.logged_in(base, "test-dispatcher", args.password)
        for code in args.types.split(","):
            row[f"move-up {code}"] = _moveup(client, url, code)
        stations, _ = _fleet(client)
        tally, rng = Tally(), random.Random(112)
        for _ in range(args.calls):
            one_call(client, tally, stations, rng)
        for step in ("create", "recommend", "assign"):
            cpu = statistics.median(tally.cpu_ms[step]) if tally.cpu_ms[step] else float("nan")
            row[step] = f"{statistics.median(tally.latencies[step]) * 1000:.0f} ({cpu:.1f})"
        row["errors"] = str(len(tally.errors))
        row["peak RSS MB"] = str(_largest_mb(processes, "VmHWM"))
        row["PSS MB, all"] = f"{_pss_mb(server.pid) + sum(m['pss'] for m in processes.memory_mb().values()):.0f}"
    return row


def _pss_mb(pid: int) -> float:
    """A process's proportional set size (pages shared with others counted in shares), MB."""
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    return next(int(line.split()[1]) for line in rollup if line.startswith("Pss:")) / 1024


def main() -> None:
    """Prepare the database, serve each checkout once and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--osm", type=Path, required=True, help="the tiled extract (benchmarks.tiled_osm)")
    parser.add_argument("--nx", type=int, required=True)
    parser.add_argument("--ny", type=int, required=True)
    parser.add_argument("--cache-dir", type=Path, default=get_settings().cache_dir)
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--limit-s", type=float, default=1800.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--types", default="ambulance,police_patrol")
    parser.add_argument("--settle-s", type=float, default=600.0)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--port", type=int, help="serve on this port of 127.0.0.1 (default a free one)")
    parser.add_argument("--peer", type=Path, help="another checkout (the code before) served the same way after")
    args = parser.parse_args()
    from tests.conftest import PASSWORD, loaded_database

    args.password = PASSWORD
    url = loaded_database("province", get_settings().data_dir)
    units = spread_units(url, args.units, tile_span(get_settings().osm_path), args.nx, args.ny)
    print(f"# {time.strftime('%Y-%m-%d')}: {args.osm.name} ({args.nx}x{args.ny} tiles), {units} units, rows bound "
          f"{args.limit_s:g} s, {args.workers} workers x {args.threads} threads\n")  # fmt: skip
    rows = [serve_once(args, url, checkout) for checkout in [REPO, *([args.peer.resolve()] if args.peer else [])]]
    print("| " + " | ".join(rows[0]) + " |")
    print("|---" * len(rows[0]) + "|")
    for row in rows:
        print("| " + " | ".join(row.values()) + " |", flush=True)


if __name__ == "__main__":
    main()
