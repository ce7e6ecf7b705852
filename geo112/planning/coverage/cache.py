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
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, V] = OrderedDict()
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
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def __contains__(self, key: Hashable) -> bool:
        """Whether ``key`` holds a value (its recency unchanged)."""
        with self._lock:
            return key in self._items

    def clear(self) -> None:
        """Forget every value (a benchmark measures the cost of a cold cache with it)."""
        with self._lock:
            self._items.clear()
