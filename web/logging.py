"""Structured logs: one JSON object per line, each request logged with its id, method, path, status, time and
cost (the CPU time of the thread that served it, and how many SQL statements it ran).

Every line written while a request is served carries that request's id (``X-Request-ID``: the client's when
it sends a sane one, else a new one, and always echoed in the answer), so an error answer can be found in
the log. What is logged never holds callers' names or phone numbers: requests are logged by path (no query
string, no body) and a responder link's token, which is a credential, is replaced by ``<token>``: in the
app's request log, in Flask's exception log (:class:`web.App`), and in gunicorn's access and error logs
(:class:`GunicornLogger`, set by ``web/gunicorn_config.py``), whatever the path looks like.

With ``GEO112_SERVER_TIMING`` the cost is also sent back in a ``Server-Timing`` header
(``total;dur=<ms>, cpu;dur=<ms>, sql;desc=<statements>``), which the load test reads per request.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from gunicorn import glogging
from sqlalchemy import event
from sqlalchemy.engine import Engine

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# A responder link is /r/<token>[/status], a caller's location link /l/<token>[/position]: whatever follows
# up to the next separator is the credential, also where a URL carries it URL-encoded (%2Fr%2F<token>).
_TOKEN = re.compile(r"(/[rl]/)[^/\s?#'\"\\]+")
_ENCODED_TOKEN = re.compile(r"(%2F[rl]%2F)[A-Za-z0-9_.\-~]+", re.IGNORECASE)
# A request line's query string (gunicorn's access log and warnings echo it): logged as ``?<query>``, since a
# query may carry what a path must not (the app's own log has paths only).
_QUERY = re.compile(r"(\s/[^\s?]*)\?\S*")
# The loggers whose records the app's own handlers write (the root's handler leaves them out).
_OWN = ("web", "geo112")
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
            "pid": record.process,  # which worker: gunicorn runs several
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            entry["request_id"] = g.request_id
        entry.update({k: v for k, v in record.__dict__.items() if k not in _RESERVED})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def redact(text: str) -> str:
    """``text`` with every link token (``/r/<token>``, ``/l/<token>``, URL-encoded or not) replaced by
    ``<token>`` and every request line's query string by ``<query>``."""
    text = _ENCODED_TOKEN.sub(r"\1<token>", _TOKEN.sub(r"\1<token>", text))
    return _QUERY.sub(r"\1?<query>", text)


def log_path() -> str:
    """The request's path as it may be logged, found route or not: a responder token replaced by ``<token>``."""
    return redact(request.path)


class RedactingFilter(logging.Filter):
    """Formats a record's message once, with responder tokens redacted, before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Redact the record in place; never drops it."""
        record.msg, record.args = redact(record.getMessage()), None
        return True


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with responder tokens redacted from the access and the error log.

    gunicorn writes request lines into both: the access log's ``%(r)s``, and warnings such as "Invalid HTTP
    request line" or "Error handling request" that echo the raw line.
    """

    def setup(self, cfg: Any) -> None:
        """Set gunicorn's handlers up as usual, then filter both logs."""
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(RedactingFilter())


def _thread_died(args: threading.ExceptHookArgs) -> None:
    name = args.thread.name if args.thread is not None else "?"
    exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
    logging.getLogger("geo112").error("thread %s stopped by an exception", name, exc_info=exc_info)  # type: ignore[arg-type]


def _start() -> None:
    sent = request.headers.get("X-Request-ID", "")
    g.request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
    g.request_started = time.perf_counter()
    # The serving thread's own CPU: other threads of the worker (and waiting for the GIL) do not count.
    g.request_cpu_started = time.thread_time()
    g.statements = 0


def _count_statement(*_: object) -> None:
    if has_request_context():
        g.statements = g.get("statements", 0) + 1


def _log_request(response: Response) -> Response:
    response.headers["X-Request-ID"] = g.get("request_id", "")
    started, cpu_started = g.get("request_started"), g.get("request_cpu_started")
    duration_ms = round((time.perf_counter() - started) * 1000, 2) if started is not None else None
    cpu_ms = round((time.thread_time() - cpu_started) * 1000, 2) if cpu_started is not None else None
    statements = g.get("statements", 0)
    current_app.logger.info(
        "request",
        extra={
            "method": request.method,
            "path": log_path(),
            "status": response.status_code,
            "duration_ms": duration_ms,
            "cpu_ms": cpu_ms,
            "statements": statements,
        },
    )
    if current_app.config["GEO112_SERVER_TIMING"]:
        response.headers["Server-Timing"] = f"total;dur={duration_ms}, cpu;dur={cpu_ms}, sql;desc={statements}"
    return response


def init_app(app: Flask) -> None:
    """Log JSON lines to standard error at INFO (the app's and geo112's loggers), and log every request.

    Call it before :func:`web.db.init_app`: Flask runs ``after_request`` handlers last-registered first, so
    the request is logged with the status it really answered, after the commit.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    # The app's log and geo112's (the road network failing to load, a responder route not found) alike.
    for logger in (app.logger, logging.getLogger("geo112")):
        logger.handlers[:] = [handler]
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
    # Everything else that logs (SQLAlchemy's pool, psycopg, a thread that dies) writes JSON lines too, and
    # a thread's uncaught exception is a logged record instead of a traceback on standard error.
    root = logging.getLogger()
    others = logging.StreamHandler(sys.stderr)
    others.setFormatter(JsonFormatter())
    others.addFilter(lambda record: not record.name.startswith(_OWN))
    others.addFilter(RedactingFilter())
    # One such handler, on the standard error of now (an earlier app's is replaced, as the app's own are).
    root.handlers[:] = [h for h in root.handlers if not isinstance(h.formatter, JsonFormatter)] + [others]
    threading.excepthook = _thread_died
    app.before_request(_start)
    app.after_request(_log_request)
    if not event.contains(Engine, "before_cursor_execute", _count_statement):
        event.listen(Engine, "before_cursor_execute", _count_statement)
