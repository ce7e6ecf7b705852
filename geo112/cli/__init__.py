"""The ``geo112`` command line: the main group here, the commands one module per area (database, data and
geography, users, road graph, history)."""

from __future__ import annotations

from pathlib import Path

import click

from geo112.cli import data, database, history, network, region, report, simulate, users
from geo112.cli._context import Group
from geo112.config import get_settings
from geo112.region import DEFAULT_PACK, RegionError


@click.group(cls=Group)
@click.option("--database-url", help="SQLAlchemy URL of the PostGIS database [$GEO112_DATABASE_URL].")
@click.option("--data-dir", type=click.Path(path_type=Path), help="Geodata directory [$GEO112_DATA_DIR].")
@click.option("--cache-dir", type=click.Path(path_type=Path), help="Cache directory [$GEO112_CACHE_DIR].")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, data_dir: Path | None, cache_dir: Path | None) -> None:
    """geo112: GIS backbone of Call Center 112, Kabupaten Mojokerto."""
    try:
        settings = get_settings(database_url=database_url, data_dir=data_dir, cache_dir=cache_dir)
    except RegionError as exc:
        # `region init` writes the pack GEO112_REGION may already name; every other command needs it.
        if ctx.invoked_subcommand != "region":
            raise click.ClickException(str(exc)) from None
        settings = get_settings(database_url=database_url, data_dir=data_dir, cache_dir=cache_dir, region=DEFAULT_PACK)
    ctx.ensure_object(dict)["settings"] = settings


for command in (
    database.db,
    data.data,
    data.locate,
    users.users,
    network.graph,
    network.route,
    history.history,
    report.report,
    region.region,
    simulate.simulate,
):
    main.add_command(command)
