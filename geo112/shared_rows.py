"""Unit rows searched once per machine, not once per worker.

Every worker keeps its own table of unit rows (:class:`geo112.network.RoutedFleet`), and a unit's move notifies
them all at once: without sharing, each worker runs the same search. With :class:`SharedRows` the first worker
to claim a unit's row at its new position searches it and leaves the row in Redis for a few seconds; the
others wait for it and copy it in. A row is a pure function of the graph, the rows' bound, the position and
the speed factor, so the key is made of those alone: workers of any app on the same graph share.

Redis is a help, never a need: when it cannot be reached, or the worker that claimed a row stops before
leaving it, a worker searches the row itself (the answer is the same, only the work is done twice).
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

import redis

log = logging.getLogger(__name__)

#: How long a row stays in Redis: the other workers copy it within milliseconds of the notification.
ROW_TTL_S = 10.0
#: How long a claim holds before another worker may search the row itself (the claimer stopped).
CLAIM_S = 60.0
#: How long a waiting worker blocks on a row's signal before it looks at the row's claim again.
BLOCK_MS = 1000
#: After Redis failed, search here without asking it for this long (a connection attempt costs up to 0.5 s).
RETRY_S = 30.0


class Rows(Protocol):
    """Computed rows of units (:class:`routing.UnitRows`)."""

    def row_bytes(self, i: int) -> bytes:
        """Unit ``i``'s row as bytes."""
        ...


class RowTable(Protocol):
    """Where rows are computed and read back (:class:`routing.UnitTable`; only geo112.network imports routing)."""

    limit_s: float

    def compute(self, lons: Any, lats: Any, speed_factors: Sequence[float | None] | None = None) -> Any:
        """Search the rows of units at these positions."""
        ...

    def rows_from_bytes(self, rows: Sequence[bytes], lons: Any, lats: Any) -> Any:
        """Rows from their bytes, for units at these positions."""
        ...


class SharedRows:
    """Rows of units computed by one worker of the machine and copied by the others, through Redis.

    Parameters
    ----------
    url
        The Redis every worker shares (``GEO112_REDIS_URL``).
    fingerprint
        What the graph was compiled from (:attr:`geo112.network.Network.fingerprint`).
    """

    def __init__(self, url: str, fingerprint: tuple[str, str]) -> None:
        # a fleet's first rows are megabytes: room to write them on a busy machine, little to find Redis gone
        self._redis = redis.Redis.from_url(url, socket_timeout=2.0, socket_connect_timeout=0.5)
        self._graph = ":".join(fingerprint)
        #: Units whose rows this process searched itself, and those it copied (for tests and benchmarks).
        self.searched = 0
        self.copied = 0
        self._down_until = 0.0

    def _key(self, kind: str, limit_s: float, lon: float, lat: float, factor: float) -> str:
        digest = hashlib.blake2b(repr((self._graph, limit_s, lon, lat, factor)).encode(), digest_size=16)
        return f"geo112:rows:{kind}:{digest.hexdigest()}"

    def compute(self, table: RowTable, lons: Sequence[float], lats: Sequence[float], factors: Sequence[float]) -> Any:
        """The rows :meth:`routing.UnitTable.compute` gives for these units, each searched once per machine."""
        keys = [(table.limit_s, lon, lat, f) for lon, lat, f in zip(lons, lats, factors, strict=True)]
        if time.monotonic() < self._down_until:
            return self._alone(table, lons, lats, factors)
        rows, claims = [self._key("row", *k) for k in keys], [self._key("claim", *k) for k in keys]
        try:
            found: list[Any] = list(self._redis.mget(rows)) if rows else []
            missing = [i for i, blob in enumerate(found) if blob is None]
            token = uuid.uuid4().hex  # names this call's claims, and the signal its waiters wait for
            won = self._claim([claims[i] for i in missing], token)
            mine = [i for i, ok in zip(missing, won) if ok]
            try:
                self._search(table, lons, lats, factors, mine, found)
            finally:
                self._leave(mine, found, rows, claims, token)
            self._wait([i for i, ok in zip(missing, won) if not ok], found, rows, claims)
        except redis.RedisError as exc:
            log.warning("shared unit rows unavailable for %.0f s, searching in this worker: %s", RETRY_S, exc)
            self._down_until = time.monotonic() + RETRY_S
            return self._alone(table, lons, lats, factors)
        left = [i for i, blob in enumerate(found) if blob is None]  # a claimer that stopped: search them here
        self._search(table, lons, lats, factors, left, found)
        self.copied += len(keys) - len(mine) - len(left)
        return table.rows_from_bytes(found, lons, lats)

    def _alone(self, table: RowTable, lons: Sequence[float], lats: Sequence[float], factors: Sequence[float]) -> Any:
        """Every row searched here, Redis left alone."""
        self.searched += len(lons)
        return table.compute(lons, lats, factors)

    def _claim(self, claims: list[str], token: str) -> list[bool]:
        pipe = self._redis.pipeline(transaction=False)
        for claim in claims:
            pipe.set(claim, token, nx=True, px=int(CLAIM_S * 1000))
        return [bool(ok) for ok in pipe.execute()] if claims else []

    def _search(
        self,
        table: RowTable,
        lons: Sequence[float],
        lats: Sequence[float],
        factors: Sequence[float],
        which: list[int],
        found: list[Any],
    ) -> None:
        """Search the rows of units ``which`` here, into ``found``."""
        if not which:
            return
        searched = table.compute([lons[i] for i in which], [lats[i] for i in which], [factors[i] for i in which])
        self.searched += len(which)
        for j, i in enumerate(which):
            found[i] = searched.row_bytes(j)

    def _leave(self, which: list[int], found: list[Any], rows: list[str], claims: list[str], token: str) -> None:
        """Leave the rows this worker claimed for the others, release the claims and signal the waiting workers
        (also for rows it failed to search: the others must not wait for rows that will not come; they search
        them themselves)."""
        if not which:
            return
        pipe = self._redis.pipeline(transaction=False)
        for i in which:
            if found[i] is not None:
                pipe.set(rows[i], found[i], px=int(ROW_TTL_S * 1000))
            pipe.delete(claims[i])
        pipe.xadd(_signal(token), {"left": len(which)})
        pipe.pexpire(_signal(token), int(ROW_TTL_S * 1000))
        pipe.execute()

    def _wait(self, which: list[int], found: list[Any], rows: list[str], claims: list[str]) -> None:
        """Wait for the rows other workers claimed, while their claims hold.

        Blocked on the signal of each row's claimer (a stream it adds to when it leaves its rows, read by every
        waiting worker, and there already for one that comes late), not polling: a worker that polled every
        2 ms spent a third of its listener's CPU waiting.
        """
        for i in which:
            while True:
                # the claim before the row: a claimer leaves a row before it releases its claim
                pipe = self._redis.pipeline(transaction=False)
                pipe.get(claims[i])
                pipe.get(rows[i])
                token, found[i] = pipe.execute()
                # a row missing after its claim was gone: its claimer stopped, or the row expired; searched here
                if found[i] is not None or token is None:
                    break
                self._redis.xread({_signal(token.decode()): "0"}, count=1, block=BLOCK_MS)


def _signal(token: str) -> str:
    """The stream a claimer adds to when it leaves the rows it claimed with ``token``."""
    return f"geo112:rows:left:{token}"
