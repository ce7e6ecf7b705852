"""Structured logs: one JSON object per line, each request logged with its id, method, path, status and time.

Every line written while a request is served carries that request's id (``X-Request-ID``: the client's when
it sends a sane one, else a new one, and always echoed in the answer), so an error answer can be found in
the log. What is logged never holds callers' names or phone numbers: requests are logged by path (no query
string, no body) and a responder link's token, which is a credential, is replaced by ``<token>``.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, has_request_context, request

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Attributes every record has; any other attribute came in a call's ``extra`` and goes into the line.
_RESERVED = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message, request fields, exception."""

    def format(self, record: logging.LogRecord) -> str:
        """Return the record as a JSON line."""
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def log_path() -> str:
    """The request's path as it may be logged: a responder token replaced by ``<token>``."""
    token = (request.view_args or {}).get("token")
    return request.path.replace(token, "<token>") if isinstance(token, str) and token else request.path


def _start() -> None:
    sent = request.headers.get("X-Request-ID", "")
    g.request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _log_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    started = g.get("request_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 1) if started is not None else None
    current_app.logger.info(
        "request",
        extra={
            "method": request.method,
            "path": log_path(),
            "status": response.status_code,
            "duration_ms": duration_ms,
        },
    )
    return response


def init_app(app: Flask) -> None:
    """Log JSON lines to standard error at INFO, and log every request.

    Call it before :func:`web.db.init_app`: Flask runs ``after_request`` handlers last-registered first, so
    the request is logged with the status it really answered, after the commit.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    app.logger.handlers[:] = [handler]
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)
    app.before_request(_start)
    app.after_request(_log_request)
