"""``geo112 report``: the planners' evaluation report of a period, as a PDF."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from geo112 import network
from geo112.analytics.report import Period, report_pdf
from geo112.cli._context import parse_date, settings_of
from geo112.errors import InvalidInput
from geo112.simulation.stored import read_result, report_run
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
@click.option("--simulation", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The Simulasi section from this result of `geo112 simulate --save` instead of the report's own "
                   "run (closest vs closest+moveup, a year, 3 replications).")  # fmt: skip
@click.option("--no-simulation", is_flag=True, help="Leave the Simulasi section out.")
@click.pass_context
def report(
    ctx: click.Context,
    first: date,
    last: date,
    output: Path,
    real_only: bool,
    simulation: Path | None,
    no_simulation: bool,
) -> None:
    """Write the evaluation report (figures, charts, coverage map, simulated dispatch policies) of the period
    FROM..TO as a PDF."""
    if simulation is not None and no_simulation:
        raise click.UsageError("--simulation and --no-simulation exclude each other")
    settings = settings_of(ctx)
    saved = read_result(simulation) if simulation is not None else None
    fleet = network.fleet_for(settings)
    with session_scope(settings.database_url) as session:
        if saved is None and not no_simulation:
            try:
                saved = report_run(session, fleet.network, settings.data_dir)
            except InvalidInput as exc:  # e.g. no fleet yet: the report is still worth having
                click.echo(f"no Simulasi section: {exc}", err=True)
        pdf = report_pdf(session, fleet, Period(first, last), include_synthetic=not real_only, simulation=saved)
    output.write_bytes(pdf)
    click.echo(f"{output} ({len(pdf) // 1024} KiB)")
