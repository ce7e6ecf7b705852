"""The ``geo112 history`` commands: the synthetic incident history the demo analyses.

The main ``geo112`` group registers them and fills ``ctx.obj["settings"]``.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import click

#: The default period: one calendar year, about 1.15 years of the volume the facts imply (docs/analytics.md).
DEFAULT_START, DEFAULT_END = "2025-01-01", "2026-01-01"


def _date(_ctx: click.Context, _param: click.Parameter, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date YYYY-MM-DD, got {value!r}") from None


@click.group()
def history() -> None:
    """Synthetic incident history (labelled synthetic; real incidents are never touched)."""


@history.command("generate")
@click.option("--n", "n", type=int, default=2000, show_default=True, help="Number of incidents.")
@click.option("--seed", type=int, default=112, show_default=True, help="Seed: the same seed gives the same history.")
@click.option("--start", default=DEFAULT_START, show_default=True, callback=_date, help="First day (WIB).")
@click.option("--end", default=DEFAULT_END, show_default=True, callback=_date, help="Day after the last (WIB).")
@click.pass_context
def generate(ctx: click.Context, n: int, seed: int, start: date, end: date) -> None:
    """Replace the synthetic history with N incidents drawn from SEED, and print what was written as JSON."""
    from geo112.store.db import session_scope
    from geo112.analytics.history import generate_history
    from geo112.network import load_engine

    settings = ctx.obj["settings"]
    began = datetime.now()
    engine = load_engine(settings.osm_path, settings.cache_dir)
    with session_scope(settings.database_url) as session:
        report = generate_history(session, engine, n, seed, start, end, settings.data_dir)
    body = {**report.as_dict(), "seconds": round((datetime.now() - began).total_seconds(), 1)}
    click.echo(json.dumps(body, indent=2, ensure_ascii=False))
