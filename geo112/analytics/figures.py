"""Incident analytics over the incident history: counts, response intervals, threshold compliance, heat map.

Aggregates are computed by PostgreSQL (``percentile_cont`` for medians and 90th percentiles, the same linear
interpolation as ``numpy.percentile``) over the incidents a :class:`Filters` selects. Synthetic history
(``incident.synthetic``, see :mod:`geo112.analytics.synthetic_history`) is left out unless asked for, and every
result says whether it includes some. Nothing here reads callers' names or phone numbers. Method: ``docs/analytics.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Float, String, and_, column, func, literal, select, true, values
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from geo112.config import WIB
from geo112.errors import InvalidInput, Unprocessable
from geo112.planning.thresholds import Threshold, configured_thresholds
from geo112.region import current_region
from geo112.store.audit import jsonable
from geo112.store.models import INTERVALS as PHASE_INTERVALS
from geo112.store.models import Assignment, Desa, Incident, IncidentCategory, Kecamatan, Unit

#: Intervals reported (name, from phase, to phase): the dispatch record's, plus dispatched → on scene.
INTERVALS = (*PHASE_INTERVALS[:3], ("dispatch_to_scene", "dispatched", "on_scene"), *PHASE_INTERVALS[3:])
COUNT_BY = ("desa", "kecamatan", "category")
INTERVAL_BY = ("category", "kecamatan", "priority")
MIN_CELL_M, MAX_CELL_M = 100, 20_000


@dataclass(frozen=True)
class Filters:
    """Which incidents an analysis covers.

    Attributes
    ----------
    since, until
        Received at or after ``since`` and before ``until`` (time-zone aware); None leaves a side open.
    category
        One incident category code, or None for all.
    include_synthetic
        Include the generated demo history; real calls only by default.
    """

    since: datetime | None = None
    until: datetime | None = None
    category: str | None = None
    include_synthetic: bool = False

    def clauses(self) -> list[ColumnElement[bool]]:
        """The WHERE clauses on :class:`~geo112.store.models.Incident`."""
        where: list[ColumnElement[bool]] = []
        if self.since is not None:
            where.append(Incident.received_at >= self.since)
        if self.until is not None:
            where.append(Incident.received_at < self.until)
        if self.category is not None:
            where.append(Incident.category_code == self.category)
        if not self.include_synthetic:
            where.append(~Incident.synthetic)
        return where

    def checked(self, session: Session) -> Filters:
        """Return the filters after checking them against the database.

        Raises
        ------
        InvalidInput
            When the period is empty.
        Unprocessable
            For an unknown category.
        """
        if self.since and self.until and self.until <= self.since:
            raise InvalidInput(f"the period is empty: until ({self.until}) is not after since ({self.since})")
        if self.category is not None and session.get(IncidentCategory, self.category) is None:
            known = session.scalars(select(IncidentCategory.code).order_by(IncidentCategory.sort_order)).all()
            raise Unprocessable(f"unknown category {self.category!r}; categories are {', '.join(known)}")
        return self


def _seconds(later: Any, earlier: Any) -> ColumnElement[Any]:
    return func.extract("epoch", later - earlier)


def summary(session: Session, filters: Filters) -> dict[str, Any]:
    """Return how many incidents the filters select, how many of them are synthetic, and their time span.

    ``synthetic_available`` counts synthetic incidents in the same period and category even when they are
    excluded, so a page can offer to include them.
    """
    selected = and_(true(), *filters.clauses())
    row = session.execute(
        select(
            func.count().filter(selected),
            func.count().filter(Incident.synthetic),
            func.min(Incident.received_at).filter(selected),
            func.max(Incident.received_at).filter(selected),
        ).where(*replace(filters, include_synthetic=True).clauses())
    ).one()
    incidents, synthetic_available, first, last = row
    synthetic = synthetic_available if filters.include_synthetic else 0
    return {
        "incidents": incidents,
        "synthetic": synthetic,
        "real": incidents - synthetic,
        "synthetic_available": synthetic_available,
        "synthetic_included": synthetic > 0,
        "first_received_at": jsonable(first),
        "last_received_at": jsonable(last),
        "filters": filter_dict(filters),
    }


def filter_dict(filters: Filters) -> dict[str, Any]:
    """The filters as JSON-safe data, echoed in every answer."""
    return {
        "since": jsonable(filters.since),
        "until": jsonable(filters.until),
        "category": filters.category,
        "include_synthetic": filters.include_synthetic,
    }


def counts(session: Session, by: str, filters: Filters) -> list[dict[str, Any]]:
    """Return incident counts per desa, kecamatan or category, largest first.

    Parameters
    ----------
    session
        Session on the database.
    by
        ``desa``, ``kecamatan`` or ``category``.
    filters
        Which incidents.

    Returns
    -------
    list of dict
        ``code``, ``name``, ``count`` and, per desa, ``kecamatan``; ``synthetic`` counts the synthetic ones.
        Incidents outside every desa count under ``code`` None.

    Raises
    ------
    InvalidInput
        For an unknown ``by``.
    """
    if by not in COUNT_BY:
        raise InvalidInput(f"by must be one of {', '.join(COUNT_BY)}, got {by[:40]!r}")
    if by == "desa":
        keys: tuple[Any, ...] = (Incident.desa_code, Desa.name, Kecamatan.name)
        query = (
            select(*keys)
            .outerjoin(Desa, Desa.code == Incident.desa_code)
            .outerjoin(Kecamatan, Kecamatan.code == Desa.kecamatan_code)
        )
    elif by == "kecamatan":
        keys = (Incident.kecamatan_code, Kecamatan.name)
        query = select(*keys).outerjoin(Kecamatan, Kecamatan.code == Incident.kecamatan_code)
    else:
        keys = (Incident.category_code, IncidentCategory.name)
        query = select(*keys).join(IncidentCategory)
    n = func.count().label("n")
    rows = session.execute(
        query.add_columns(n, func.count().filter(Incident.synthetic))
        .where(*filters.clauses())
        .group_by(*keys)
        .order_by(n.desc(), keys[0])
    ).all()
    out = []
    for row in rows:
        item = {"code": row[0], "name": row[1]}
        if by == "desa":
            item["kecamatan"] = row[2]
        out.append({**item, "count": row[-2], "synthetic": row[-1]})
    return out


def _group_column(by: str | None) -> ColumnElement[Any]:
    if by is None:
        return literal("all")
    if by not in INTERVAL_BY:
        raise InvalidInput(f"by must be one of {', '.join(INTERVAL_BY)}, got {by[:40]!r}")
    columns: dict[str, Any] = {
        "category": Incident.category_code,
        "kecamatan": Incident.kecamatan_code,
        "priority": Incident.priority,
    }
    column: ColumnElement[Any] = columns[by]
    return column


def intervals(session: Session, filters: Filters, by: str | None = None) -> list[dict[str, Any]]:
    """Return count, median, 90th percentile and mean (seconds) of each response interval.

    An incident counts in an interval when both its phases happened. Percentiles are PostgreSQL's
    ``percentile_cont`` (linear interpolation between the closest ranks).

    Parameters
    ----------
    session, filters
        The database, and which incidents (:class:`Filters`).
    by
        None for one row per interval, else one per interval and ``category``, ``kecamatan`` or ``priority``.

    Returns
    -------
    list of dict
        ``interval``, ``from``, ``to``, ``group``, ``n``, ``median_s``, ``p90_s``, ``mean_s``.
    """
    group = _group_column(by).label("group")
    columns = []
    for name, a, b in INTERVALS:
        x = _seconds(getattr(Incident, f"{b}_at"), getattr(Incident, f"{a}_at"))
        columns += [
            func.count(x).label(f"{name}_n"),
            func.percentile_cont(0.5).within_group(x).label(f"{name}_median"),
            func.percentile_cont(0.9).within_group(x).label(f"{name}_p90"),
            func.avg(x).label(f"{name}_mean"),
        ]
    rows = session.execute(select(group, *columns).where(*filters.clauses()).group_by(group).order_by(group)).all()
    return [
        {
            "interval": name,
            "from": a,
            "to": b,
            "group": row.group,
            "n": row._mapping[f"{name}_n"],
            **{f"{s}_s": _num(row._mapping[f"{name}_{s}"]) for s in ("median", "p90", "mean")},
        }
        for row in rows
        for name, a, b in INTERVALS
    ]


def _num(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _first_arrivals(filters: Filters) -> Select[Any]:
    """Per incident and unit type, the first unit's arrival: ``response_s`` (call → on scene) and ``travel_s``."""
    return (
        select(
            Unit.unit_type_code.label("unit_type"),
            Assignment.incident_id,
            Incident.received_at,
            func.min(Assignment.on_scene_at).label("on_scene_at"),
            _seconds(func.min(Assignment.on_scene_at), Incident.received_at).label("response_s"),
            func.array_agg(
                aggregate_order_by(
                    _seconds(Assignment.on_scene_at, func.coalesce(Assignment.en_route_at, Assignment.assigned_at)),
                    Assignment.on_scene_at,
                )
            )[1].label("travel_s"),
        )
        .join(Unit, Unit.id == Assignment.unit_id)
        .join(Incident, Incident.id == Assignment.incident_id)
        .where(Assignment.on_scene_at.is_not(None), *filters.clauses())
        .group_by(Unit.unit_type_code, Assignment.incident_id, Incident.received_at)
    )


