"""Validation of values that arrive as text (query strings, CLI options, JSON)."""

from __future__ import annotations

import math

from geo112.errors import InvalidInput


def coordinate(value: object, name: str, limit: float) -> float:
    """Parse one coordinate and check it is a finite number within ``[-limit, limit]``.

    Parameters
    ----------
    value
        The raw value (text or number); booleans are refused although Python counts them as numbers.
    name
        ``"lat"`` or ``"lon"``, used in the message.
    limit
        90 for latitude, 180 for longitude.

    Returns
    -------
    float

    Raises
    ------
    InvalidInput
        With a message naming the parameter and the problem.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput(f"{name} is required")
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise InvalidInput(f"{name} must be a number, got {type(value).__name__}")
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"{name} must be a number, got {str(value)[:40]!r}") from None
    if not math.isfinite(number):
        raise InvalidInput(f"{name} must be a finite number, got {str(value)[:40]!r}")
    if not -limit <= number <= limit:
        raise InvalidInput(f"{name} must be within [-{limit:g}, {limit:g}], got {number:g}")
    return number


def lon_lat(lon: object, lat: object) -> tuple[float, float]:
    """Parse a longitude/latitude pair; see :func:`coordinate`."""
    return coordinate(lon, "lon", 180.0), coordinate(lat, "lat", 90.0)
