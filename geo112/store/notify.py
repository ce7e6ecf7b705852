"""PostgreSQL ``LISTEN``/``NOTIFY``: a daemon thread that runs a callback whenever a channel is notified.

Why: work that follows a committed change (recomputing a unit's travel-time row after an AVL fix) belongs
off the request path, what a process remembers (which sessions are valid) must be forgotten when the
database changes, and every worker process must hear of changes made by the others. Triggers notify
(migration 0007); each process listens on one connection of its own, outside the pool.

Notifications are lost while the listener is disconnected (a restart, a failover), so the callback also runs
after every (re)connection, and after ``idle_s`` without any notification as a safety net: then with None
instead of the payloads, for "catch up on everything".
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from psycopg import sql

from geo112.config import name_os_thread
from geo112.store.db import get_engine

#: Channel notified when a unit's position, type or speed changes (migration 0007).
FLEET_CHANNEL = "geo112_fleet"
#: Channel notified when a user changes: a session ended, a new password, a disabled account (migration 0007).
USERS_CHANNEL = "geo112_users"
#: Wait this long before reconnecting after a failure, doubling up to :data:`MAX_BACKOFF_S`.
BACKOFF_S = 0.5
MAX_BACKOFF_S = 10.0

log = logging.getLogger(__name__)


class Listener:
    """Call ``callback`` after notifications on ``channel``, in a daemon thread with its own connection.

    Parameters
    ----------
    database_url
        The database (SQLAlchemy URL; the connection is made as the pool would make it).
    channel
        The channel to ``LISTEN`` on.
    callback
        Called with the set of payloads of each batch of notifications, and with None after each
        (re)connection and after ``idle_s`` of silence; it must not raise (an exception is logged and the
        listener goes on).
    idle_s
        Seconds of silence after which the callback runs anyway.
    name
        The thread's name, for logs.
    """

    def __init__(
        self,
        database_url: str,
        channel: str,
        callback: Callable[[set[str] | None], Any],
        idle_s: float = 60.0,
        name: str = "",
    ) -> None:
        self._engine = get_engine(database_url)
        self._channel = channel
        self._callback = callback
        self._idle_s = idle_s
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._connection: Any = None
        self._thread = threading.Thread(target=self._run, name=name or f"listen-{channel}", daemon=True)

    @property
    def connected(self) -> bool:
        """True while listening and caught up: the callback ran since the last (re)connection."""
        return self._connected.is_set()

    def start(self) -> Listener:
        """Start the thread; returns self."""
        self._thread.start()
        return self

    def wait_connected(self, timeout: float) -> bool:
        """Wait until :attr:`connected` (True) or the timeout (False)."""
        return self._connected.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening and wait for the thread to end."""
        self._stop.set()
        if self._connection is not None:
            # Wakes the thread from its wait; closing a broken connection may fail, the thread ends anyway.
            with contextlib.suppress(Exception):
                self._connection.close()
        self._thread.join(timeout)

    def _run(self) -> None:
        name_os_thread()
        backoff = BACKOFF_S
        while not self._stop.is_set():
            try:
                self._listen()
                backoff = BACKOFF_S
            except Exception as exc:  # any failure: reconnect, the callback catches up then
                if self._stop.is_set():
                    return
                log.warning("listener on %s lost (%s: %s); reconnecting in %.1f s", self._channel,
                            type(exc).__name__, exc, backoff)  # fmt: skip
            finally:
                self._connected.clear()
                self._connection = None
            self._stop.wait(backoff)
            backoff = min(2 * backoff, MAX_BACKOFF_S)

    def _listen(self) -> None:
        # A raw driver connection made like the pool's (same URL, hosts, options), kept outside the pool.
        with self._engine.raw_connection() as pooled:
            connection = pooled.driver_connection
            assert connection is not None
            pooled.detach()
            self._connection = connection
            connection.autocommit = True
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self._channel)))
            self._run_callback(None)  # what changed before LISTEN took effect
            self._connected.set()
            while not self._stop.is_set():
                # Whatever arrived with the first notification (one packet) is one batch; silence is None.
                payloads = {n.payload for n in connection.notifies(timeout=self._idle_s, stop_after=1)}
                if not self._stop.is_set():
                    self._run_callback(payloads or None)

    def _run_callback(self, payloads: set[str] | None) -> None:
        try:
            self._callback(payloads)
        except Exception:
            log.exception("listener callback for %s failed", self._channel)
