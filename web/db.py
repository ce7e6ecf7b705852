"""A database session per request, registered on the app (``db.init_app``)."""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from sqlalchemy.orm import Session

from geo112.config import Settings
from geo112.db import session_factory


def settings() -> Settings:
    """The resolved geo112 settings of the current app."""
    return current_app.config["GEO112_SETTINGS"]


def get_session() -> Session:
    """Return the request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = session_factory(settings().database_url)()
    return g.db_session


def _close_session(exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return
    try:
        if exc is None and session.is_active:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def _rollback_refusals(response: Response) -> Response:
    # An error handler turns a refusal into a 4xx response, so teardown sees no exception: roll back here,
    # so that a refused request leaves nothing half-written.
    session: Session | None = g.get("db_session")
    if session is not None and response.status_code >= 400:
        session.rollback()
    return response


def init_app(app: Flask) -> None:
    """Commit each request's session when it succeeded, roll it back otherwise."""
    app.after_request(_rollback_refusals)
    app.teardown_request(_close_session)
