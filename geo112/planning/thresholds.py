"""Coverage thresholds per unit type: the documented defaults and the configured ``coverage_threshold`` rows.

A threshold is the largest travel time (minutes, station or unit to road node) at which a node counts as
covered. The defaults below are what the standards say, each with its source; they are seeded once per unit
type into the ``coverage_threshold`` table, where an admin replaces a type's thresholds through the API.
Reading falls back to the defaults for a type with no rows, so coverage works on a database that was never
seeded. See docs/coverage.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo112.dispatch.configuration import get_unit_type
from geo112.errors import InvalidInput, Unprocessable
from geo112.store.audit import record
from geo112.store.models import CoverageThreshold, UnitType

UNIT_TYPES: tuple[str, ...] = ("ambulance", "fire_truck", "rescue", "satpol_pp_patrol", "police_patrol")


@dataclass(frozen=True)
class Threshold:
    """One coverage threshold of a unit type and where it comes from."""

    minutes: float
    label: str
    source: str

    @property
    def seconds(self) -> float:
        """The threshold in seconds, the unit of the routing engine's arrays."""
        return self.minutes * 60.0


_FIRE_RULE = (
    "Kepmen PU 11/KPTS/2000 (Ketentuan Teknis Manajemen Penanggulangan Kebakaran di "
    "Perkotaan): a fire-management zone (wilayah manajemen kebakaran) is served within "
    "15 minutes; kept by Permen PU 20/PRT/M/2009, which BPBD Kab. Mojokerto cites "
    "(facts/call_center_112.csv, fire_response_standard)"
)
_PROJECT_PATROL = (
    "geo112 project default: no Indonesian travel-time standard for patrols was found; "
    "15 minutes keeps patrols comparable with fire"
)

DEFAULT_THRESHOLDS: Mapping[str, tuple[Threshold, ...]] = {
    "fire_truck": (Threshold(15, "fire 15 min", _FIRE_RULE),),
    "ambulance": (
        Threshold(
            8,
            "ALS urban 8 min",
            "NFPA 1710: ALS unit travel time of 480 s or less for 90% of EMS incidents (career departments, urban)",
        ),
        Threshold(
            15,
            "ambulance rural 15 min",
            "geo112 project default for rural desa, where NFPA 1710's urban "
            "8 minutes is out of reach (NFPA 1720 allows 14 min, 80% of the time, "
            "for volunteer response in rural demand zones)",
        ),
    ),
    "rescue": (
        Threshold(
            15,
            "rescue 15 min",
            "geo112 project default: BPBD rescue shares posts and the 15-minute rule with Damkar (" + _FIRE_RULE + ")",
        ),
    ),
    "satpol_pp_patrol": (Threshold(15, "patrol 15 min", _PROJECT_PATROL),),
    "police_patrol": (Threshold(15, "patrol 15 min", _PROJECT_PATROL),),
}


def resolve_thresholds(overrides: Mapping[str, Sequence[float]] | None = None) -> dict[str, tuple[Threshold, ...]]:
    """
    Merge configured threshold minutes over the documented defaults.

    Planners tune thresholds per deployment (a configuration file or settings
    table), so overrides replace the defaults of a unit type wholesale and
    are labelled as configured rather than silently inheriting a source.

    Parameters
    ----------
    overrides
        Unit type code -> threshold minutes. Unknown unit types are allowed,
        so new agencies need no code change.

    Returns
    -------
    dict
        Unit type code -> thresholds sorted by minutes.

    Raises
    ------
    ValueError
        If a threshold is not a positive finite number of minutes, or a unit
        type is given no thresholds.
    """
    resolved = dict(DEFAULT_THRESHOLDS)
    for unit_type, minutes in (overrides or {}).items():
        values = sorted(float(m) for m in minutes)
        if not values or not all(0 < m < float("inf") for m in values):
            msg = f"thresholds of {unit_type!r} must be positive minutes, got {minutes!r}"
            raise ValueError(msg)
        resolved[unit_type] = tuple(Threshold(m, f"{unit_type} {m:g} min", "configured override") for m in values)
    return {k: tuple(sorted(v, key=lambda t: t.minutes)) for k, v in resolved.items()}