def arrivals(session: Session, filters: Filters) -> list[dict[str, Any]]:
    """Return every first arrival of a unit type at an incident, oldest first (what distributions are drawn from).

    Returns
    -------
    list of dict
        ``unit_type``, ``received_at`` (ISO, WIB), ``response_s`` and ``travel_s`` (seconds, one decimal).
    """
    first = _first_arrivals(filters).subquery()
    rows = session.execute(
        select(first.c.unit_type, first.c.received_at, first.c.response_s, first.c.travel_s).order_by(
            first.c.received_at, first.c.unit_type
        )
    ).all()
    return [
        {"unit_type": t, "received_at": at.astimezone(WIB).isoformat(), "response_s": _num(r), "travel_s": _num(v)}
        for t, at, r, v in rows
    ]


def by_hour(session: Session, filters: Filters) -> list[dict[str, Any]]:
    """Return incident counts per ISO weekday (1 = Monday) and hour of the day, local time (WIB).

    Only the cells with incidents are listed.
    """
    local = func.timezone(WIB.key, Incident.received_at)
    weekday, hour = func.extract("isodow", local).label("weekday"), func.extract("hour", local).label("hour")
    rows = session.execute(
        select(weekday, hour, func.count()).where(*filters.clauses()).group_by(weekday, hour).order_by(weekday, hour)
    ).all()
    return [{"weekday": int(d), "hour": int(h), "count": n} for d, h, n in rows]


