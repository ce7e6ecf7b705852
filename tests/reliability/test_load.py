"""A short run of the load test (benchmarks/load_test.py): no error and no unit assigned twice.

Timings are reported by the benchmark (docs/performance.md), not asserted here.
"""

from __future__ import annotations

from benchmarks.load_test import run

from .conftest import DISPATCHERS


def test_many_dispatchers_and_avl_under_gunicorn_make_no_error_and_no_double_assignment(
    served: str, served_database: str
) -> None:
    result = run(served, served_database, DISPATCHERS, seconds=12, avl_period=2)
    assert result["errors"] == []
    assert result["double_assignments"] == 0 and result["double_dispatches_in_database"] == 0
    # The run did what it is for: incidents, recommendations, assignments (and lost races), AVL.
    counts = {name: s["count"] for name, s in result["latency_ms"].items()}
    assert min(counts[n] for n in ("create", "recommend", "assign", "avl", "stand_down", "close")) > 0
    assert result["assigned"] > 10
