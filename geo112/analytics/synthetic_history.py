"""A synthetic incident history, seeded and reproducible, so the demo has something real to analyse.

Every generated incident is ``synthetic = True`` and ``created_by = "synthetic-history"``; generating again
replaces the previous synthetic rows and never touches a real incident. The method (where incidents happen,
what they are, when, and how long the response takes) and every assumption are in ``docs/analytics.md``:

- **Where:** a desa of the served kabupaten drawn with probability proportional to its population (its area
  while the population per desa is not loaded), then a road node inside that desa, uniformly: road nodes
  are denser where people live, and an incident on a node is on the road network by construction.
- **What:** the category mix of the one published East Java 112 breakdown (``facts/call_center_112.csv``),
  mapped onto geo112's categories by :data:`BENCHMARK_TO_CATEGORY`; ``facts/incident_stats.csv`` (BPBD
  fire counts) gives the regency's yearly fire rate, hence the implied yearly incident volume.
- **When:** a uniformly drawn day of the period and an hour from a day/night curve (:func:`hourly_profile`).
- **Response:** the units of each required type nearest by road (station ETAs from the routing engine),
  with log-normal call-processing, turnout, travel-noise and on-scene times (:class:`Delays`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from geo112.agencies.synthetic import add_tickets
from geo112.config import WIB
from geo112.errors import Conflict, InvalidInput
from geo112.network import Network
from geo112.planning.coverage.service import sources, times_from
from geo112.planning.desa_index import desa_index
from geo112.region import Region, current_region
from geo112.store import audit
from geo112.store.geometry import point
from geo112.store.models import Assignment, Call, CategoryRequirement, Desa, Event, Incident, IncidentCategory, Ticket
from geodata.kab_mojokerto.facts import read_rows

SYNTHETIC_ACTOR = "synthetic-history"
#: Mojokerto's facts files (another region names its own in its pack's ``[facts]``).
INCIDENT_STATS = "kab_mojokerto/facts/incident_stats.csv"
CALL_CENTRE = "kab_mojokerto/facts/call_center_112.csv"
#: The row of ``call_center_112.csv`` with a category mix: Kota Malang's 112, first half of 2022.
BENCHMARK_ITEM = "cc112_h1_2022"
MAX_INCIDENTS = 200_000

#: Benchmark category → geo112 categories and the part of its share each takes. A split is a project
#: assumption (documented in docs/analytics.md); every geo112 category gets a share.
BENCHMARK_TO_CATEGORY: Mapping[str, Mapping[str, float]] = {
    "road crash": {"kecelakaan_lalu_lintas": 1.0},
    "animal evacuation": {"hewan_berbahaya": 1.0},
    "fire": {"kebakaran": 1.0},
    "construction damage": {"pohon_tumbang": 0.5, "banjir": 0.25, "tanah_longsor": 0.25},
    "ambulance": {"medis": 1.0},
    "other": {"lainnya": 0.4, "gangguan_ketertiban": 0.25, "kriminalitas": 0.25, "orang_tenggelam": 0.1},
}


@dataclass(frozen=True)
class Delays:
    """Medians (seconds) and log-normal spread of the simulated response phases (project assumptions)."""

    call_to_dispatch_s: Mapping[int, float] = field(default_factory=lambda: {1: 90.0, 2: 150.0, 3: 240.0})
    turnout_s: float = 90.0
    on_scene_s: float = 1800.0
    close_s: float = 300.0
    sigma: float = 0.5
    #: Spread of real driving around the engine's ETA (traffic, finding the place).
    travel_sigma: float = 0.2


@dataclass(frozen=True)
class HistoryReport:
    """What :func:`generate_history` wrote, and on which basis."""

    n: int
    seed: int
    start: date
    end: date
    weight_basis: str
    categories: dict[str, int]
    assignments: int
    replaced: int
    desa_without_roads: list[str]
    implied_incidents_per_year: float
    tickets: int = 0  # to agencies, for the incidents whose category routes to them (geo112.agencies.synthetic)

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-safe data."""
        return {k: audit.jsonable(v) for k, v in asdict(self).items()}