def dispositions(session: Session, filters: Filters) -> list[dict[str, Any]]:
    """Return how the closed incidents were closed (``disposition``, ``count``, ``share``), largest first."""
    n = func.count().label("n")
    rows = session.execute(
        select(Incident.disposition, n)
        .where(Incident.disposition.is_not(None), *filters.clauses())
        .group_by(Incident.disposition)
        .order_by(n.desc(), Incident.disposition)
    ).all()
    total = sum(count for _, count in rows)
    return [{"disposition": d, "count": count, "share": count / total} for d, count in rows]


def kecamatan_categories(session: Session, filters: Filters) -> list[dict[str, Any]]:
    """Return incident counts per kecamatan and category (``kecamatan``, ``category``, ``count``)."""
    rows = session.execute(
        select(Kecamatan.name, Incident.category_code, func.count())
        .join(Kecamatan, Kecamatan.code == Incident.kecamatan_code)
        .where(*filters.clauses())
        .group_by(Kecamatan.name, Incident.category_code)
        .order_by(Kecamatan.name, Incident.category_code)
    ).all()
    return [{"kecamatan": k, "category": c, "count": n} for k, c, n in rows]


def compliance(
    session: Session, filters: Filters, by_type: Mapping[str, tuple[Threshold, ...]] | None = None
) -> list[dict[str, Any]]:
    """Return, per unit type and threshold T, the share of incidents whose first unit of the type arrived in T.

    For each incident, the first unit of a type to reach the scene is its first arrival; it is measured
    twice: by its **travel** time (en route → on scene, what coverage thresholds bound) and by the
    **response** time (call received → on scene). Incidents no unit of the type reached are not counted.

    Parameters
    ----------
    session, filters
        The database, and which incidents (:class:`Filters`).
    by_type
        Thresholds per unit type; default those configured (:func:`geo112.planning.thresholds.configured_thresholds`).

    Returns
    -------
    list of dict
        ``unit_type``, ``minutes``, ``label``, ``n``, ``travel_within``, ``travel_share``,
        ``response_within``, ``response_share`` (shares None when ``n`` is 0).
    """
    by_type = configured_thresholds(session) if by_type is None else by_type
    listed = [(t, th.minutes, th.label) for t, ths in sorted(by_type.items()) for th in ths]
    if not listed:
        return []
    first = _first_arrivals(filters).subquery()
    th = values(column("unit_type", String), column("minutes", Float), column("label", String), name="th").data(listed)
    limit = th.c.minutes * 60
    rows = session.execute(
        select(
            th.c.unit_type,
            th.c.minutes,
            th.c.label,
            func.count(first.c.incident_id),
            func.count().filter(first.c.travel_s <= limit),
            func.count().filter(first.c.response_s <= limit),
        )
        .select_from(th.outerjoin(first, first.c.unit_type == th.c.unit_type))
        .group_by(th.c.unit_type, th.c.minutes, th.c.label)
        .order_by(th.c.unit_type, th.c.minutes)
    ).all()
    return [
        {
            "unit_type": t,
            "minutes": m,
            "label": label,
            "n": n,
            "travel_within": tw,
            "travel_share": tw / n if n else None,
            "response_within": rw,
            "response_share": rw / n if n else None,
        }
        for t, m, label, n, tw, rw in rows
    ]


