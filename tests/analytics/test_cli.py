"""`geo112 history generate` on the test database: same defaults as the fixture, same history; real rows kept."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import func, select

from geo112.cli import main
from geo112.store.db import session_factory
from geo112.store.models import Incident
from tests.analytics.conftest import SEED, N


def _counts(url: str) -> tuple[int, int, list]:
    with session_factory(url)() as session:
        real = session.scalar(select(func.count()).where(~Incident.synthetic))
        synthetic = session.execute(
            select(Incident.category_code, Incident.desa_code, Incident.received_at)
            .where(Incident.synthetic)
            .order_by(Incident.received_at, Incident.desa_code)
        ).all()
    return real, len(synthetic), synthetic


def test_generate_replaces_the_history_with_the_same_one(history, settings) -> None:
    real, _, before = _counts(settings.database_url)
    args = ["--database-url", settings.database_url, "--cache-dir", str(settings.cache_dir), "history", "generate"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert (report["n"], report["seed"], report["replaced"]) == (N, SEED, N)
    assert _counts(settings.database_url) == (real, N, before)
    refused = CliRunner().invoke(main, [*args, "--start", "2025-02-30"])
    assert refused.exit_code == 2 and "expected a date" in refused.output
