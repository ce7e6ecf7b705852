"""Errors of the domain, each with the HTTP status the web layer answers it with."""

from __future__ import annotations

from collections.abc import Iterable


class Geo112Error(Exception):
    """Base of the errors that carry a message meant for the person who sent the input."""

    status = 400
    error = "bad_request"

    def __init__(self, detail: str, **extra: object) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class InvalidInput(Geo112Error):
    """The input is malformed: missing, not a number, out of range."""


def check_choice(name: str, value: str, allowed: Iterable[str]) -> str:
    """Return ``value`` when it is one of ``allowed``, else raise :class:`InvalidInput` naming the choices."""
    choices = list(allowed)
    if value not in choices:
        raise InvalidInput(f"{name} must be one of {', '.join(choices)}, got {value[:40]!r}")
    return value


class Forbidden(Geo112Error):
    status, error = 403, "forbidden"


class NotFound(Geo112Error):
    status, error = 404, "not_found"


class Conflict(Geo112Error):
    status, error = 409, "conflict"


class Gone(Geo112Error):
    status, error = 410, "gone"


class Unprocessable(Geo112Error):
    status, error = 422, "unprocessable"


class NoRoute(Unprocessable):
    """No road path joins two points."""

    error = "no_route"


class ServiceUnavailable(Geo112Error):
    status, error = 503, "service_unavailable"


class TooLarge(Geo112Error):
    """The input is larger than is ever taken (a CAP alert over its limit)."""

    status, error = 413, "request_entity_too_large"
