"""Road graph commands: ``graph build`` and ``route``.

The main ``geo112`` group registers them.  Paths come from the options or, when
absent, from ``ctx.obj["settings"]`` (any object with ``osm_path`` and
``cache_dir``), which the main group fills from the configuration.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click

import routing
from routing import settings as routing_settings

_PATH = click.Path(path_type=Path)


def _resolve(ctx: click.Context, osm: Path | None, cache_dir: Path | None, online: bool) -> tuple[Path | None, Path]:
    """Return (osm path, cache dir) from the options, else from the main group's settings."""
    config = (ctx.obj or {}).get("settings") if isinstance(ctx.obj, dict) else None
    osm = osm or getattr(config, "osm_path", None)
    cache_dir = cache_dir or getattr(config, "cache_dir", None)
    if cache_dir is None:
        raise click.UsageError("no cache directory: pass --cache-dir")
    if not online and (osm is None or not Path(osm).exists()):
        raise click.UsageError(f"OSM file not found: {osm} (pass --osm FILE or --online)")
    return osm, Path(cache_dir)


def _lat_lon(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[float, float]:
    """Parse "LAT,LON" into (lon, lat), the order routing uses."""
    try:
        lat, lon = (float(part) for part in value.split(","))
    except ValueError:
        raise click.BadParameter("expected LAT,LON, e.g. -7.47,112.43") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise click.BadParameter("latitude or longitude out of range")
    return lon, lat


def _source_options(fn: Any) -> Any:
    """The options shared by both commands: where the graph comes from and is cached."""
    fn = click.option("--cache-dir", type=_PATH, help="Cache directory for compiled graphs.")(fn)
    fn = click.option("--place", default=routing_settings.DEFAULT_PLACE, show_default=True, help="Online query.")(fn)
    fn = click.option("--online", is_flag=True, help="Fetch the drive network from OpenStreetMap (needs internet).")(fn)
    return click.option("--osm", type=_PATH, help="OSM file (.osm or .osm.bz2).")(fn)


@click.group("graph")
def graph() -> None:
    """Build and inspect the road graph."""


@graph.command("build")
@_source_options
@click.option("--force", is_flag=True, help="Rebuild even if the cache is up to date.")
@click.pass_context
def build(ctx: click.Context, osm: Path | None, online: bool, place: str, cache_dir: Path | None, force: bool) -> None:
    """Build the compiled travel-time graph from an OSM file (or online) and cache it."""
    if osm and online:
        raise click.UsageError("--osm and --online are exclusive")
    osm, cache_dir = _resolve(ctx, osm, cache_dir, online)
    key = routing.source_key(None if online else osm, place if online else None)
    path = routing.cache_path(cache_dir, key)
    cached = path.exists() and not force
    start = time.perf_counter()
    engine = routing.load_engine(osm, cache_dir, online=online, place=place, rebuild=force, progress=True)
    report = dict(engine.graph.meta.get("report", {}))
    report.update(
        cache=str(path),
        cached=cached,
        profile=routing_settings.PROFILE_VERSION,
        seconds=round(time.perf_counter() - start, 2),
        memory_mb=round(engine.nbytes / 1e6, 1),
    )
    click.echo(json.dumps(report, indent=2))


@click.command("route")
@click.option("--from", "origin", required=True, callback=_lat_lon, metavar="LAT,LON", help="Start point.")
@click.option("--to", "destination", required=True, callback=_lat_lon, metavar="LAT,LON", help="End point.")
@_source_options
@click.option("--unit-type", default=None, help="Named speed profile, e.g. ambulance, fire_truck.")
@click.pass_context
def route(
    ctx: click.Context,
    origin: tuple[float, float],
    destination: tuple[float, float],
    osm: Path | None,
    online: bool,
    place: str,
    cache_dir: Path | None,
    unit_type: str | None,
) -> None:
    """Print the fastest route as a GeoJSON Feature (distance, ETA, steps)."""
    osm, cache_dir = _resolve(ctx, osm, cache_dir, online)
    engine = routing.load_engine(osm, cache_dir, online=online, place=place, progress=True)
    snap = engine.snap([origin[0], destination[0]], [origin[1], destination[1]])
    feature = engine.route(origin, destination, factor=routing.speed_factor(unit_type)).to_geojson()
    feature["properties"]["snap_distance_m"] = snap.distance_m.tolist()
    feature["properties"]["too_far"] = snap.too_far.tolist()
    click.echo(json.dumps(feature))
