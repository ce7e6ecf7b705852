"""Benchmark the coverage engine and station siting on a synthetic Mojokerto.

Run: ``python benchmarks/bench_coverage.py``. The instance is drawn from a
seeded RNG at the size of the kabupaten road graph (~38k nodes, 304 desa,
60 units, ~300 candidate sites); travel times are straight-line distance
times a detour factor at 40 km/h, with 2% of nodes unreachable. Each of our
functions is timed against a peer run on the same instance in the same run,
and the answers are checked to agree. Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pulp
from spopt.locate import MCLP, PMedian

from geo112.planning.coverage import model as coverage
from geo112.planning.siting import model as siting
from geo112.planning.thresholds import resolve_thresholds

UNITS = {"ambulance": 38, "fire_truck": 6, "rescue": 6, "satpol_pp_patrol": 5, "police_patrol": 5}
SPEED_KMH = 40.0
DETOUR = 1.3


def synthetic_mojokerto(
    n_nodes: int, n_desa: int, seed: int
) -> tuple[np.ndarray, coverage.Demand, np.random.Generator]:
    """Node coordinates (km) clustered around desa centres in a 32 x 30 km box."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform((0, 0), (32, 30), size=(n_desa, 2))
    node_desa = rng.integers(0, n_desa, n_nodes)
    xy = centres[node_desa] + rng.normal(0, 0.8, size=(n_nodes, 2))
    demand = coverage.Demand(node_desa, rng.uniform(0.5, 2, n_nodes), rng.uniform(1e3, 8e3, n_desa))
    return xy, demand, rng


