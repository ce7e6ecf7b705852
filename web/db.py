"""A database session per request, registered on the app (``db.init_app``).

A request's work is committed *before* its answer is final: a success (status < 400) is committed in
``after_request``, so a commit that fails turns into an error answer (503 when the database is unreachable)
instead of a 201 for a row that was never saved. Any answer >= 400 rolls back, so a refused request leaves
nothing half-written.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from geo112.config import Settings
from geo112.region import Region, load_region
from geo112.store.db import session_factory
from web.errors import database_error


def settings() -> Settings:
    """The resolved geo112 settings of the current app."""
    resolved: Settings = current_app.config["GEO112_SETTINGS"]
    return resolved


def region() -> Region:
    """The region pack the current app serves (its settings' ``GEO112_REGION``)."""
    return load_region(settings().region)


def get_session() -> Session:
    """Return the request's session, opening it on first use."""
    if "db_session" not in g:
        g.db_session = session_factory(settings().database_url)()
    session: Session = g.db_session
    return session


def _finish(response: Response) -> Response:
    session: Session | None = g.get("db_session")
    if session is None:
        return response
    if response.status_code >= 400:
        session.rollback()
        return response
    try:
        session.commit()
    except DBAPIError as exc:
        session.rollback()
        return current_app.make_response(database_error(exc))
    return response


def _close_session(exc: BaseException | None) -> None:
    # Whatever ``_finish`` did not commit (an exception escaped the view) is rolled back by closing.
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Commit each request's session before answering when it succeeded, roll it back otherwise.

    Call it after the other ``init_app`` that add ``after_request`` handlers (Flask runs them last-registered
    first), so that an error answer made here still passes through them (security headers, request log).
    """
    app.after_request(_finish)
    app.teardown_request(_close_session)