#: The range of a threshold (minutes) a planner may set or ask for: below half a minute is noise, beyond two
#: hours no emergency service is measured.
MIN_MINUTES = 0.5
MAX_MINUTES = 120.0


def check_minutes(minutes: float) -> float:
    """Validate a threshold in minutes: a number in ``[MIN_MINUTES, MAX_MINUTES]``.

    Raises
    ------
    InvalidInput
    """
    if isinstance(minutes, bool) or not (isinstance(minutes, (int, float)) and MIN_MINUTES <= minutes <= MAX_MINUTES):
        raise InvalidInput(f"minutes must be a number in [{MIN_MINUTES:g}, {MAX_MINUTES:g}], got {minutes!r}")
    return float(minutes)


def seed_thresholds(session: Session) -> int:
    """Insert the default thresholds of every unit type that has none (idempotent).

    A type an admin configured keeps its rows, even if they differ from the defaults.

    Returns
    -------
    int
        Rows inserted.
    """
    types = set(session.scalars(select(UnitType.code)))
    configured = set(session.scalars(select(CoverageThreshold.unit_type_code).distinct()))
    rows = [
        {"unit_type_code": code, "minutes": t.minutes, "label": t.label, "source": t.source}
        for code, thresholds in DEFAULT_THRESHOLDS.items()
        if code in types - configured
        for t in thresholds
    ]
    if rows:
        session.execute(insert(CoverageThreshold).values(rows).on_conflict_do_nothing())
    return len(rows)


def configured_thresholds(session: Session) -> dict[str, tuple[Threshold, ...]]:
    """Return unit type -> thresholds (sorted by minutes): the table's rows, else the defaults."""
    rows = session.scalars(select(CoverageThreshold).order_by(CoverageThreshold.minutes)).all()
    resolved = dict(resolve_thresholds())
    by_type: dict[str, list[Threshold]] = {}
    for row in rows:
        by_type.setdefault(row.unit_type_code, []).append(Threshold(row.minutes, row.label, row.source))
    resolved.update({code: tuple(ts) for code, ts in by_type.items()})
    return resolved


def first_minutes(session: Session) -> dict[str, float]:
    """Return unit type -> its first (shortest) configured threshold in minutes, for types that have one."""
    return {code: ths[0].minutes for code, ths in configured_thresholds(session).items() if ths}


def set_thresholds(session: Session, unit_type: str, minutes: Sequence[float], actor: str) -> tuple[Threshold, ...]:
    """Replace the thresholds of a unit type, audited; a default's minutes keep its label and source.

    Raises
    ------
    NotFound
        For an unknown unit type.
    Unprocessable
        For an empty or repeated list.
    InvalidInput
        For minutes outside ``[MIN_MINUTES, MAX_MINUTES]``.
    """
    get_unit_type(session, unit_type)
    values = sorted(check_minutes(m) for m in minutes)
    if not values or len(set(values)) != len(values):
        raise Unprocessable(f"minutes must be one or more distinct numbers, got {list(minutes)!r}")
    before = [t.minutes for t in configured_thresholds(session).get(unit_type, ())]
    defaults = {t.minutes: t for t in DEFAULT_THRESHOLDS.get(unit_type, ())}
    new = tuple(defaults.get(t.minutes, t) for t in resolve_thresholds({unit_type: values})[unit_type])
    session.execute(delete(CoverageThreshold).where(CoverageThreshold.unit_type_code == unit_type))
    session.add_all(
        [CoverageThreshold(unit_type_code=unit_type, minutes=t.minutes, label=t.label, source=t.source) for t in new]
    )
    record(
        session,
        actor,
        "coverage_threshold.set",
        "coverage_threshold",
        unit_type,
        before={"minutes": before},
        after={"minutes": values},
    )
    return new


def threshold_items(session: Session, unit_type: str | None = None) -> list[dict[str, object]]:
    """The thresholds of every unit type (or of one) as the API lists them: type, minutes, label, source."""
    return [
        {"unit_type": code, "minutes": t.minutes, "label": t.label, "source": t.source}
        for code, ts in configured_thresholds(session).items()
        if unit_type in (None, code)
        for t in ts
    ]