def travel_times(sources: np.ndarray, xy: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Seconds from each source to each node, with noise and unreachable nodes."""
    km = np.linalg.norm(sources[:, None, :] - xy[None, :, :], axis=2)
    times = km * DETOUR / SPEED_KMH * 3600 * rng.lognormal(0, 0.1, km.shape)
    times[:, rng.random(xy.shape[0]) < 0.02] = np.inf
    return times


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Smallest wall time of `repeat` calls, in seconds, and the last result."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def naive_counts(times: np.ndarray, threshold_s: float) -> list[int]:
    """Peer: the pure-Python loop a first version would write."""
    counts = [0] * len(times[0])
    for row in times.tolist():
        for node, t in enumerate(row):
            if t <= threshold_s:
                counts[node] += 1
    return counts


def bench_coverage(xy: np.ndarray, demand: coverage.Demand, rng: np.random.Generator) -> None:
    """All unit types at all thresholds vs a pure-Python loop for one of them."""
    times_by_type = {t: travel_times(xy[rng.choice(xy.shape[0], n, replace=False)], xy, rng) for t, n in UNITS.items()}
    available = {t: rng.random(n) < 0.8 for t, n in UNITS.items()}
    busy = {"ambulance": rng.uniform(0.1, 0.4, UNITS["ambulance"]), "fire_truck": 0.05}
    thresholds = resolve_thresholds()
    ours, out = best_of(lambda: coverage.summarize_unit_types(times_by_type, thresholds, demand, available, busy), 7)
    n_units = sum(UNITS.values())
    print(
        f"coverage, all {len(out)} (unit type, threshold) summaries, {n_units} units "
        f"x {xy.shape[0]} nodes: {ours * 1e3:.1f} ms (budget 100 ms)"
    )

    amb = times_by_type["ambulance"]
    one, counts = best_of(lambda: coverage.coverage_counts(amb, 480), 7)
    peer, peer_counts = best_of(lambda: naive_counts(amb, 480), 1)
    assert counts.tolist() == peer_counts
    print(
        f"coverage_counts, ambulance 8 min ({amb.shape[0]} units): {one * 1e3:.2f} ms; "
        f"pure-Python loop {peer * 1e3:.0f} ms; ratio {peer / one:.0f}x"
    )


def bench_siting(xy: np.ndarray, demand: coverage.Demand, rng: np.random.Generator, n_candidates: int, p: int) -> None:
    """MCLP (nodes in 1 km cells) and p-median (desa) vs spopt on the same instance."""
    candidates = xy[rng.choice(xy.shape[0], n_candidates, replace=False)]
    times = travel_times(candidates, xy, rng)  # (candidates, nodes)
    fixed = [0, 1]  # the two existing Damkar posts
    cover = times.T <= 15 * 60
    w = demand.node_weight
    # Node-level MCLP is exact but its LP takes minutes; 1 km cells keep it small.
    cell = np.unique(np.floor(xy / 1.0), axis=0, return_inverse=True)[1].ravel()

    def ours_mclp() -> tuple[siting.MclpResult, np.ndarray, np.ndarray]:
        cell_cover, cell_weight = siting.aggregate_cover(cover, cell, w)
        return siting.mclp(cell_cover, cell_weight, p, fixed), cell_cover, cell_weight

    ours, (result, cell_cover, cell_weight) = best_of(ours_mclp, 3)
    node_share = w[cover[:, result.open_sites].any(axis=1)].sum() / w.sum()
    print(
        f"MCLP, {n_candidates} candidates x {xy.shape[0]} nodes in {cell_weight.size} 1-km "
        f"cells, p={p} new + {len(fixed)} fixed: {ours:.2f} s (budget 5 s); covers "
        f"{node_share:.2%} of node weight"
    )

    predefined = np.isin(np.arange(n_candidates), fixed).astype(int)
    solver = pulp.HiGHS(msg=False)

    def spopt_mclp() -> MCLP:
        model = MCLP.from_cost_matrix(
            np.where(cell_cover, 0.0, 1.0), cell_weight, 0.5, p + len(fixed), predefined_facilities_arr=predefined
        )
        return model.solve(solver, results=False)

    peer, model = best_of(spopt_mclp, 1)
    peer_obj = pulp.value(model.problem.objective)
    assert abs(peer_obj - result.covered_weight) <= 1e-3 * result.total_weight
    print(
        f"  spopt MCLP (PuLP + HiGHS, same cells, full model): {peer:.2f} s; "
        f"ratio {peer / ours:.1f}x; "
        f"same covered weight {peer_obj:.0f} vs {result.covered_weight:.0f}"
    )

    # p-median on desa centres: demand aggregated to desa, time from the desa's first node.
    first_node = np.unique(demand.node_desa, return_index=True)[1]
    cost = times[:, first_node].T
    cost[~np.isfinite(cost)] = 4 * 3600  # spopt needs finite costs; same for both
    pop = demand.desa_population
    ours, result = best_of(lambda: siting.p_median(cost, pop, p, fixed), 3)
    print(
        f"p-median, {n_candidates} candidates x {cost.shape[0]} desa, p={p} new + "
        f"{len(fixed)} fixed: {ours:.2f} s; mean {result.mean_cost / 60:.1f} min"
    )

    def spopt_pmedian() -> PMedian:
        model = PMedian.from_cost_matrix(cost, pop, p + len(fixed), predefined_facilities_arr=predefined)
        return model.solve(solver, results=False)

    peer, model = best_of(spopt_pmedian, 1)
    peer_obj = pulp.value(model.problem.objective)
    assert abs(peer_obj - result.total_cost) <= 1e-3 * result.total_cost
    print(
        f"  spopt PMedian (PuLP + HiGHS, full model): {peer:.2f} s; ratio {peer / ours:.1f}x; "
        f"same total {peer_obj:.4g} vs {result.total_cost:.4g}"
    )


def bench_mojokerto(p: int) -> None:
    """Coverage of the demo fleet and siting on the synthetic Mojokerto road graph (needs a loaded database).

    The database is ``GEO112_DATABASE_URL`` after ``geo112 data load`` (demo fleet, desa population).
    """
    from geo112.config import get_settings
    from geo112.network import RoutedFleet, load_network
    from geo112.planning.busy import DEFAULT_BUSY_FRACTION
    from geo112.planning.coverage import service as cs
    from geo112.planning.desa_index import desa_index
    from geo112.planning.schemas import SitingRequest
    from geo112.planning.siting.service import site
    from geo112.planning.thresholds import configured_thresholds
    from geo112.store.db import session_factory

    settings = get_settings()
    network = load_network(settings.osm_path, settings.cache_dir)
    fleet = RoutedFleet(network)
    with session_factory(settings.database_url)() as session:
        fleet.sync(session)
        thresholds = configured_thresholds(session)
        index = desa_index(session, network)
        need = cs.demand(session, index)
        srcs = {t: cs.sources(session, t, "live") for t in thresholds}
        rows = {t: fleet.unit_reach(s.unit_id.tolist(), np.inf) for t, s in srcs.items()}
        n_units = sum(len(s) for s in srcs.values())
        arrays, out = best_of(
            lambda: coverage.summarize_unit_types(
                rows,
                thresholds,
                need,
                {t: s.available for t, s in srcs.items()},
                dict.fromkeys(srcs, DEFAULT_BUSY_FRACTION),
            ),
            7,
        )
        print(
            f"Mojokerto ({network.n_nodes} nodes, {len(index.codes)} desa): all {len(out)} (unit type, "
            f"threshold) summaries of the demo fleet ({n_units} units) from the maintained rows: "
            f"{arrays * 1e3:.1f} ms (budget 100 ms)"
        )

        def service() -> None:
            cs._results.clear()
            for t, ths in thresholds.items():
                for th in ths:
                    cs.kecamatan_rows(cs.coverage_of(session, fleet, t, th.minutes, "live"))

        whole, _ = best_of(service, 5)
        print(
            f"  the same through the service (units and populations read from PostGIS, kecamatan tables): "
            f"{whole * 1e3:.1f} ms"
        )
        for method in ("mclp", "p_median"):
            _, result = best_of(lambda m=method: site(session, network, SitingRequest(method=m, p=p)), 1)
            n = sum(v for k, v in result["candidates"].items() if k != "fixed")
            print(
                f"  {method}, fire_truck 15 min, {n} candidates ({result['candidates']}), p={p} new + "
                f"{len(result['fixed'])} fixed: {result['runtime_s']:.2f} s incl. the candidates' searches; "
                f"covered {result['before']['share']:.1%} -> {result['after']['share']:.1%}, mean to desa "
                f"{result['before']['mean_minutes_to_desa']} -> {result['after']['mean_minutes_to_desa']} min"
            )


def main() -> None:
    """Parse arguments and run the benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=38_000)
    parser.add_argument("--desa", type=int, default=304)
    parser.add_argument("--candidates", type=int, default=300)
    parser.add_argument("--p", type=int, default=5)
    parser.add_argument("--seed", type=int, default=112)
    parser.add_argument("--only", choices=("arrays", "mojokerto"), help="run one part only")
    args = parser.parse_args()
    if args.only != "mojokerto":
        xy, demand, rng = synthetic_mojokerto(args.nodes, args.desa, args.seed)
        bench_coverage(xy, demand, rng)
        bench_siting(xy, demand, rng, args.candidates, args.p)
    if args.only != "arrays":
        bench_mojokerto(args.p)


if __name__ == "__main__":
    main()
