"""Engine and session factory for the PostGIS database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from geo112.errors import NotFound

T = TypeVar("T")


@lru_cache(maxsize=8)
def get_engine(database_url: str) -> Engine:
    """Return the shared engine for a database URL.

    ``pool_pre_ping`` lets the pool notice connections that a PostgreSQL restart closed and replace them,
    so the app reconnects by itself. ``hide_parameters`` keeps bound values (callers' names and phone
    numbers) out of error messages and logs.
    """
    return create_engine(database_url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)


def session_factory(database_url: str) -> sessionmaker[Session]:
    """Return a session factory bound to the database."""
    return sessionmaker(get_engine(database_url), expire_on_commit=False)


@contextmanager
def session_scope(database_url: str) -> Iterator[Session]:
    """Open a session that commits on success and rolls back on error."""
    with session_factory(database_url).begin() as session:
        yield session


def get_or_not_found(
    session: Session, model: type[T], key: Any, what: str, lock: bool = False, fresh: bool = False
) -> T:
    """Return the row of ``model`` with primary key ``key``.

    Parameters
    ----------
    session
        Session on the database.
    model, key
        The table and the key of the row.
    what
        What the row is, for the message (``"unit type"``).
    lock
        Lock the row until the transaction ends (``SELECT ... FOR UPDATE``); implies ``fresh``.
    fresh
        Read the row again even if the session holds it (another transaction may have changed it).

    Raises
    ------
    NotFound
        (404) Naming what was not found.
    """
    row = session.get(model, key, with_for_update=lock, populate_existing=lock or fresh)
    if row is None:
        raise NotFound(f"no {what} {key[:40]!r}" if isinstance(key, str) else f"no {what} {key}")
    return row


def ping(session: Session) -> None:
    """Ask the database for nothing, to prove it answers (raises the driver's error when it does not)."""
    session.execute(text("SELECT 1"))


def database_now(session: Session) -> datetime:
    """The database's clock (the start of the transaction), which every timestamp of the schema uses."""
    value: datetime | None = session.scalar(select(func.now()))
    assert value is not None
    return value


def without_replica_wait(session: Session) -> None:
    """Let this transaction's commit return once it is on the primary's disk, not waiting for the replica.

    For writes that a newer one replaces within seconds (AVL fixes): with synchronous replication
    (docs/operations.md) every other commit, every call above all, is on two servers before it is answered.
    """
    session.execute(text("SET LOCAL synchronous_commit TO local"))
