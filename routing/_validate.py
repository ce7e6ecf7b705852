"""Checks on the values routing is given."""

from __future__ import annotations

import math

from ._errors import SpeedFactorError


def speed_factor(factor: float | None) -> float:
    """Return a unit's speed factor as a float: 1.0 for None, else a positive finite number.

    Why: the factor divides travel times; zero, a negative or an infinite factor would give meaningless ETAs.

    Parameters
    ----------
    factor
        Speeds are multiplied (times divided) by it; the unit types' factors live in the caller's data.

    Returns
    -------
    float

    Raises
    ------
    SpeedFactorError
        For a factor that is not a positive finite number.
    """
    if factor is None:
        return 1.0
    value = float(factor)
    if not (math.isfinite(value) and value > 0):
        raise SpeedFactorError(f"speed factor must be a positive finite number, got {factor!r}")
    return value
