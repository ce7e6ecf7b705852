"""The admin area: users and their sessions, the configuration, the state of the servers and the audit trail.

The pages show; every change goes through an API operation (the users' are declared here, the
configuration's where they live), and each is recorded in the audit trail by the domain.
"""

from __future__ import annotations

from typing import get_args

import redis
from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import DBAPIError

from geo112.accounts import admin
from geo112.dispatch import configuration, schemas, timers
from geo112.dispatch.units import list_units
from geo112.store import audit, cluster
from geo112.store.db import database_now
from web.api import ADMIN, actor, blueprint
from web.auth import require_role
from web.db import get_session, settings
from web.health import database_state

bp = blueprint("users_api")
pages = Blueprint("admin", __name__, url_prefix="/admin")
#: How many audit events the admin page lists.
AUDIT_ROWS = 100
#: The phases a target may be set for (the timers' and the tickets').
PHASES = tuple(p for literal in get_args(schemas.TargetPhase) for p in get_args(literal))


def _users() -> list[admin.UserOut]:
    session = get_session()
    return admin.list_users(session, database_now(session), current_app.permanent_session_lifetime)


def _out(user: object) -> admin.UserOut:
    return admin.UserOut.model_validate(user)


@bp.operation("get", "/users", roles=ADMIN, response=admin.UserList)
def users() -> admin.UserList:
    """Every user with their role, agency, last login and whether they are logged in now (admin)."""
    return admin.UserList(items=_users())


@bp.operation("post", "/users", roles=ADMIN, response=admin.UserOut, status=201)
def create_user(json: admin.UserCreate) -> tuple[admin.UserOut, int]:
    """Add a user (admin; recorded in the audit trail, without the password)."""
    return _out(admin.add_user(get_session(), actor(), **json.model_dump())), 201


@bp.operation("patch", "/users/<username>", roles=ADMIN, response=admin.UserOut)
def change_user(username: str, json: admin.UserChange) -> admin.UserOut:
    """Change a user's role, agency, name or password, or disable them (admin; a new password or disabling
    ends their sessions)."""
    return _out(admin.change_user(get_session(), username, json, actor()))


@bp.operation("post", "/users/<username>/end-sessions", roles=ADMIN, response=admin.UserOut)
def end_sessions(username: str) -> admin.UserOut:
    """End every session of a user now (admin): their next request asks them to log in."""
    return _out(admin.end_user_sessions(get_session(), username, actor()))


def _redis() -> str:
    try:
        redis.Redis.from_url(settings().redis_url, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
    except redis.RedisError as exc:
        return f"unavailable ({type(exc).__name__})"
    return "ok"


def _replication() -> cluster.Replication | None:
    try:
        return cluster.replication(get_session())
    except DBAPIError:
        get_session().rollback()
        return None


@pages.get("")
@require_role(*ADMIN)
def home() -> ResponseReturnValue:
    """Links, who is logged in, the servers' state and the newest events of the audit trail."""
    who = request.args.get("actor", "").strip()[:100]
    entity = request.args.get("entity", "").strip()[:40]
    return render_template(
        "admin/home.html",
        logged_in=[u for u in _users() if u.logged_in],
        checks={"database": database_state(), "redis": _redis()},
        replication=_replication(),
        events=audit.recent(get_session(), who or None, entity or None, AUDIT_ROWS),
        who=who,
        entity=entity,
    )


@pages.get("/users")
@require_role(*ADMIN)
def users_page() -> ResponseReturnValue:
    """Users: add, change role or agency, reset the password, disable, end sessions."""
    return render_template("admin/users.html", users=_users(), agencies=configuration.list_agencies(get_session()))


@pages.get("/config")
@require_role(*ADMIN)
def config_page() -> ResponseReturnValue:
    """Phase targets and the categories' required units and duplicate rules."""
    session = get_session()
    return render_template(
        "admin/config.html",
        targets=timers.targets(session),
        phases=PHASES,
        matrix=configuration.matrix(session),
        unit_types=configuration.list_unit_types(session),
    )


@pages.get("/places")
@require_role(*ADMIN)
def places_page() -> ResponseReturnValue:
    """Agencies and stations: add one (a station where the map is clicked), rename, change, move."""
    session = get_session()
    return render_template(
        "admin/places.html",
        agencies=configuration.list_agencies(session),
        stations=[schemas.Station.model_validate(s) for s in configuration.list_stations(session, limit=500)[0]],
        kinds=configuration.station_kinds(session),
        precisions=get_args(schemas.Precision),
    )


@pages.get("/units")
@require_role(*ADMIN)
def units_page() -> ResponseReturnValue:
    """Units with their status and station: add one at a station, change its call sign, type or station, put
    it out of service or back in service."""
    session = get_session()
    return render_template(
        "admin/units.html",
        units=list_units(session, limit=500)[0],
        unit_types=configuration.list_unit_types(session),
        stations={s.id: s for s in configuration.list_stations(session, limit=500)[0]},
    )
