"""``geo112 data load`` and ``geo112 locate``: the manifest-checked inputs, and where a point lies."""

from __future__ import annotations

import csv
import sys
from typing import TextIO

import click

from geo112 import network
from geo112.cli._context import echo_json, settings_of
from geo112.errors import ServiceUnavailable
from geo112.geography.coordinates import parse_lon_lat
from geo112.geography.locate import locate as locate_point
from geo112.geography.locate import locate_many
from geo112.ingest.basemap import load_basemap
from geo112.ingest.boundaries import load_geography
from geo112.ingest.fleet import load_demo
from geo112.ingest.population import load_planning_data
from geo112.ingest.province import load_province
from geo112.region import load_region
from geo112.store.db import session_scope

#: Columns ``locate --csv`` adds to each row.
LOCATED = ("desa_code", "desa_name", "kecamatan_code", "kecamatan_name", "jurisdiction_code", "jurisdiction_name",
           "call_centre")  # fmt: skip


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
        click.echo(f"warning: {exc.detail}; desa population estimates and base map roads skipped", err=True)
        roads = None
    region = load_region(settings.region)
    with session_scope(settings.database_url) as session:
        report = load_geography(session, settings.data_dir, region)
        province = load_province(session, settings.data_dir, region)
        demo = load_demo(session, settings.data_dir, region)
        planning = load_planning_data(session, roads, settings.data_dir, region)
        basemap = load_basemap(session, settings.data_dir, roads, region)
    echo_json(
        {
            "loaded": {
                **report.counts,
                "station": demo.stations,
                "province_kabupaten_kota": province.jurisdictions,
                "province_desa": province.desa,
                **basemap,
            },
            "demo_fleet": demo.units,
            "skipped_facilities": demo.skipped,
            "region": {
                "code": region.code,
                "name": region.name,
                "pack": str(region.directory),
                "guessed": list(region.guessed),
            },
            "datasets": report.datasets,
            "planning": planning,
        }
    )


@click.command("locate")
@click.option("--lat", help="Latitude, WGS84.")
@click.option("--lon", help="Longitude, WGS84.")
@click.option("--csv", "points", type=click.File("r", encoding="utf-8"),
              help="A CSV with columns lat and lon (- for standard input): each row located, as CSV.")  # fmt: skip
@click.pass_context
def locate(ctx: click.Context, lat: str | None, lon: str | None, points: TextIO | None) -> None:
    """Print the desa, kecamatan and kabupaten/kota of a point as JSON, or of every row of a CSV as CSV."""
    settings = settings_of(ctx)
    if points is None:
        if lat is None or lon is None:
            raise click.UsageError("give --lat and --lon, or --csv FILE")
        x, y = parse_lon_lat(lon, lat)
        with session_scope(settings.database_url) as session:
            echo_json(locate_point(session, x, y, settings.sliver_tolerance_m).model_dump())
        return
    rows = list(csv.DictReader(points))
    if rows and not {"lat", "lon"} <= rows[0].keys():
        raise click.UsageError("the CSV needs the columns lat and lon")
    checked = [parse_lon_lat(r["lon"], r["lat"]) for r in rows]
    with session_scope(settings.database_url) as session:
        found = locate_many(session, [x for x, _ in checked], [y for _, y in checked])
    out = csv.DictWriter(sys.stdout, fieldnames=[*(rows[0] if rows else {"lat": 0, "lon": 0}), *LOCATED],
                         lineterminator="\n")  # fmt: skip
    out.writeheader()
    out.writerows(row | {k: where[k] for k in LOCATED} for row, where in zip(rows, found))
