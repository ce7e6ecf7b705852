"""The per-process caches of coverage results, keyed by fingerprints of what each result depends on."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Lru(Generic[V]):
    """A small thread-safe least-recently-used cache.

    Parameters
    ----------
    size
        How many values it keeps; the least recently used goes first.
    max_bytes, weigh
        At most this many bytes of values, as ``weigh`` counts a value's (the newest is kept whatever it
        weighs): a coverage over a province's million nodes weighs what a thousand over a regency do.
    """

    def __init__(self, size: int, max_bytes: int | None = None, weigh: Callable[[V], int] | None = None) -> None:
        if (max_bytes is None) != (weigh is None):
            raise ValueError("max_bytes and weigh go together")
        self.size = size
        self.max_bytes = max_bytes
        self._weigh = weigh
        self._items: OrderedDict[Hashable, V] = OrderedDict()
        self._bytes: dict[Hashable, int] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], V]) -> V:
        """The value of ``key``, made (outside the lock, so a slow make blocks no other key) when missing."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            self._bytes[key] = self._weigh(value) if self._weigh else 0
            while len(self._items) > self.size or (len(self._items) > 1 and self._over_budget()):
                self._bytes.pop(self._items.popitem(last=False)[0])
        return value

    def _over_budget(self) -> bool:
        return self.max_bytes is not None and sum(self._bytes.values()) > self.max_bytes

    @property
    def nbytes(self) -> int:
        """Bytes of the values kept, as ``weigh`` counts them (0 without)."""
        with self._lock:
            return sum(self._bytes.values())

    def __contains__(self, key: Hashable) -> bool:
        """Whether ``key`` holds a value (its recency unchanged)."""
        with self._lock:
            return key in self._items

    def clear(self) -> None:
        """Forget every value (a benchmark measures the cost of a cold cache with it)."""
        with self._lock:
            self._items.clear()
            self._bytes.clear()