def benchmark_mix(call_centre_rows: list[dict[str, str]]) -> dict[str, float]:
    """Return geo112 category → share from the published 112 category mix (shares sum to 1).

    Parameters
    ----------
    call_centre_rows
        The rows of ``facts/call_center_112.csv``.

    Returns
    -------
    dict[str, float]

    Raises
    ------
    ValueError
        When the benchmark row is missing or names a category :data:`BENCHMARK_TO_CATEGORY` does not map.
    """
    row = next((r for r in call_centre_rows if r["item"] == BENCHMARK_ITEM), None)
    if row is None:
        raise ValueError(f"no {BENCHMARK_ITEM} row in call_center_112.csv")
    mix: dict[str, float] = {}
    for label, percent in re.findall(r"([a-z][a-z ]*?) (\d+(?:\.\d+)?)%", row["value"]):
        if label not in BENCHMARK_TO_CATEGORY:
            raise ValueError(f"benchmark category {label!r} has no mapping to geo112 categories")
        for code, part in BENCHMARK_TO_CATEGORY[label].items():
            mix[code] = mix.get(code, 0.0) + float(percent) * part
    total = sum(mix.values())
    return {code: share / total for code, share in mix.items()}


def fires_per_year(incident_stats_rows: list[dict[str, str]], region: str = "Kab. Mojokerto") -> float:
    """Return the regency's fires per year from its longest published count (``fire_total`` rows).

    Shorter counts overlap or were taken in the dry season, so the longest period is the fairest rate.
    """
    best: tuple[float, float] | None = None
    for row in incident_stats_rows:
        if row["region"] != region or row["category"] != "fire_total":
            continue
        try:
            days = (date.fromisoformat(row["period_end"]) - date.fromisoformat(row["period_start"])).days + 1
        except ValueError:  # a period stated in words ("2020 dry season start") has no length
            continue
        if best is None or days > best[0]:
            best = (days, float(row["count"]))
    if best is None:
        raise ValueError(f"no dated fire_total count for {region}")
    return best[1] / best[0] * 365.25


def region_fires_per_year(region: Region, data_dir: Path) -> float:
    """The region's fires per year: its published count (``[facts] incident_stats``, rows of its name), else the
    pack's ``[history] fires_per_year``.

    Raises
    ------
    InvalidInput
        When the pack gives neither.
    """
    if region.incident_stats:
        try:
            return fires_per_year(read_rows(region.path(data_dir, region.incident_stats)), region.name)
        except ValueError:
            pass
    if region.fires_per_year is None:
        raise InvalidInput(
            f"no fire count for {region.name}: give [history] fires_per_year in {region.directory / 'region.toml'}"
        )
    return float(region.fires_per_year)


def hourly_profile(amplitude: float = 0.6, peak_hour: float = 14.0) -> npt.NDArray[np.float64]:
    """Return the share of incidents per local hour (24 values summing to 1): a day/night cosine curve.

    With the defaults, the busiest hours (around 14:00 WIB) have about four times the calls of the quietest
    (around 02:00).
    """
    hours = np.arange(24) + 0.5
    weight = 1.0 + amplitude * np.cos(2 * np.pi * (hours - peak_hour) / 24.0)
    return np.asarray(weight / weight.sum(), dtype=np.float64)


def _lognormal(rng: np.random.Generator, median: npt.ArrayLike, sigma: float, size: int) -> npt.NDArray[np.float64]:
    return np.asarray(median, dtype=float) * np.exp(sigma * rng.standard_normal(size))


def _desa_weights(session: Session, codes: list[str]) -> tuple[npt.NDArray[np.float64], bool]:
    """Population per desa when every desa has one, else area; and whether it is population."""
    rows = {
        r.code: (r.population, r.area_km2)
        for r in session.execute(select(Desa.code, Desa.population, Desa.area_km2).where(Desa.code.in_(codes)))
    }
    by_population = all(rows[c][0] is not None for c in codes)
    return np.array([float(rows[c][0 if by_population else 1]) for c in codes]), by_population


def _replace_previous(session: Session) -> int:
    synthetic = select(Incident.id).where(Incident.synthetic)
    audited = session.scalar(select(func.count()).select_from(Event).where(Event.incident_id.in_(synthetic)))
    if audited:
        raise Conflict(f"{audited} audit events refer to synthetic incidents, which therefore cannot be replaced")
    session.execute(delete(Assignment).where(Assignment.incident_id.in_(synthetic)))
    session.execute(delete(Ticket).where(Ticket.incident_id.in_(synthetic)))
    session.execute(delete(Call).where(Call.incident_id.in_(synthetic)))
    return int(session.execute(delete(Incident).where(Incident.synthetic)).rowcount)  # type: ignore[attr-defined]


