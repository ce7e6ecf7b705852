"""Time OSRM's Table and Route on given points; run by the peer's own Python (see benchmarks/osrm_peer.py).

Reads one JSON object from standard input::

    {"data": ".../x.osrm", "algorithm": "CH" | "MLD", "units": [[lon, lat], ...],
     "incidents": [[lon, lat], ...], "routes": [[[lon, lat], [lon, lat]], ...]}

and writes one JSON object: median milliseconds of a Table from every unit to one incident
(``table_one_ms``), of one Table from every unit to every incident (``table_many_ms``) and of a Route with
full geometry and steps (``route_ms``), with the answers (seconds and metres) to compare with geo112's.
Only the standard library and the ``osrm`` bindings: this runs outside geo112's environment.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import osrm


def _median_ms(calls: list) -> tuple[float | None, list]:
    times, answers = [], []
    for call in calls:
        start = time.perf_counter()
        answers.append(call())
        times.append(time.perf_counter() - start)
    return (statistics.median(times) * 1e3 if times else None), answers


def main() -> None:
    """Measure and print."""
    job = json.load(sys.stdin)
    engine = osrm.OSRM(algorithm=job["algorithm"], storage_config=job["data"], use_shared_memory=False)
    units, incidents = [tuple(p) for p in job["units"]], [tuple(p) for p in job["incidents"]]
    m = len(units)

    def table(destinations: list[tuple[float, float]]) -> object:
        return engine.Table(
            osrm.TableParameters(
                coordinates=units + destinations,
                sources=list(range(m)),
                destinations=list(range(m, m + len(destinations))),
                annotations=["duration", "distance"],
            )
        )

    def route(pair: list[list[float]]) -> object:
        return engine.Route(
            osrm.RouteParameters(
                coordinates=[tuple(pair[0]), tuple(pair[1])], steps=True, geometries="geojson", overview="full"
            )
        )

    one_ms, ones = _median_ms([lambda i=i: table([i]) for i in incidents])
    many_ms, _ = _median_ms([lambda: table(incidents)] * 3)
    route_ms, routes = _median_ms([lambda p=p: route(p) for p in job["routes"]])
    best = [[r["routes"][0]["duration"], r["routes"][0]["distance"]] if r["code"] == "Ok" else None for r in routes]
    print(
        json.dumps(
            {
                "table_one_ms": one_ms,
                "table_many_ms": many_ms,
                "route_ms": route_ms,
                "table_durations": [[row[0] for row in t["durations"]] for t in ones],
                "routes": best,
            }
        )
    )


if __name__ == "__main__":
    main()