def heatmap(session: Session, filters: Filters, cell_m: float = 1000.0) -> dict[str, Any]:
    """Return incident counts on a square grid (metres, the region's UTM zone: 49S for Mojokerto) for a heat map.

    Parameters
    ----------
    session, filters
        The database, and which incidents (:class:`Filters`).
    cell_m
        Side of a grid cell in metres.

    Returns
    -------
    dict
        ``cell_m``, ``max`` and ``cells``: ``bounds`` (``[south, west, north, east]``, degrees), ``count``.
    """
    if not MIN_CELL_M <= cell_m <= MAX_CELL_M:
        raise InvalidInput(f"cell_m must be within [{MIN_CELL_M}, {MAX_CELL_M}] metres, got {cell_m:g}")
    cell = func.ST_SnapToGrid(func.ST_Transform(Incident.geom, current_region().metric_srid), cell_m).label("cell")
    grid = select(cell, func.count().label("n")).where(*filters.clauses()).group_by(cell).subquery()
    box = func.ST_Transform(func.ST_Expand(grid.c.cell, cell_m / 2), 4326)
    rows = session.execute(
        select(func.ST_YMin(box), func.ST_XMin(box), func.ST_YMax(box), func.ST_XMax(box), grid.c.n).order_by(
            grid.c.n.desc(), func.ST_X(grid.c.cell), func.ST_Y(grid.c.cell)
        )
    ).all()
    cells = [{"bounds": [round(v, 6) for v in row[:4]], "count": row[4]} for row in rows]
    return {"cell_m": cell_m, "max": max((c["count"] for c in cells), default=0), "cells": cells}