def generate_history(
    session: Session,
    network: Network,
    n: int,
    seed: int,
    start: date,
    end: date,
    data_dir: Path,
    delays: Delays | None = None,
    region: Region | None = None,
) -> HistoryReport:
    """Replace the synthetic incident history with ``n`` incidents drawn from ``seed``.

    The same seed, period and data give the same incidents (categories, places, times, units); real
    incidents are never read or changed. One ``history.generated`` event records the run.

    Parameters
    ----------
    session
        Session on the database with geography, stations and fleet loaded; the caller commits.
    network
        The road network (:func:`geo112.network.network_for`).
    n
        Number of incidents.
    seed
        Seed of the random generator.
    start, end
        The period, local dates (WIB): from ``start`` 00:00 to ``end`` 00:00.
    data_dir
        The data directory (the facts files are verified against the manifest).
    delays
        Medians and spreads of the simulated phases; default :class:`Delays`.
    region
        The region pack whose facts give the mix and the fire rate; default :func:`geo112.region.current_region`.

    Returns
    -------
    HistoryReport

    Raises
    ------
    InvalidInput
        For ``n`` out of range or an empty period.
    Conflict
        When audit events refer to synthetic incidents (they could not be replaced).
    """
    if not 1 <= n <= MAX_INCIDENTS:
        raise InvalidInput(f"n must be between 1 and {MAX_INCIDENTS}, got {n}")
    if end <= start:
        raise InvalidInput(f"the period must end after it starts ({start} .. {end})")
    delays = delays or Delays()
    rng = np.random.default_rng(seed)
    region = region or current_region()
    if region.call_centre_facts is None:
        raise InvalidInput(f"the region pack {region.directory} names no [facts] call_centre (the category mix)")
    mix = benchmark_mix(read_rows(region.path(data_dir, region.call_centre_facts)))
    per_year = region_fires_per_year(region, data_dir) / mix["kebakaran"]

    categories = {c.code: c for c in session.scalars(select(IncidentCategory).order_by(IncidentCategory.sort_order))}
    codes = [c for c in categories if c in mix]
    shares = np.array([mix[c] for c in codes])
    category = rng.choice(len(codes), size=n, p=shares / shares.sum())

    desa = desa_index(session, network)
    weight, by_population = _desa_weights(session, desa.codes)
    nodes_in = desa.node_counts
    weight[nodes_in == 0] = 0.0
    where = rng.choice(len(desa.codes), size=n, p=weight / weight.sum())
    order = np.argsort(desa.node_desa, kind="stable")
    first = np.searchsorted(desa.node_desa[order], np.arange(len(desa.codes)))
    node = order[first[where] + (rng.random(n) * nodes_in[where]).astype(np.int_)]

    days = (end - start).days
    offset = rng.integers(0, days, n) * 86400 + rng.choice(24, size=n, p=hourly_profile()) * 3600 + rng.random(n) * 3600
    priority = np.array([categories[codes[c]].default_priority for c in category])
    dispatch = offset + _lognormal(rng, [delays.call_to_dispatch_s[p] for p in priority], delays.sigma, n)

    needs: dict[str, list[tuple[str, int]]] = {}
    for req in session.scalars(
        select(CategoryRequirement).where(~CategoryRequirement.optional).order_by(CategoryRequirement.unit_type_code)
    ):
        needs.setdefault(req.category_code, []).append((req.unit_type_code, req.count))
    assignments: list[dict[str, Any]] = []  # incident index, unit, ETA, phase offsets
    for unit_type in sorted({t for c in codes for t, _ in needs.get(c, [])}):
        fleet = sources(session, unit_type, "stations")
        units, times = fleet.unit_id.tolist(), times_from(network, fleet.lon, fleet.lat, fleet.factor)
        for i in np.flatnonzero([any(t == unit_type for t, _ in needs.get(codes[c], [])) for c in category]):
            count = dict(needs[codes[category[i]]])[unit_type]
            eta = times[:, node[i]]
            for u in [u for u in np.argsort(eta, kind="stable")[:count] if np.isfinite(eta[u])]:
                assignments.append({"i": int(i), "unit_id": units[u], "eta_s": float(eta[u])})
    m = len(assignments)
    turnout = _lognormal(rng, delays.turnout_s, delays.sigma, m)
    travel = _lognormal(rng, [a["eta_s"] for a in assignments], delays.travel_sigma, m)
    for a, t, d in zip(assignments, turnout, travel):
        a["en_route"] = dispatch[a["i"]] + t
        a["on_scene"] = a["en_route"] + d
    on_scene = np.full(n, np.nan)
    en_route = np.full(n, np.nan)
    for a in assignments:
        on_scene[a["i"]] = np.fmin(on_scene[a["i"]], a["on_scene"])
        en_route[a["i"]] = np.fmin(en_route[a["i"]], a["en_route"])
    sent = ~np.isnan(on_scene)
    cleared = np.where(sent, on_scene + _lognormal(rng, delays.on_scene_s, delays.sigma, n), np.nan)
    closed = np.where(sent, cleared, offset) + _lognormal(rng, delays.close_s, delays.sigma, n)

    origin = datetime.combine(start, time(), WIB)

    def at(seconds: float) -> datetime | None:
        return None if np.isnan(seconds) else origin + timedelta(seconds=round(float(seconds)))

    replaced = _replace_previous(session)
    lon, lat = network.node_lon[node], network.node_lat[node]
    rows = [
        {
            "category_code": codes[category[i]],
            "priority": int(priority[i]),
            "description": f"synthetic history (seed {seed})",
            "geom": point(lon[i], lat[i]),
            "road_geom": point(lon[i], lat[i]),
            "road_distance_m": 0.0,
            "location_match": "inside",
            "desa_code": desa.codes[where[i]],
            "kecamatan_code": desa.kecamatan_codes[where[i]],
            "jurisdiction_code": desa.regency_code,
            "status": "closed",
            "received_at": at(offset[i]),
            "dispatched_at": at(dispatch[i]) if sent[i] else None,
            "en_route_at": at(en_route[i]),
            "on_scene_at": at(on_scene[i]),
            "cleared_at": at(cleared[i]),
            "closed_at": at(closed[i]),
            "disposition": "handled" if sent[i] else "no_action_needed",
            "created_by": SYNTHETIC_ACTOR,
            "synthetic": True,
        }
        for i in range(n)
    ]
    ids = session.scalars(insert(Incident).returning(Incident.id, sort_by_parameter_order=True), rows).all()
    # Every incident has its call, from a number of the toll-free 0800 range (never a real caller's),
    # drawn from a pool a third the size, so that numbers ring again as real ones do.
    numbers = rng.integers(0, max(1, n // 3), n)
    session.execute(
        insert(Call),
        [{"incident_id": ids[i], "received_at": row["received_at"], "caller_phone": f"0800{numbers[i]:07d}",
          "geom": row["geom"], "taken_by": SYNTHETIC_ACTOR, "synthetic": True}
         for i, row in enumerate(rows)],
    )  # fmt: skip
    if assignments:
        session.execute(
            insert(Assignment),
            [
                {
                    "incident_id": ids[a["i"]],
                    "unit_id": a["unit_id"],
                    "assigned_by": SYNTHETIC_ACTOR,
                    "assigned_at": at(dispatch[a["i"]]),
                    "eta_s": round(a["eta_s"], 1),
                    "en_route_at": at(a["en_route"]),
                    "on_scene_at": at(a["on_scene"]),
                    "ended_at": at(cleared[a["i"]]),
                    "end_reason": "cleared",
                }
                for a in assignments
            ],
        )
    forwarded = [(ids[i], row["category_code"], row["priority"], row["received_at"]) for i, row in enumerate(rows)]
    report = HistoryReport(
        tickets=add_tickets(session, rng, forwarded),
        n=n,
        seed=seed,
        start=start,
        end=end,
        weight_basis="desa population" if by_population else "desa area (population per desa is not loaded yet)",
        categories={c: int((category == k).sum()) for k, c in enumerate(codes)},
        assignments=m,
        replaced=replaced,
        desa_without_roads=[c for c, k in zip(desa.codes, nodes_in) if k == 0],
        implied_incidents_per_year=round(per_year, 1),
    )
    audit.record(
        session, SYNTHETIC_ACTOR, "history.generated", "incident_history", f"seed={seed}", None, report.as_dict()
    )
    return report
