"""Users and roles: who may dispatch, plan or administer, and which of their sessions still count.

A session is valid while the user is active and the session's version equals the user's
``session_version``: logging out, changing the password or disabling the account increments it, which ends
every session of that user at once, on every machine, whatever cookies were copied.

Each process remembers the answers (:class:`SessionUsers`), so a request does not ask the database who its
user is, for as long as the database has said nothing: every change of a user notifies
:data:`~geo112.store.notify.USERS_CHANNEL` (migration 0007) and every process then forgets; the process
that made the change forgets at its commit, before it answers. While a process is not listening (the
database restarting), every request asks the database.
"""

from __future__ import annotations

import re
import threading
from typing import NamedTuple

from sqlalchemy import event, select
from sqlalchemy.orm import Session, object_session
from werkzeug.security import check_password_hash, generate_password_hash

from geo112.errors import Conflict, InvalidInput, NotFound
from geo112.store.models import Agency, User
from geo112.store.notify import USERS_CHANNEL, Listener

ROLES = ("dispatcher", "planner", "admin", "officer")
#: The role scoped to one agency: an agency's officer answers its tickets and sees nothing else.
OFFICER = "officer"
#: The agency whose officer the demo creates (``geo112 users demo``): the body that runs street lights.
DEMO_AGENCY = "dishub"
MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Checked against when the username is unknown, so a login takes as long whether or not the user exists.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def normalize_username(username: str) -> str:
    """The one spelling of a username that logins, limits and storage use: trimmed, lower case."""
    return username.strip().lower()


def _check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    return generate_password_hash(password)


def check_agency(session: Session, role: str, agency: str | None) -> None:
    if (role == OFFICER) != (agency is not None):
        raise InvalidInput("an officer needs an agency (--agency), and only an officer has one")
    if agency is not None and session.get(Agency, agency) is None:
        raise InvalidInput(f"unknown agency {agency!r}")


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    display_name: str | None = None,
    agency: str | None = None,
) -> User:
    """Add a user, hashing the password with scrypt (Werkzeug's current default).

    Raises
    ------
    InvalidInput
        For a malformed username, an unknown role, a short password, or an officer without a known agency
        (``agency``: the agency code an officer works for; other roles have none).
    Conflict
        When the username is taken.
    """
    username = normalize_username(username)
    if not _USERNAME.match(username):
        raise InvalidInput("username must be 2-64 characters of a-z, 0-9, '.', '_' or '-'")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    check_agency(session, role, agency)
    password_hash = _check_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists already")
    user = User(username=username, display_name=display_name or username, password_hash=password_hash, role=role,
                agency_code=agency)  # fmt: skip
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, username: str) -> User:
    """Return the user of a username (any spelling :func:`normalize_username` folds).

    Raises
    ------
    NotFound
    """
    user = session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None:
        raise NotFound(f"no user {username[:64]!r}")
    return user


def end_sessions(user: User) -> None:
    """End every session of the user (logout, new password, disabled account)."""
    user.session_version += 1
    session = object_session(user)
    if session is not None:  # this process forgets at once; the others when notified
        event.listen(session, "after_commit", _forget_everywhere, once=True)


def _forget_everywhere(_: Session) -> None:
    for users in _SESSION_USERS.values():
        users.forget()


def set_password(user: User, password: str) -> None:
    """Give the user a new password and end their sessions.

    Raises
    ------
    InvalidInput
        For a short password.
    """
    user.password_hash = _check_password(password)
    end_sessions(user)


def disable_user(user: User) -> None:
    """Disable the account and end its sessions (the user can no longer log in)."""
    user.active = False
    end_sessions(user)


def ensure_user(session: Session, username: str, password: str, role: str, agency: str | None = None) -> User:
    """Create the user, or give an existing one this password, role and agency (used for the demo users)."""
    user = session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None:
        return create_user(session, username, password, role, agency=agency)
    check_agency(session, role, agency)
    set_password(user, password)
    user.role, user.agency_code, user.active = role, agency, True
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.username == normalize_username(username), User.active))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


class SessionUser(NamedTuple):
    """Who a request is made by: what every request needs of its user, read in one small statement."""

    id: int
    username: str
    display_name: str | None
    role: str
    agency: str | None = None  # an officer's agency


_SESSION_USER = select(User.id, User.username, User.display_name, User.role, User.agency_code)


def session_user(session: Session, user_id: int, version: int | None) -> SessionUser | None:
    """The user a session names, or None when the account is disabled or the session was ended."""
    row = session.execute(_SESSION_USER.where(User.id == user_id, User.active, User.session_version == version)).first()
    return None if row is None else SessionUser(*row)


class SessionUsers:
    """The answers of :func:`session_user` remembered in this process while the database says nothing changed.

    Parameters
    ----------
    database_url
        The database whose :data:`~geo112.store.notify.USERS_CHANNEL` is listened to.
    """

    def __init__(self, database_url: str) -> None:
        self._known: dict[tuple[int, int | None], SessionUser | None] = {}
        self._generation = 0
        self._lock = threading.Lock()
        self.listener = Listener(database_url, USERS_CHANNEL, lambda _: self.forget(), name="users-listener").start()

    def forget(self) -> None:
        """Forget every answer (a user changed)."""
        with self._lock:
            self._known.clear()
            self._generation += 1

    def check(self, session: Session, user_id: int, version: int | None) -> SessionUser | None:
        """:func:`session_user`, from memory when this process heard nothing since it last asked."""
        key = (user_id, version)
        with self._lock:
            generation = self._generation
            if self.listener.connected and key in self._known:
                return self._known[key]
        user = session_user(session, user_id, version)
        with self._lock:
            # Not when a change was heard of meanwhile: the answer may be from before it.
            if self.listener.connected and generation == self._generation:
                self._known[key] = user
        return user


_SESSION_USERS: dict[str, SessionUsers] = {}
_REGISTRY = threading.Lock()


def session_users(database_url: str) -> SessionUsers:
    """This process's :class:`SessionUsers` of a database (its listener starts on first use)."""
    with _REGISTRY:
        if database_url not in _SESSION_USERS:
            _SESSION_USERS[database_url] = SessionUsers(database_url)
        return _SESSION_USERS[database_url]
