"""JSON errors ``{"error": ..., "detail": ...}`` with the right status, never a stack trace nor SQL; a person's
browser asking for a page gets the same as a page in their language instead."""

from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from geo112.errors import Geo112Error

#: Statuses with a page of their own; any other says so in general words.
_PAGES = (403, 404, 405, 500, 503)


def _for_a_person() -> bool:
    # A browser that asks for a page (its first choice is HTML), not an API client, the API or a link's JSON.
    return request.accept_mimetypes.best == "text/html" and not request.path.startswith("/api/")


def error_response(status: int, error: str, detail: str, /, **extra: object) -> ResponseReturnValue:
    """Build the JSON error body every endpoint uses, or the error page a person's browser asked for.

    The first three are positional only: a domain error's extras may hold a ``status`` of their own (a ticket's).
    """
    if _for_a_person():
        which = status if status in _PAGES else "other"
        page = render_template("error.html", status=status, title=f"error_title_{which}",
                               explain=f"error_explain_{which}", request_id=g.get("request_id"))  # fmt: skip
        return page, status
    return jsonify({"error": error, "detail": detail, **extra}), status


def _domain(exc: Geo112Error) -> ResponseReturnValue:
    return error_response(exc.status, exc.error, exc.detail, **exc.extra)


def _http(exc: HTTPException) -> ResponseReturnValue:
    name = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, name, exc.description or name)


def _internal(exc: InternalServerError) -> ResponseReturnValue:
    # The cause is in the log already, once, with the request id (Flask logs it through web.App.log_exception
    # before this handler runs); the answer says only that it failed.
    return error_response(500, "internal_server_error", "the server failed; nothing was saved")


def database_error(exc: DBAPIError) -> ResponseReturnValue:
    """Answer a database failure: 503 when the database is unreachable, 400 for a value it cannot store.

    Any other database error is re-raised and answered as a 500, whose body names neither the SQL nor
    the values.
    """
    # The log names the error's class only: its message may quote values (hide_parameters covers SQLAlchemy's).
    current_app.logger.warning("database error: %s", type(exc.orig).__name__)
    if isinstance(exc, OperationalError) or exc.connection_invalidated or "connection" in str(exc.orig).lower():
        return error_response(
            503, "service_unavailable", "the database is unavailable; nothing was saved, retry shortly"
        )
    if isinstance(exc, DataError):  # e.g. a NUL character, which PostgreSQL text cannot hold
        return error_response(
            400, "bad_request", "a value is out of range or holds characters the database cannot hold"
        )
    raise exc


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(Geo112Error, _domain)
    app.register_error_handler(InternalServerError, _internal)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(DBAPIError, database_error)
