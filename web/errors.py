"""JSON errors ``{"error": ..., "detail": ...}`` with the right status, never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from geo112.errors import Geo112Error


def error_response(status: int, error: str, detail: str, **extra: object) -> ResponseReturnValue:
    """Build the JSON error body every endpoint uses."""
    return jsonify({"error": error, "detail": detail, **extra}), status


def _domain(exc: Geo112Error) -> ResponseReturnValue:
    return error_response(exc.status, exc.error, exc.detail, **exc.extra)


def _http(exc: HTTPException) -> ResponseReturnValue:
    name = (exc.name or "error").lower().replace(" ", "_")
    return error_response(exc.code or 500, name, exc.description or name)


def _database(exc: DBAPIError) -> ResponseReturnValue:
    if exc.connection_invalidated or "connection" in str(exc.orig).lower():
        return error_response(503, "service_unavailable", "the database is unavailable; nothing was saved, retry shortly")
    raise exc


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(Geo112Error, _domain)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(DBAPIError, _database)
