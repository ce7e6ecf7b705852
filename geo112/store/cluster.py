"""The state of the database server as it reports it itself: primary or replica, and its streaming replicas.

The app knows no Patroni address (its cluster is run by ``scripts/ha.py`` or the operator): what it sees is
the replication of the server it is connected to, which is what a failover changes.
"""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import text
from sqlalchemy.orm import Session


class Replica(NamedTuple):
    """A standby streaming from this server."""

    name: str
    state: str
    sync_state: str


class Replication(NamedTuple):
    """Whether this server is a replica, and the standbys streaming from it."""

    in_recovery: bool
    replicas: list[Replica]


def replication(session: Session) -> Replication:
    """Read ``pg_is_in_recovery()`` and ``pg_stat_replication`` of the connected server."""
    in_recovery = bool(session.scalar(text("SELECT pg_is_in_recovery()")))
    rows = session.execute(text("SELECT application_name, state, sync_state FROM pg_stat_replication ORDER BY 1"))
    return Replication(in_recovery, [Replica(*row) for row in rows])
