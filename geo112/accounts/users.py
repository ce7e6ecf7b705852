"""Users and roles: who may dispatch, plan or administer, and which of their sessions still count.

A session is valid while the user is active and the session's version equals the user's
``session_version``: logging out, changing the password or disabling the account increments it, which ends
every session of that user at once, on every machine, whatever cookies were copied.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from geo112.errors import Conflict, InvalidInput, NotFound
from geo112.store.models import User

ROLES = ("dispatcher", "planner", "admin")
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


def create_user(session: Session, username: str, password: str, role: str, display_name: str | None = None) -> User:
    """Add a user, hashing the password with scrypt (Werkzeug's current default).

    Raises
    ------
    InvalidInput
        For a malformed username, an unknown role or a short password.
    Conflict
        When the username is taken.
    """
    username = normalize_username(username)
    if not _USERNAME.match(username):
        raise InvalidInput("username must be 2-64 characters of a-z, 0-9, '.', '_' or '-'")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    password_hash = _check_password(password)
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists already")
    user = User(username=username, display_name=display_name or username, password_hash=password_hash, role=role)
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


def ensure_user(session: Session, username: str, password: str, role: str) -> User:
    """Create the user, or give an existing one this password and role (used for the demo users)."""
    user = session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None:
        return create_user(session, username, password, role)
    set_password(user, password)
    user.role, user.active = role, True
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.username == normalize_username(username), User.active))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def session_user(session: Session, user_id: int, version: int | None) -> User | None:
    """The user a session names, or None when the account is disabled or the session was ended."""
    user = session.get(User, user_id)
    if user is None or not user.active or version != user.session_version:
        return None
    return user
