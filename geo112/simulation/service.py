"""The simulation from the database: the fleet at its stations, the regency's desa, the hospitals, the
category matrix and phase targets, the road engine's travel times, and the call model fitted from the
incident history (the real one when it spans :data:`MIN_REAL_DAYS` days or more, else the labelled synthetic
one).

Travel times are searched once per unit type (the speed factor of the type, from each station and hospital
over the road network, through :mod:`geo112.network`) and kept as station × desa arrays; the simulation
itself never routes. A desa is reached at its centre's road node (:mod:`geo112.planning.desa_index`).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from scipy.spatial import cKDTree
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo112.analytics.synthetic_history import (
    CALL_CENTRE,
    INCIDENT_STATS,
    benchmark_mix,
    fires_per_year,
    hourly_profile,
)
from geo112.config import WIB
from geo112.dispatch.configuration import get_station, get_unit_type, matrix
from geo112.dispatch.timers import targets
from geo112.errors import InvalidInput, NotFound
from geo112.network import Network
from geo112.planning import busy as busy_fraction
from geo112.planning.coverage.service import times_from
from geo112.planning.desa_index import desa_index
from geo112.planning.moveup import DEFAULT_MINUTES
from geo112.planning.thresholds import first_minutes
from geo112.simulation import results
from geo112.simulation.calls import CallModel
from geo112.simulation.model import Durations, Run, Scenario, replicate
from geo112.simulation.policies import ClosestIdle, Mexclp, MoveUp, Policy, safe_margin
from geo112.store.models import STATION_NOT_BUILT, Desa, Incident, Station, Unit, UnitType
from geodata.kab_mojokerto import verified_path
from geodata.kab_mojokerto.facts import read_rows

#: The type that carries patients to hospital, and the categories whose calls need it.
TRANSPORT_TYPE = "ambulance"
TRANSPORT_CATEGORIES = ("medis", "kecelakaan_lalu_lintas")
_NO_HISTORY = "no incident history to fit calls from: run `geo112 history generate` first"
POLICIES = ("closest", "mexclp", "mexclp-safe", "closest+moveup", "mexclp+moveup")


@dataclass(frozen=True)
class Inputs:
    """A scenario of the database with its call model and what the policies need.

    Attributes
    ----------
    scenario
        The arrays simulated.
    calls
        The fitted call model.
    desa_codes, categories
        Desa codes and category codes, in the index order of the arrays.
    demand
        Expected calls per desa needing each type, ``(T, D)`` (MEXCLP's weights).
    cover_s
        Per type, the travel seconds that still meet the strictest target of the categories needing it
        after median call processing and turnout (MEXCLP's coverage radius).
    busy
        Per type code, the busy fraction measured from the history (:func:`geo112.planning.busy.measure`).
    population, kecamatan
        Persons and kecamatan index per desa (move-up's weights and its bare-kecamatan rule).
    moveup_s
        Per type, its first coverage threshold in seconds (move-up's, as in the console).
    history
        What the call model was fitted from (incidents, synthetic or real, period).
    """

    scenario: Scenario
    calls: CallModel
    desa_codes: list[str]
    categories: list[str]
    demand: np.ndarray
    cover_s: np.ndarray
    busy: dict[str, float]
    population: np.ndarray
    kecamatan: np.ndarray
    moveup_s: np.ndarray
    history: dict[str, Any]

    def policy(self, name: str) -> Policy:
        """The policy of this name (:data:`POLICIES`).

        Raises
        ------
        InvalidInput
            For an unknown name.
        """
        if name == "closest":
            return ClosestIdle()
        d = self.scenario.durations
        if name.endswith("+moveup") and name in POLICIES:
            base = self.policy(name.removesuffix("+moveup"))
            return MoveUp(base, self.population, self.moveup_s, self.kecamatan)
        if name == "mexclp":
            return Mexclp(self.scenario, self.demand, self.cover_s, self.busy, d.turnout_s)
        if name == "mexclp-safe":
            margin = safe_margin(d.sigma, d.travel_sigma)
            return Mexclp(self.scenario, self.demand, self.cover_s, self.busy, d.turnout_s, margin, name)
        raise InvalidInput(f"policy must be one of {', '.join(POLICIES)}, got {name[:20]!r}")


def _on_scene_target(rows: list[dict[str, Any]], category: str, priority: int) -> float:
    """The most specific on-scene target of a category and priority (as ``timers.overdue`` picks it)."""
    matching = [r for r in rows if r["phase"] == "on_scene" and r["category_code"] in (None, category)
                and r["priority"] in (None, priority)]  # fmt: skip
    if not matching:
        return np.inf
    best = min(matching, key=lambda r: (r["category_code"] is None, r["priority"] is None))
    return float(best["seconds"])


#: A real history shorter than this many days cannot give rates by hour of the week: the labelled synthetic
#: one is fitted from instead (a new centre's first calls, a test's or a demo's few).
MIN_REAL_DAYS = 28


def _history(session: Session, codes: list[str], categories: list[str]) -> tuple[np.ndarray, ...] | None:
    first_real, last_real = session.execute(
        select(func.min(Incident.received_at), func.max(Incident.received_at)).where(~Incident.synthetic)
    ).one()
    synthetic = first_real is None or (last_real - first_real).days + 1 < MIN_REAL_DAYS
    rows = session.execute(
        select(Incident.received_at, Incident.desa_code, Incident.category_code).where(
            Incident.synthetic == synthetic, Incident.desa_code.in_(codes), Incident.category_code.in_(categories)
        )
    ).all()
    if not rows:
        return None
    desa_of, category_of = {c: i for i, c in enumerate(codes)}, {c: i for i, c in enumerate(categories)}
    local = [r.received_at.astimezone(WIB) for r in rows]
    how = np.array([t.weekday() * 24 + t.hour for t in local])
    first, last = min(local).date(), max(local).date()
    days = float((last - first).days + 1)
    desa = np.array([desa_of[r.desa_code] for r in rows])
    category = np.array([category_of[r.category_code] for r in rows])
    return how, desa, category, np.array([days, float(synthetic)]), np.array([first.toordinal(), last.toordinal()])


@dataclass(frozen=True)
class ExtraUnits:
    """A what-if: ``units`` more units of a type at a station (its id or code; any station, a planned post too)."""

    station: int | str
    unit_type: str
    units: int


def from_database(
    session: Session,
    network: Network,
    durations: Durations | None = None,
    data_dir: Path | None = None,
    add_units: Sequence[ExtraUnits] = (),
) -> Inputs:
    """Assemble the regency's scenario and call model from the database and the road network.

    Parameters
    ----------
    session
        Session on a database with geography, stations, fleet and an incident history.
    network
        The road network (:func:`geo112.network.network_for`).
    durations
        Phase durations; default :class:`Durations`.
    data_dir
        The data directory: without any incident history, calls are fitted from population instead, with the
        volume and category mix the synthetic history takes from its facts (:func:`_from_population`).
    add_units
        What-if units on top of the fleet (they are simulated like the others; they have no history).

    Returns
    -------
    Inputs

    Raises
    ------
    InvalidInput
        When there is no fleet, or no incident history and no ``data_dir``.
    NotFound
        For a what-if unit at an unknown station or of an unknown type.
    """
    durations = durations or Durations()
    if data_dir is None and session.scalar(select(func.count()).select_from(Incident)) == 0:  # before any search
        raise InvalidInput(_NO_HISTORY)
    index = desa_index(session, network)
    units = session.execute(
        select(Unit.unit_type_code, Unit.station_id, UnitType.speed_factor).join(UnitType)
        .where(Unit.station_id.is_not(None)).order_by(Unit.id)
    ).all()  # fmt: skip
    fleet = [_FleetRow(r.unit_type_code, r.station_id, float(r.speed_factor)) for r in units]
    fleet += _extra(session, add_units)
    if not fleet:
        raise InvalidInput("no unit with a home station: run `geo112 data load` first")
    types = sorted({r.unit_type_code for r in fleet})
    station_ids = sorted({r.station_id for r in fleet})
    positions = select(Station.id, Station.geom.ST_X(), Station.geom.ST_Y()).where(Station.id.in_(station_ids))
    where = {r[0]: (r[1], r[2]) for r in session.execute(positions)}
    hospitals = session.execute(
        select(Station.geom.ST_X(), Station.geom.ST_Y())
        .where(Station.kind == "hospital", Station.status != STATION_NOT_BUILT).order_by(Station.id)
    ).all()  # fmt: skip
    s_lon = np.array([where[s][0] for s in station_ids])
    s_lat = np.array([where[s][1] for s in station_ids])
    h_lon, h_lat = np.array([h[0] for h in hospitals]), np.array([h[1] for h in hospitals])
    nodes = cKDTree(np.column_stack(network.to_xy(network.node_lon, network.node_lat)))

    def nearest_node(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        if not lon.size:
            return np.zeros(0, dtype=np.int64)
        return np.asarray(nodes.query(np.column_stack(network.to_xy(lon, lat)))[1], dtype=np.int64)

    hospital_node, station_node = nearest_node(h_lon, h_lat), nearest_node(s_lon, s_lat)

    unit_type = np.array([types.index(r.unit_type_code) for r in fleet], dtype=np.int64)
    unit_station = np.array([station_ids.index(r.station_id) for r in fleet], dtype=np.int64)
    factor = {r.unit_type_code: float(r.speed_factor) for r in fleet}
    n_t, n_s, n_h, n_d = len(types), len(station_ids), len(hospitals), len(index.codes)
    station_desa = np.full((n_t, n_s, n_d), np.inf)
    hospital_desa = np.full((n_t, n_h, n_d), np.inf)
    hospital_station = np.full((n_t, n_h, n_s), np.inf)
    station_station = np.full((n_t, n_s, n_s), np.inf)
    for k, code in enumerate(types):
        # From every station that hosts a unit (any type): move-up may send a unit to stand by at any of them.
        rows = times_from(network, s_lon, s_lat, factor[code])
        station_desa[k] = rows[:, index.centre_node]
        station_station[k] = rows[:, station_node]
        if code == TRANSPORT_TYPE and n_h:
            hospital_desa[k] = times_from(network, h_lon, h_lat, factor[code])[:, index.centre_node]
            hospital_station[k] = rows[:, hospital_node].T  # roads taken as two-way

    config = matrix(session)
    categories = [c["category"] for c in config]
    phase = targets(session)
    needs = tuple(
        tuple((types.index(r["unit_type"]), int(r["count"])) for r in c["requirements"]
              if not r["optional"] and r["unit_type"] in types)
        for c in config
    )  # fmt: skip
    priority = np.array([int(c["default_priority"]) for c in config], dtype=np.int64)
    target = np.array([_on_scene_target(phase, c["category"], int(c["default_priority"])) for c in config])
    stored = dict(session.execute(select(Desa.code, Desa.population).where(Desa.code.in_(index.codes))).all())
    population = np.array([stored.get(c) or 0 for c in index.codes], dtype=float)
    moveup_s = np.array([60.0 * first_minutes(session).get(code, DEFAULT_MINUTES) for code in types])
    scenario = Scenario(
        types=tuple(types),
        station_desa=station_desa,
        hospital_desa=hospital_desa,
        hospital_station=hospital_station,
        unit_type=unit_type,
        unit_station=unit_station,
        needs=needs,
        priority=priority,
        target_s=target,
        transport=np.array([c in TRANSPORT_CATEGORIES for c in categories]),
        transport_type=types.index(TRANSPORT_TYPE) if TRANSPORT_TYPE in types else -1,
        durations=durations,
        station_station=station_station,
        population=population,
        coverage_s=moveup_s,
    )

    history = _history(session, index.codes, categories)
    if history is not None:
        how, desa, category, (days, synthetic), (first, last) = history
        calls = CallModel.fit(how, desa, category, days, population, len(categories))
        basis = {
            "basis": "synthetic history" if synthetic else "real history",
            "incidents": int(how.size),
            "synthetic": bool(synthetic),
            "first_day": datetime.fromordinal(int(first)).date().isoformat(),
            "last_day": datetime.fromordinal(int(last)).date().isoformat(),
            "days": days,
        }
    elif data_dir is not None:
        calls = _from_population(population, categories, data_dir)
        basis = {"basis": "population", "incidents": 0, "synthetic": None}
    else:
        raise InvalidInput(_NO_HISTORY)

    needing = np.array([[any(k == t for t, _ in needs[c]) for c in range(len(categories))] for k in range(n_t)])
    demand = calls.calls_per_day * 365.0 * (needing @ calls.category_share)[:, None] * calls.desa_share[None, :]
    cover_s = np.array([
        min((target[c] - durations.dispatch_s[int(priority[c])] - durations.turnout_s
             for c in range(len(categories)) if needing[k, c]), default=np.inf)
        for k in range(n_t)
    ])  # fmt: skip
    return Inputs(
        scenario=scenario,
        calls=calls,
        desa_codes=index.codes,
        categories=categories,
        demand=demand,
        cover_s=cover_s,
        busy={code: busy_fraction.measure(session, code).value for code in types},
        population=population,
        kecamatan=index.kecamatan_of_desa[1],
        moveup_s=moveup_s,
        history=basis | {"calls_per_day": round(calls.calls_per_day, 3)},
    )


class _FleetRow(NamedTuple):
    unit_type_code: str
    station_id: int
    speed_factor: float


def _extra(session: Session, add_units: Sequence[ExtraUnits]) -> list[_FleetRow]:
    rows = []
    for extra in add_units:
        if isinstance(extra.station, str):
            station_id = session.scalar(select(Station.id).where(Station.code == extra.station))
            if station_id is None:
                raise NotFound(f"no station {extra.station!r}")
        else:
            station_id = get_station(session, extra.station).id
        kind = get_unit_type(session, extra.unit_type)
        rows += [_FleetRow(kind.code, station_id, float(kind.speed_factor))] * extra.units
    return rows


def _from_population(population: np.ndarray, categories: list[str], data_dir: Path) -> CallModel:
    """Calls where there is no history: desa by population, the synthetic history's yearly volume (the
    regency's published fire count over the fire share of the published 112 mix), category mix and day/night
    curve (:mod:`geo112.analytics.synthetic_history`), every day of the week alike."""
    mix = benchmark_mix(read_rows(verified_path(data_dir, CALL_CENTRE)))
    per_year = fires_per_year(read_rows(verified_path(data_dir, INCIDENT_STATS))) / mix["kebakaran"]
    week = np.full(7, 1 / 7)
    hourly = per_year / 365.25 * 7 * np.outer(week, hourly_profile()).ravel()
    share = np.array([mix.get(c, 0.0) for c in categories])
    desa = population / population.sum() if population.sum() > 0 else np.full(population.size, 1 / population.size)
    return CallModel(hourly, desa, share / share.sum())


@dataclass(frozen=True)
class Outcome:
    """Policies replayed on the same calls: their figures, the paired comparison of the first two, the runs."""

    names: list[str]
    runs: dict[str, list[Run]]
    tables: dict[str, list[results.Row]]
    comparison: results.Comparison | None
    calls_per_day: float
    parameters: dict[str, Any]
    history: dict[str, Any]

    def relocations(self, name: str) -> float:
        """Mean relocations per replication of a policy."""
        return sum(r.relocations for r in self.runs[name]) / len(self.runs[name])

    def as_dict(self) -> dict[str, Any]:
        """The outcome as JSON-safe data (NaN as None)."""

        def interval(i: results.Interval) -> dict[str, float | None]:
            return {k: None if math.isnan(v) else round(v, 5) for k, v in dataclasses.asdict(i).items()}

        c = self.comparison
        return {
            "history": self.history,
            **self.parameters,
            "calls_per_day": round(self.calls_per_day, 3),
            "policies": {
                name: [
                    {"unit_type": r.unit_type, "priority": r.priority or "all"}
                    | {k: interval(v) for k, v in r.figures.items()}
                    for r in rows
                ]
                for name, rows in self.tables.items()
            },
            "relocations": {name: self.relocations(name) for name in self.names},
            "comparison": None
            if c is None
            else {
                self.names[0]: interval(c.a),
                self.names[1]: interval(c.b),
                "difference": interval(c.difference),
                "relative": None if math.isnan(c.relative) else round(c.relative, 4),
            },
        }


def compare_policies(
    inputs: Inputs,
    names: list[str],
    days: int,
    replications: int,
    seed: int,
    load: float = 1.0,
    mutual_aid_after_s: float | None = 900.0,
) -> Outcome:
    """Replay ``days`` of calls (``load`` × the fitted rate) with each named policy, on the same seeds.

    Raises
    ------
    InvalidInput
        For an unknown policy or a load that is not positive.
    """
    names = list(dict.fromkeys(names))
    if load != 1.0:  # MEXCLP's q follows the demand: busy time grows with the calls
        inputs = dataclasses.replace(inputs, busy={k: min(0.95, q * load) for k, q in inputs.busy.items()})
    policies = [inputs.policy(name) for name in names]
    scenario = dataclasses.replace(inputs.scenario, mutual_aid_after_s=mutual_aid_after_s)
    calls = inputs.calls.scaled(load)
    runs = replicate(
        scenario, lambda r: calls.draw(days, seed, r, scenario.n_types), policies, replications, days * 86400.0
    )
    return Outcome(
        names=names,
        runs=runs,
        tables={name: results.table(runs[name], scenario.types, scenario.unit_type) for name in names},
        comparison=results.compare(runs[names[0]], runs[names[1]]) if len(names) > 1 else None,
        calls_per_day=calls.calls_per_day,
        parameters={"days": days, "replications": replications, "seed": seed, "load": load,
                    "mutual_aid_after_s": mutual_aid_after_s, "units": int(scenario.unit_type.size)},
        history=inputs.history,
    )  # fmt: skip
