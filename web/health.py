"""Probes for the process supervisor and the load balancer.

``/healthz`` answers 200 while the process serves at all (restart it when this fails). ``/readyz`` answers
200 only when the database answers and the routing engine is loaded (loading it on the first probe, so a new
worker is warm before it gets traffic), else 503 naming what is not ready. Neither needs a login; neither
shows more than the name of a failure.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError

from geo112.errors import ServiceUnavailable
from geo112.store.db import ping
from web.db import get_session
from web.fleet import fleet

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """The process is up."""
    return jsonify({"status": "ok"})


def database_state() -> str:
    session = get_session()
    try:
        ping(session)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            return f"unavailable ({type(exc.orig).__name__})"
        # A connection the pool kept from before a database restart is dead, and now discarded: the database
        # itself is asked once more on a new one, so the first probe after it returns says ready.
        session.rollback()
        try:
            ping(session)
        except DBAPIError as again:
            return f"unavailable ({type(again.orig).__name__})"
    return "ok"


def _routing() -> str:
    try:
        fleet()
    except ServiceUnavailable as exc:
        # Public probe: the kind of failure, not the message (which may name files on the server).
        return f"the road network is unavailable ({exc.extra.get('cause', 'error')})"
    return "ok"


@bp.get("/readyz")
def readyz() -> ResponseReturnValue:
    """The database and the routing engine are ready: 200, else 503 with each check's state."""
    checks = {"database": database_state(), "routing": _routing()}
    if all(state == "ok" for state in checks.values()):
        return jsonify({"status": "ready", "checks": checks})
    failing = ", ".join(f"{name}: {state}" for name, state in checks.items() if state != "ok")
    return jsonify({"error": "service_unavailable", "detail": f"not ready: {failing}", "checks": checks}), 503
