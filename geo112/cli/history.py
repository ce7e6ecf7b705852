"""``geo112 history``: the synthetic incident history the demo analyses."""

from __future__ import annotations

from datetime import date, datetime

import click

from geo112 import network
from geo112.analytics.synthetic_history import generate_history
from geo112.cli._context import echo_json, parse_date, settings_of
from geo112.store.db import session_scope

#: The default period: one calendar year, about 1.15 years of the volume the facts imply (docs/analytics.md).
DEFAULT_START, DEFAULT_END = "2025-01-01", "2026-01-01"


@click.group()
def history() -> None:
    """Synthetic incident history (labelled synthetic; real incidents are never touched)."""


@history.command("generate")
@click.option("--n", "n", type=int, default=2000, show_default=True, help="Number of incidents.")
@click.option("--seed", type=int, default=112, show_default=True, help="Seed: the same seed gives the same history.")
@click.option("--start", default=DEFAULT_START, show_default=True, callback=parse_date, help="First day (WIB).")
@click.option("--end", default=DEFAULT_END, show_default=True, callback=parse_date, help="Day after the last (WIB).")
@click.pass_context
def generate(ctx: click.Context, n: int, seed: int, start: date, end: date) -> None:
    """Replace the synthetic history with N incidents drawn from SEED, and print what was written as JSON."""
    settings = settings_of(ctx)
    began = datetime.now()
    roads = network.network_for(settings)
    with session_scope(settings.database_url) as session:
        report = generate_history(session, roads, n, seed, start, end, settings.data_dir)
    echo_json({**report.as_dict(), "seconds": round((datetime.now() - began).total_seconds(), 1)})
