"""``geo112 data load`` and ``geo112 locate``: the manifest-checked inputs, and where a point lies."""

from __future__ import annotations

import click

from geo112 import network
from geo112.cli._context import echo_json, settings_of
from geo112.errors import ServiceUnavailable
from geo112.geography.coordinates import parse_lon_lat
from geo112.geography.locate import locate as locate_point
from geo112.ingest.boundaries import load_geography
from geo112.ingest.fleet import load_demo
from geo112.ingest.population import load_planning_data
from geo112.store.db import session_scope


@click.group()
def data() -> None:
    """Load the geodata named in the manifest."""


@data.command("load")
@click.pass_context
def load(ctx: click.Context) -> None:
    """Verify the inputs against the manifest and load them (idempotent)."""
    settings = settings_of(ctx)
    try:
        roads = network.network_for(settings)
    except ServiceUnavailable as exc:
        click.echo(f"warning: {exc.detail}; desa population estimates skipped", err=True)
        roads = None
    with session_scope(settings.database_url) as session:
        report = load_geography(session, settings.data_dir)
        demo = load_demo(session, settings.data_dir)
        planning = load_planning_data(session, roads, settings.data_dir)
    echo_json(
        {
            "loaded": {**report.counts, "station": demo.stations},
            "demo_fleet": demo.units,
            "skipped_facilities": demo.skipped,
            "datasets": report.datasets,
            "planning": planning,
        }
    )


@click.command("locate")
@click.option("--lat", required=True, help="Latitude, WGS84.")
@click.option("--lon", required=True, help="Longitude, WGS84.")
@click.pass_context
def locate(ctx: click.Context, lat: str, lon: str) -> None:
    """Print the desa, kecamatan and jurisdiction of a point as JSON."""
    settings = settings_of(ctx)
    x, y = parse_lon_lat(lon, lat)
    with session_scope(settings.database_url) as session:
        echo_json(locate_point(session, x, y, settings.sliver_tolerance_m))
