"""Query-string parameters: the types the operations' query models are made of (:mod:`web.api`).

Each type checks its raw text the way a person reads the error (a bad one is a 400 naming it, its range and
what was sent) and carries its bounds into the OpenAPI document. The checks raise :class:`InvalidInput`
themselves, which pydantic lets through, so the first bad parameter is the one answered.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo

from geo112.errors import InvalidInput
from geo112.geography.coordinates import LAT_LIMIT, LON_LIMIT, coordinate

#: The longest search text a name search takes.
MAX_SEARCH = 100
#: The longest page of a list.
MAX_PAGE = 500


def _check(parse: Callable[[str, str], Any]) -> BeforeValidator:
    """A validator that hands the raw text and the parameter's name to ``parse``."""

    def validator(raw: Any, info: ValidationInfo) -> Any:
        if isinstance(raw, list) and all(isinstance(part, str) for part in raw):
            raw = ",".join(raw)  # a list-typed parameter arrives as every value given (?units=3,7&units=12)
        return parse(str(info.field_name), raw) if isinstance(raw, str) else raw

    return BeforeValidator(validator)


def _integer(lo: int, hi: int) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise InvalidInput(f"{name} must be an integer, got {raw[:40]!r}") from None
        if not lo <= value <= hi:
            raise InvalidInput(f"{name} must be within [{lo}, {hi}], got {value}")
        return value

    return parse


def _number(lo: float, hi: float) -> Callable[[str, str], float | None]:
    def parse(name: str, raw: str) -> float | None:
        if raw == "":
            return None
        try:
            value = float(raw)
        except ValueError:
            raise InvalidInput(f"{name} must be a number, got {raw[:40]!r}") from None
        if not (math.isfinite(value) and lo <= value <= hi):
            raise InvalidInput(f"{name} must be within [{lo:g}, {hi:g}], got {raw[:40]!r}")
        return value

    return parse


def Integer(lo: int, hi: int) -> Any:  # noqa: N802 (a type, spelled as one)
    """An integer within ``[lo, hi]``."""
    return Annotated[int, _check(_integer(lo, hi)), Field(ge=lo, le=hi)]


def Number(lo: float, hi: float) -> Any:  # noqa: N802
    """A finite number within ``[lo, hi]``; empty is absent."""
    return Annotated[float | None, _check(_number(lo, hi)), Field(ge=lo, le=hi)]


def _flag(name: str, raw: str) -> bool:
    if raw.lower() not in ("true", "false", "1", "0"):
        raise InvalidInput(f"{name} must be true or false, got {raw[:20]!r}")
    return raw.lower() in ("true", "1")


def _ids(name: str, raw: str) -> list[int]:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not parts or not all(part.isdigit() and 0 < int(part) < 2**31 for part in parts):
        raise InvalidInput(f"{name} must be comma-separated positive ids, got {raw[:40]!r}")
    return [int(part) for part in parts]


# Days and times a 112 centre's records can hold: far enough either way for any history, near enough that a
# period computed from them (a day added, weeks taken away) stays a valid date.
YEARS = (1970, 2200)


def _in_years(name: str, year: int) -> None:
    if not YEARS[0] <= year <= YEARS[1]:
        raise InvalidInput(f"{name} must be between the years {YEARS[0]} and {YEARS[1]}, got {year}")


def _day(name: str, raw: str) -> date | None:
    try:
        value = date.fromisoformat(raw) if raw else None
    except ValueError:
        raise InvalidInput(f"{name} must be a date YYYY-MM-DD, got {raw[:40]!r}") from None
    if value is not None:
        _in_years(name, value.year)
    return value


def _time(name: str, raw: str) -> datetime:
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be an ISO 8601 time, got {raw[:40]!r}") from None
    if value.tzinfo is None:
        raise InvalidInput(f"{name} needs a time zone, e.g. 2026-11-27T08:00:00+07:00")
    _in_years(name, value.year)
    return value


def _short(limit: int) -> Callable[[str, str], str | None]:
    def parse(name: str, raw: str) -> str | None:
        text = raw.strip()
        if len(text) > limit:
            raise InvalidInput(f"{name} is longer than {limit} characters")
        return text or None

    return parse


#: ``true``/``false``, ``1``/``0``.
Flag = Annotated[bool, _check(_flag)]
#: Comma-separated positive ids (``3,7,12``).
Ids = Annotated[list[int], _check(_ids), Field(description="comma-separated positive ids, e.g. 3,7,12")]
#: A day, ``YYYY-MM-DD``, in :data:`YEARS`.
Day = Annotated[date | None, _check(_day)]
#: A time with its zone, ISO 8601, in :data:`YEARS`.
Time = Annotated[datetime, _check(_time)]
Phone = Annotated[str | None, _check(_short(40))]


def Search(what: str) -> Any:  # noqa: N802
    """Required search text, 1 to :data:`MAX_SEARCH` characters, trimmed; ``what`` names what it matches."""

    def parse(name: str, raw: str) -> str:
        if not (text := _short(MAX_SEARCH)(name, raw)):
            raise InvalidInput(f"{name} is required: part of {what}")
        return text

    return Annotated[str, _check(parse), Field(min_length=1, max_length=MAX_SEARCH)]


def _coordinate(limit: float) -> Callable[[str, str], float]:
    return lambda name, raw: coordinate(raw, name, limit)


#: A required WGS84 longitude / latitude (checked as the CLI and every other input checks them).
Lon = Annotated[float, _check(_coordinate(LON_LIMIT)), Field(ge=-LON_LIMIT, le=LON_LIMIT)]
Lat = Annotated[float, _check(_coordinate(LAT_LIMIT)), Field(ge=-LAT_LIMIT, le=LAT_LIMIT)]


class Query(BaseModel):
    """A query model: unknown parameters are ignored, as browsers and caches add their own."""

    model_config = ConfigDict(extra="ignore")


class Point(Query):
    """A place, by longitude and latitude."""

    lon: Lon
    lat: Lat


class Page(Query):
    """A page of a list."""

    limit: Integer(1, MAX_PAGE) = 50  # type: ignore[valid-type]
    offset: Integer(0, 10**7) = 0  # type: ignore[valid-type]


def query_error(exc: ValidationError) -> InvalidInput:
    """The 400 of a query parameter pydantic refused (a missing one, or one of a fixed set of words)."""
    first = exc.errors()[0]
    name = ".".join(str(p) for p in first["loc"])
    if first["type"] == "missing":
        return InvalidInput(f"{name} is required")
    if first["type"] == "literal_error":
        return InvalidInput(f"{name} must be one of {first['ctx']['expected']}, got {str(first['input'])[:40]!r}")
    return InvalidInput(f"{name}: {first['msg']}")
