"""What an administrator changes about users, each change in the audit trail, and who is logged in now.

Sessions are signed cookies, not rows: who is logged in is read from the audit trail, where every login
(``user.login``) and every end of a user's sessions (logout, new password, disabled account, sessions ended
by an admin) is recorded. A user counts as logged in while their last login is newer than the last end of
their sessions and younger than the session lifetime.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo112.accounts import users
from geo112.errors import InvalidInput
from geo112.store import audit
from geo112.store.models import Event, User

Role = Literal["dispatcher", "planner", "admin", "officer"]
#: The audit actions that end every session of a user (:func:`geo112.accounts.users.end_sessions`).
SESSION_ENDS = ("user.logout", "user.password", "user.disabled", "user.sessions_ended")
LOGIN = "user.login"
_FIELDS = ("username", "display_name", "role", "agency_code", "active")


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UserCreate(_Request):
    """A new user; an officer needs the agency they work for, other roles have none."""

    username: Annotated[str, Field(min_length=2, max_length=64)]
    password: Annotated[str, Field(min_length=users.MIN_PASSWORD_LENGTH, max_length=1000)]
    role: Role
    display_name: Annotated[str, Field(max_length=200)] | None = None
    agency: Annotated[str, Field(max_length=30)] | None = None


class UserChange(_Request):
    """Changes to a user; omitted fields stay. A new password or ``active: false`` ends their sessions."""

    role: Role | None = None
    agency: Annotated[str, Field(max_length=30)] | None = None
    display_name: Annotated[str, Field(min_length=1, max_length=200)] | None = None
    active: bool | None = None
    password: Annotated[str, Field(min_length=users.MIN_PASSWORD_LENGTH, max_length=1000)] | None = None


class UserOut(BaseModel):
    """A user as an admin sees them (never the password's hash)."""

    model_config = ConfigDict(from_attributes=True)

    username: str
    display_name: str
    role: str
    agency_code: str | None
    active: bool
    created_at: datetime
    last_login: datetime | None = None
    logged_in: bool = False


class UserList(BaseModel):
    """Every user, by username."""

    items: list[UserOut]


def _state(user: User) -> dict[str, Any]:
    return audit.snapshot(user, _FIELDS)


def add_user(
    session: Session,
    actor: str,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    agency: str | None = None,
) -> User:
    """Add a user (``user.created``; the password is not recorded).

    Raises
    ------
    InvalidInput, Conflict
        As :func:`geo112.accounts.users.create_user`.
    """
    user = users.create_user(session, username, password, role, display_name, agency)
    audit.record(session, actor, "user.created", "app_user", user.id, None, _state(user))
    return user


def new_password(session: Session, user: User, password: str, actor: str) -> None:
    """Give the user a new password, ending their sessions (``user.password``; the password is not recorded).

    Raises
    ------
    InvalidInput
        For a short password.
    """
    users.set_password(user, password)
    audit.record(session, actor, "user.password", "app_user", user.id)


def disable(session: Session, user: User, actor: str) -> None:
    """Disable the account, ending its sessions (``user.disabled``)."""
    before = _state(user)
    users.disable_user(user)
    audit.record(session, actor, "user.disabled", "app_user", user.id, before, _state(user))


def change_user(session: Session, username: str, data: UserChange, actor: str) -> User:
    """Change a user's role, agency, name, password or whether they may log in; one event per kind of change.

    Raises
    ------
    NotFound
        For an unknown username.
    InvalidInput
        For an officer without a known agency, another role with one, or a short password.
    """
    user = users.get_user(session, username)
    if actor == user.username and (data.active is False or (data.role not in (None, "admin"))):
        raise InvalidInput("an admin cannot disable or demote themselves; ask another admin")
    before = _state(user)
    fields = data.model_fields_set
    if fields & {"role", "agency"}:
        role = data.role or user.role
        agency = data.agency if "agency" in fields else (user.agency_code if role == users.OFFICER else None)
        users.check_agency(session, role, agency)
        user.role, user.agency_code = role, agency
    if data.display_name is not None:
        user.display_name = data.display_name
    if data.active is not None and data.active != user.active:
        if data.active:
            user.active = True
        else:
            users.disable_user(user)
    session.flush()
    if _state(user) != before:
        action = "user.disabled" if data.active is False and before["active"] else "user.updated"
        audit.record(session, actor, action, "app_user", user.id, before, _state(user))
    if data.password is not None:
        new_password(session, user, data.password, actor)
    return user


def end_user_sessions(session: Session, username: str, actor: str) -> User:
    """End every session of a user now (``user.sessions_ended``): their next request asks for a login."""
    user = users.get_user(session, username)
    users.end_sessions(user)
    audit.record(session, actor, "user.sessions_ended", "app_user", user.id)
    return user


def _latest(session: Session, actions: tuple[str, ...]) -> dict[str, datetime]:
    """The time of each user's newest event among ``actions``, by user id (as the event names it)."""
    rows = session.execute(
        select(Event.entity_id, func.max(Event.at))
        .where(Event.entity == "app_user", Event.action.in_(actions))
        .group_by(Event.entity_id)
    )
    return {entity_id: at for entity_id, at in rows}


def list_users(session: Session, now: datetime, lifetime: timedelta) -> list[UserOut]:
    """Every user with their last login and whether a session of theirs may still run (see the module)."""
    logins, ends = _latest(session, (LOGIN,)), _latest(session, SESSION_ENDS)
    out = []
    for user in session.scalars(select(User).order_by(User.username)):
        login, end = logins.get(str(user.id)), ends.get(str(user.id))
        live = login is not None and user.active and now - login < lifetime and (end is None or end < login)
        out.append(UserOut.model_validate(user).model_copy(update={"last_login": login, "logged_in": live}))
    return out


def record_login(session: Session, user: User) -> None:
    """Record a login (``user.login``), so the admin page knows who is logged in."""
    audit.record(session, user.username, LOGIN, "app_user", user.id)


def record_logout(session: Session, user: User) -> None:
    """Record a logout (``user.logout``), which ends every session of the user."""
    audit.record(session, user.username, "user.logout", "app_user", user.id)
