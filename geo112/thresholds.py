"""Default coverage thresholds per unit type, with their sources.

A threshold is the largest travel time (minutes, station or unit to road node)
at which a node counts as covered. Thresholds are configuration: the defaults
below are what the standards say, and `resolve_thresholds` lets a deployment
override them per unit type without editing code. See docs/coverage.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

UNIT_TYPES: tuple[str, ...] = (
    "ambulance",
    "fire_truck",
    "rescue",
    "satpol_pp_patrol",
    "police_patrol",
)


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
            "NFPA 1710: ALS unit travel time of 480 s or less for 90% of EMS "
            "incidents (career departments, urban)",
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
            "geo112 project default: BPBD rescue shares posts and the 15-minute "
            "rule with Damkar (" + _FIRE_RULE + ")",
        ),
    ),
    "satpol_pp_patrol": (Threshold(15, "patrol 15 min", _PROJECT_PATROL),),
    "police_patrol": (Threshold(15, "patrol 15 min", _PROJECT_PATROL),),
}


def resolve_thresholds(
    overrides: Mapping[str, Sequence[float]] | None = None,
) -> dict[str, tuple[Threshold, ...]]:
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
        resolved[unit_type] = tuple(
            Threshold(m, f"{unit_type} {m:g} min", "configured override") for m in values
        )
    return {k: tuple(sorted(v, key=lambda t: t.minutes)) for k, v in resolved.items()}
