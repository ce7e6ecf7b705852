"""WGS84 coordinates as they arrive (query strings, CLI options, JSON): the one place they are checked.

The request schemas (:mod:`geo112.dispatch.schemas`) take their bounds from here too.
"""

from __future__ import annotations

import math

from geo112.errors import InvalidInput

LON_LIMIT = 180.0
LAT_LIMIT = 90.0


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


def parse_lon_lat(lon: object, lat: object) -> tuple[float, float]:
    """Parse a longitude/latitude pair; see :func:`coordinate`."""
    return coordinate(lon, "lon", LON_LIMIT), coordinate(lat, "lat", LAT_LIMIT)


def parse_lat_lon_text(text: str) -> tuple[float, float]:
    """Parse ``"LAT,LON"`` (the order maps and phones show, e.g. ``"-7.4722, 112.4336"``) into ``(lon, lat)``.

    Raises
    ------
    InvalidInput
        When it is not two numbers separated by a comma, or one is out of range.
    """
    parts = text.split(",")
    if len(parts) != 2:
        raise InvalidInput(f"expected LAT,LON, e.g. -7.47,112.43; got {text[:40]!r}")
    lat, lon = parts
    return parse_lon_lat(lon, lat)
