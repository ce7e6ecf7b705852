"""Query-string parameters, parsed and range-checked in one place (a bad one is a 400 naming it)."""

from __future__ import annotations

import math
from typing import overload

from flask import request

from geo112.errors import InvalidInput

#: The longest search text a name search takes.
MAX_SEARCH = 100


def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    """Read an integer query parameter within ``[lo, hi]``."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be an integer, got {raw[:40]!r}") from None
    if not lo <= value <= hi:
        raise InvalidInput(f"{name} must be within [{lo}, {hi}], got {value}")
    return value


def search_arg(what: str) -> str:
    """Read the required search text ``?q=`` (1 to :data:`MAX_SEARCH` characters, trimmed); ``what`` names
    what it matches, for the error."""
    query = request.args.get("q", "").strip()
    if not query:
        raise InvalidInput(f"q is required: part of {what}")
    if len(query) > MAX_SEARCH:
        raise InvalidInput(f"q is longer than {MAX_SEARCH} characters")
    return query


def ids_arg(name: str) -> list[int]:
    """Read a required comma-separated list of positive ids (``?units=3,7,12``)."""
    raw = request.args.get(name, "")
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts or not all(part.isdigit() and 0 < int(part) < 2**31 for part in parts):
        raise InvalidInput(f"{name} must be comma-separated positive ids, got {raw[:40]!r}")
    return [int(part) for part in parts]


@overload
def float_arg(name: str, default: float, lo: float, hi: float) -> float: ...
@overload
def float_arg(name: str, default: None, lo: float, hi: float) -> float | None: ...
def float_arg(name: str, default: float | None, lo: float, hi: float) -> float | None:
    """Read a finite number query parameter within ``[lo, hi]``; absent or empty gives ``default``."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a number, got {raw[:40]!r}") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        raise InvalidInput(f"{name} must be within [{lo:g}, {hi:g}], got {raw[:40]!r}")
    return value


def flag_arg(name: str) -> bool | None:
    """Read an optional boolean query parameter (``true``/``false``, ``1``/``0``)."""
    raw = request.args.get(name)
    if raw is None:
        return None
    if raw.lower() not in ("true", "false", "1", "0"):
        raise InvalidInput(f"{name} must be true or false, got {raw[:20]!r}")
    return raw.lower() in ("true", "1")
