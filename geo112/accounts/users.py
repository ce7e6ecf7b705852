"""Users and roles: who may dispatch, plan or administer."""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from geo112.errors import Conflict, InvalidInput
from geo112.store.models import User

ROLES = ("dispatcher", "planner", "admin")
MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
# Checked against when the username is unknown, so a login takes as long whether or not the user exists.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def create_user(session: Session, username: str, password: str, role: str, display_name: str | None = None) -> User:
    """Add a user, hashing the password with scrypt (Werkzeug's current default).

    Raises
    ------
    InvalidInput
        For a malformed username, an unknown role or a short password.
    Conflict
        When the username is taken.
    """
    username = username.strip().lower()
    if not _USERNAME.match(username):
        raise InvalidInput("username must be 2-64 characters of a-z, 0-9, '.', '_' or '-'")
    if role not in ROLES:
        raise InvalidInput(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username!r} exists already")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=generate_password_hash(password),
        role=role,
    )
    session.add(user)
    session.flush()
    return user


def ensure_user(session: Session, username: str, password: str, role: str) -> User:
    """Create the user, or give an existing one this password and role (used for the demo users)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        return create_user(session, username, password, role)
    user.password_hash, user.role, user.active = generate_password_hash(password), role, True
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = session.scalar(select(User).where(User.username == username.strip().lower(), User.active))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def active_user(session: Session, user_id: int) -> User | None:
    """The user with this id, or None when there is none or the account is disabled."""
    user = session.get(User, user_id)
    return user if user is not None and user.active else None
