"""``geo112 report``: the planners' evaluation report of a period, as a PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from geo112 import network
from geo112.analytics.report import Period, report_pdf
from geo112.cli._context import parse_date, settings_of
from geo112.store.db import session_scope


@click.command("report")
@click.option("--from", "first", required=True, callback=parse_date, help="First day of the period (WIB), YYYY-MM-DD.")
@click.option("--to", "last", required=True, callback=parse_date, help="Last day of the period (WIB), included.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("geo112-report.pdf"),
    show_default=True,
    help="Where to write the PDF.",
)
@click.option("--real-only", is_flag=True, help="Leave the synthetic history out of the figures.")
@click.pass_context
def report(ctx: click.Context, first: date, last: date, output: Path, real_only: bool) -> None:
    """Write the evaluation report (figures, charts, coverage map) of the period FROM..TO as a PDF."""
    settings = settings_of(ctx)
    fleet = network.fleet_for(settings)
    with session_scope(settings.database_url) as session:
        pdf = report_pdf(session, fleet, Period(first, last), include_synthetic=not real_only)
    output.write_bytes(pdf)
    click.echo(f"{output} ({len(pdf) // 1024} KiB)")
