"""``geo112 region``: region packs, so another kabupaten/kota's 112 runs geo112 (:mod:`geo112.region`)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from geo112.cli._context import echo_json, settings_of
from geo112.ingest.online_roads import DownloadError
from geo112.ingest.packs import PackError, init_pack
from geo112.region import PACKS


@click.group()
def region() -> None:
    """Region packs: which kabupaten/kota this 112 serves [$GEO112_REGION]."""


@region.command("init")
@click.argument("code")
@click.option("--out", type=click.Path(path_type=Path), help="Pack directory [geodata/<name> in the checkout].")
@click.option("--osm", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An OSM extract (XML, .osm or .osm.bz2) of the region's roads.")  # fmt: skip
@click.option("--synthetic", is_flag=True, help="Without --osm: a SYNTHETIC demo network from the boundaries.")
@click.option("--online", is_flag=True,
              help="Roads of the outline + 5 km, turn restrictions kept, from OpenStreetMap (osmnx).")  # fmt: skip
@click.option("--facilities", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Facilities CSV (columns of Mojokerto's facts/facilities.csv); default guessed ones.")  # fmt: skip
@click.option("--fleet", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Published fleet counts CSV (columns of facts/emergency_fleet.csv); default none.")  # fmt: skip
@click.option("--cap-sender", help="The 112's CAP sender id; default guessed from the name.")
@click.pass_context
def init(
    ctx: click.Context,
    code: str,
    out: Path | None,
    osm: Path | None,
    synthetic: bool,
    online: bool,
    facilities: Path | None,
    fleet: Path | None,
    cap_sender: str | None,
) -> None:
    """Write a region pack for kabupaten/kota CODE (kode wilayah, e.g. 35.17) from the data directory.

    Every guessed value is listed in the pack's `guessed`. Then: GEO112_REGION=<pack> geo112 db upgrade, data load.
    Roads: --osm FILE (an OSM XML extract), --online (OpenStreetMap through Overpass; needs internet), or
    --synthetic (a labelled demo network from the boundaries).
    """
    if sum((osm is not None, online, synthetic)) > 1:
        raise click.UsageError("give one of --osm, --online and --synthetic")
    settings = settings_of(ctx)
    target = out or PACKS / ("region_" + code.replace(".", "_"))
    try:
        report = init_pack(settings.data_dir, code, target, osm=osm, synthetic=synthetic, online=online,
                           facilities=facilities, fleet=fleet, cap_sender=cap_sender)  # fmt: skip
    except PackError as exc:
        raise click.ClickException(str(exc)) from None
    except DownloadError as exc:
        raise click.ClickException(f"{exc}. Nothing was written. Without internet: --osm FILE (an OSM extract of "
                                   "the region, e.g. from Geofabrik) or --synthetic.") from None  # fmt: skip
    echo_json({**asdict(report), "next": f"GEO112_REGION={report.directory} geo112 data load"})
