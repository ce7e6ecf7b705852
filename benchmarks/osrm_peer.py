"""OSRM as a routing peer: its own Python environment, its data from the same OSM file, timed on our points.

OSRM (``osrm-bindings`` from PyPI: ``osrm-extract``, ``osrm-contract``, ``osrm-partition``,
``osrm-customize``, the car profile and Python bindings in one abi3 wheel for CPython >= 3.12) is installed
into an environment of its own under the cache directory, so geo112's stays as it is. Its data is built
once per (OSM file, algorithm) with the car profile, and reused: CH (contraction hierarchies) and MLD
(multi-level Dijkstra). ``measure`` runs ``benchmarks/_osrm_worker.py`` in that environment.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from routing import settings

OSRM_VERSION = "26.10.0"
#: With geo112's speeds in OSRM's profile, the two engines' ETAs must agree this closely (OSRM rounds each
#: segment to a tenth of a second and measures lengths itself).
ETA_TOLERANCE = 0.01
WORKER = Path(__file__).with_name("_osrm_worker.py")


def _python312() -> str:
    """A CPython >= 3.12 that runs, for the peer's environment: ``GEO112_PEER_PYTHON``, pyenv's, or on PATH
    (pyenv's shims are on PATH even when the version is not selected, and then fail)."""
    pyenv = [str(p) for p in sorted(Path.home().glob(".pyenv/versions/3.1[2-9]*/bin/python3"))]
    candidates = [os.environ.get("GEO112_PEER_PYTHON"), *pyenv, shutil.which("python3.12"), shutil.which("python3.13")]
    check = "import sys; sys.exit(sys.version_info < (3, 12))"
    for candidate in filter(None, candidates):
        if subprocess.run([candidate, "-c", check], capture_output=True).returncode == 0:
            return candidate
    raise RuntimeError("OSRM's bindings need CPython >= 3.12: set GEO112_PEER_PYTHON")


def environment(cache_dir: Path) -> Path:
    """The peer's Python (created and filled with ``osrm-bindings`` on first use)."""
    venv = cache_dir / f"osrm-{OSRM_VERSION}"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([_python312(), "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", f"osrm-bindings=={OSRM_VERSION}"], check=True)
    return python


def _tools(python: Path) -> Path:
    package = subprocess.run(
        [str(python), "-c", "import osrm, os; print(os.path.dirname(osrm.__file__))"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    return Path(package)


def _lua_table(values: dict[str, object]) -> str:
    return "{" + ", ".join(f'["{k}"] = {json.dumps(v)}' for k, v in values.items()) + "}"


def geo112_profile() -> str:
    """An OSRM Lua profile with geo112's speeds (``routing.settings``), so that the two engines' ETAs can
    be compared on the same roads: the class speed, lowered by a readable ``maxspeed`` (the lowest of
    ``;``-separated values, Indonesia's implicit values), osmnx's one-way rules, the same closed ``access``
    and ``service`` values, turn restrictions for the same vehicle keys, U-turns free, and no turn costs
    (geo112 has none)."""
    speeds = {k: v[0] for k, v in settings.SPEED_PROFILE.items()}
    closed = dict.fromkeys((*settings.EXCLUDED_ACCESS, *settings.EXCLUDED_SERVICE), True)
    return f"""api_version = 4
function setup()
  return {{
    properties = {{weight_name = 'duration', u_turn_penalty = 0, traffic_signal_penalty = 0,
                  use_turn_restrictions = true, continue_straight_at_waypoint = false}},
    restrictions = {{{", ".join(f"'{v}'" for v in settings.RESTRICTION_VEHICLES)}}},
    speeds = {_lua_table(speeds)},
    implicit = {_lua_table(settings.IMPLICIT_MAXSPEEDS)},
    closed = {_lua_table(closed)},
  }}
end
local function legal(profile, value)
  if not value then return nil end
  local lowest = nil
  for raw in string.gmatch(value, "[^;|]+") do
    local part = raw:match("^%s*(.-)%s*$")
    local speed = profile.implicit[part] or tonumber(part:match("^([%d%.]+)"))
    if speed and part:match("mph") then speed = speed * 1.609344 end
    if speed and speed > 0 and (not lowest or speed < lowest) then lowest = speed end
  end
  return lowest
end
function process_node(profile, node, result) end
function process_way(profile, way, result)
  local highway = way:get_value_by_key("highway")
  local speed = highway and profile.speeds[highway]
  if not speed then return end
  local access, service = way:get_value_by_key("access"), way:get_value_by_key("service")
  if (access and profile.closed[access]) or (service and profile.closed[service]) then return end
  local limit = legal(profile, way:get_value_by_key("maxspeed"))
  if limit and limit < speed then speed = limit end
  result.forward_mode, result.backward_mode = mode.driving, mode.driving
  result.forward_speed, result.backward_speed = speed, speed
  result.name = way:get_value_by_key("name") or ""
  local oneway = way:get_value_by_key("oneway")
  if oneway == "-1" or oneway == "reverse" then
    result.forward_mode = mode.inaccessible
  elseif oneway == "yes" or oneway == "true" or oneway == "1" or way:get_value_by_key("junction") == "roundabout" then
    result.backward_mode = mode.inaccessible
  end
end
function process_turn(profile, turn) end
return {{setup = setup, process_way = process_way, process_node = process_node, process_turn = process_turn}}
"""


def data(python: Path, osm: Path, cache_dir: Path, algorithm: str, profile: str = "car") -> Path:
    """OSRM's files for ``osm`` with a profile (``car``: OSRM's own; ``geo112``: :func:`geo112_profile`),
    built once per file, profile and algorithm; the ``.osrm`` base."""
    package = _tools(python)
    lua = geo112_profile() if profile == "geo112" else (package / "share" / "profiles" / "car.lua").read_text()
    digest = hashlib.sha256(osm.read_bytes() + lua.encode()).hexdigest()[:16]
    folder = cache_dir / f"osrm-data-{digest}-{profile}-{algorithm.lower()}"
    base = folder / (osm.name.split(".")[0] + ".osrm")
    done = folder / "done"
    if done.exists():
        return base
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(osm, folder / osm.name)
    if profile == "geo112":
        (folder / "geo112.lua").write_text(lua)
    steps = [["osrm-extract", "-p", str(folder / "geo112.lua") if profile == "geo112"
              else str(package / "share" / "profiles" / "car.lua"), str(folder / osm.name)]]  # fmt: skip
    steps += [["osrm-contract", str(base)]] if algorithm == "CH" else [["osrm-partition", str(base)],
                                                                       ["osrm-customize", str(base)]]  # fmt: skip
    for tool, *args in steps:
        subprocess.run([str(package / "bin" / tool), *args], check=True, capture_output=True)
    done.touch()
    return base


def measure(
    python: Path,
    base: Path,
    algorithm: str,
    units: list[tuple[float, float]],
    incidents: list[tuple[float, float]],
    routes: list[tuple[tuple[float, float], tuple[float, float]]],
) -> dict[str, Any]:
    """OSRM's medians and answers on these points (see ``benchmarks/_osrm_worker.py``)."""
    job = {"data": str(base), "algorithm": algorithm, "units": units, "incidents": incidents, "routes": routes}
    out = subprocess.run([str(python), str(WORKER)], input=json.dumps(job), check=True, capture_output=True, text=True)
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def _median_ms(fn: Any, args: list[Any]) -> tuple[float, list[Any]]:
    times, answers = [], []
    for a in args:
        start = time.perf_counter()
        answers.append(fn(a))
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, answers


def compare(engine: Any, osm: Path, cache_dir: Path, rng: np.random.Generator, rounds: int = 3) -> list[str]:
    """geo112 and OSRM (CH and MLD) on the same 60 units, 200 incidents and 60 unit-to-incident routes, in
    alternating rounds; the report's Markdown lines (medians over the rounds) and the ETA agreement."""
    g = engine.graph
    unit_nodes = rng.choice(g.n_nodes, 60, replace=False)
    incident_nodes = rng.choice(np.setdiff1d(np.arange(g.n_nodes), unit_nodes), 200, replace=False)
    point = lambda n: (float(g.node_lon[n]), float(g.node_lat[n]))  # noqa: E731
    units, incidents = [point(n) for n in unit_nodes], [point(n) for n in incident_nodes]
    pairs = [(i % 60, incidents[i]) for i in range(60)]
    table = engine.unit_table()
    table.upsert_many(list(range(60)), [u[0] for u in units], [u[1] for u in units])
    python = environment(cache_dir)
    bases = {name: data(python, osm, cache_dir, name) for name in ("CH", "MLD")}
    figures: dict[str, list[float]] = {}

    def note(key: str, value: float) -> None:
        figures.setdefault(key, []).append(value)

    for _ in range(rounds):
        ms, ranked = _median_ms(lambda p: table.nearest(*p), incidents)
        note("ours table_one_ms", ms)
        rows = lambda _: np.stack([table.times(u) for u in range(60)])[:, incident_nodes]  # noqa: E731
        note("ours table_many_ms", _median_ms(rows, [0, 1, 2])[0])
        ms, tabled = _median_ms(lambda p: table.route(p[0], *p[1]), pairs)
        note("ours route_ms", ms)
        note("ours searched route_ms", _median_ms(lambda p: engine.route(units[p[0]], p[1]), pairs)[0])
        for name, base in bases.items():
            peer = measure(python, base, name, units, incidents, [(units[u], p) for u, p in pairs])
            for key in ("table_one_ms", "table_many_ms", "route_ms"):
                note(f"{name} {key}", peer[key])
    # ETAs: ours at the profile speed (factor 1) against OSRM's car profile and against OSRM with ours
    ours = np.array([[r.eta_s for r in sorted(rank, key=lambda r: r.unit_id)] for rank in ranked[:20]])
    same = measure(python, data(python, osm, cache_dir, "MLD", "geo112"), "MLD", units, incidents[:20], [])
    agreement = {"car": _ratios(peer, ours, tabled), "geo112": _ratios(same, ours, [])}
    med = {k: statistics.median(v) for k, v in figures.items()}
    lines = ["| question | geo112 | OSRM CH | OSRM MLD | CH ÷ geo112 |", "|---|---:|---:|---:|---:|"]
    for mine, key, label in (("table_one_ms", "table_one_ms", "60 units → 1 incident (ms)"),
                             ("table_many_ms", "table_many_ms", "60 units × 200 incidents (ms)"),
                             ("route_ms", "route_ms", "route with full geometry and steps, unit → incident (ms)"),
                             ("searched route_ms", "route_ms",
                              "the same route searched (no table: contraction hierarchy) (ms)")):  # fmt: skip
        ours_ms, ch = med[f"ours {mine}"], med[f"CH {key}"]
        lines.append(f"| {label} | {ours_ms:.2f} | {ch:.2f} | {med[f'MLD {key}']:.2f} | {ch / ours_ms:.1f}× |")
    lines.append("")
    for profile, (ratio, routes) in agreement.items():
        lines.append(
            f"- ETAs, OSRM with the {profile} profile ÷ geo112, 60 units × 20 incidents: median "
            f"{np.median(ratio):.3f} (p10 {np.percentile(ratio, 10):.3f}, p90 {np.percentile(ratio, 90):.3f})"
            + (f"; routes: median {np.median(routes):.3f}" if len(routes) else "")
        )
    same_ratio = agreement["geo112"][0]
    within = bool(np.all(np.abs(same_ratio - 1) <= ETA_TOLERANCE))
    lines.append(f"- the same profile agrees within {ETA_TOLERANCE:.0%} on every pair: **{'yes' if within else 'NO'}**")
    return lines


def _ratios(peer: dict[str, Any], ours: np.ndarray, tabled: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """OSRM's table seconds ÷ ours (units × incidents), and its route seconds ÷ ours."""
    theirs = np.array(peer["table_durations"][: len(ours)], dtype=float)
    routes = np.array([p[0] / t.eta_s for p, t in zip(peer["routes"], tabled) if p])
    return (theirs / ours).ravel(), routes


if __name__ == "__main__":  # prepare only: python -m benchmarks.osrm_peer OSM CACHE_DIR
    peer = environment(Path(sys.argv[2]))
    for name in ("CH", "MLD"):
        print(name, data(peer, Path(sys.argv[1]), Path(sys.argv[2]), name))
