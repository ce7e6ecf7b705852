"""Engine and session factory for the PostGIS database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.orm import Session, make_transient_to_detached, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from geo112.errors import NotFound

T = TypeVar("T")


@lru_cache(maxsize=8)
def get_engine(database_url: str) -> Engine:
    """Return the shared engine for a database URL.

    No ``pool_pre_ping`` (a round trip before every request's first statement): a connection that a
    PostgreSQL restart or a failover closed fails its next statement, that request answers 503, and the
    pool then replaces every connection older than the failure, so the app reconnects by itself
    (tests/reliability/test_db_restart.py). ``hide_parameters`` keeps bound values (callers' names and phone
    numbers) out of error messages and logs.
    """
    return create_engine(database_url, pool_size=10, max_overflow=20, hide_parameters=True)


@lru_cache(maxsize=8)
def session_factory(database_url: str) -> sessionmaker[Session]:
    """Return the session factory bound to the database (one per URL: each sessionmaker makes a Session
    subclass of its own, whose event dispatch costs a little on every session it opens)."""
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
    # FOR UPDATE OF the row's own table: rows joined to it for display (an incident's areas) stay unlocked.
    row = session.get(model, key, with_for_update={"of": model} if lock else None, populate_existing=lock or fresh)
    if row is None:
        raise NotFound(f"no {what} {key[:40]!r}" if isinstance(key, str) else f"no {what} {key}")
    return row


def known(session: Session, model: type[T], **values: Any) -> T:
    """The row of ``model`` with these column values, as a persistent object of the session, without SQL.

    For rows the caller has just read or written with a statement of its own: later attribute reads and
    relationship loads by key find it in the session instead of asking the database again. ``values`` must
    hold the primary key and be what the database holds now; columns not given load on first access.
    """
    mapper = inspect(model)
    key = identity_key(model, tuple(values[c.key] for c in mapper.primary_key))
    held = session.identity_map.get(key)
    if held is not None:
        for name, value in values.items():
            set_committed_value(held, name, value)
        return held
    row = model(**values)
    make_transient_to_detached(row)
    session.add(row)
    return row


def held(session: Session, model: type[Any], key: Any, **values: Any) -> None:
    """Bring an object the session may hold up to what a statement of the caller's own wrote.

    The given column values are set; with none, the object is expired and read again when next used.
    """
    row = session.identity_map.get(identity_key(model, key))
    if row is None:
        return
    if not values:
        session.expire(row)
    for name, value in values.items():
        set_committed_value(row, name, value)


def ping(session: Session) -> None:
    """Ask the database for nothing, to prove it answers (raises the driver's error when it does not)."""
    session.execute(text("SELECT 1"))


def database_now(session: Session) -> datetime:
    """The database's clock (the start of the transaction), which every timestamp of the schema uses."""
    value: datetime | None = session.scalar(select(func.now()))
    assert value is not None
    return value


#: Evaluated in a statement (as one of its columns), lets the transaction's commit return once it is on the
#: primary's disk, not waiting for the replica. For writes that a newer one replaces within seconds (AVL
#: fixes): with synchronous replication (docs/operations.md) every other commit, every call above all, is on
#: two servers before it is answered.
LOCAL_COMMIT = func.set_config("synchronous_commit", "local", True)


class RowView:
    """A row seen with a few more attributes, the values it does not hold itself (a response model reads it
    with ``model_validate``, as it reads the row)."""

    def __init__(self, row: Any, **extra: Any) -> None:
        self._row = row
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._row, name)
