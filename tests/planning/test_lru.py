"""The per-process caches keep at most so many values and, when weighed, so many bytes."""

from __future__ import annotations

import numpy as np
import pytest

from geo112.planning.coverage.cache import Lru


def test_the_least_recently_used_goes_first() -> None:
    cache: Lru[int] = Lru(2)
    for key in "ab":
        cache.get(key, lambda k=key: ord(k))
    cache.get("a", lambda: 0)  # used again: "b" is now the oldest
    cache.get("c", lambda: 3)
    assert "a" in cache and "c" in cache and "b" not in cache


def test_a_byte_budget_evicts_the_oldest_but_keeps_the_newest() -> None:
    cache: Lru[np.ndarray] = Lru(10, 1000, lambda a: a.nbytes)
    for key in range(3):
        cache.get(key, lambda: np.zeros(50))  # 400 bytes each
    assert [k in cache for k in range(3)] == [False, True, True] and cache.nbytes == 800
    cache.get("big", lambda: np.zeros(500))  # 4,000 bytes: alone over the budget, kept alone
    assert "big" in cache and cache.nbytes == 4000 and not any(k in cache for k in range(3))
    cache.clear()
    assert cache.nbytes == 0


def test_a_budget_needs_a_weight() -> None:
    with pytest.raises(ValueError, match="together"):
        Lru(4, 1000)
