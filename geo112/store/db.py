"""Engine and session factory for the PostGIS database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker


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
