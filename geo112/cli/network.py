"""``geo112 graph build`` and ``geo112 route``: the road graph, through :mod:`geo112.network`.

Paths come from the options or, when absent, from the main group's settings (``osm_path``, ``cache_dir``).
``route --unit-type`` reads the type's speed factor from the database, where unit types live.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from geo112 import network
from geo112.cli._context import echo_json
from geo112.dispatch.configuration import get_unit_type
from geo112.errors import InvalidInput
from geo112.geography.coordinates import parse_lat_lon_text
from geo112.store.db import session_scope

_PATH = click.Path(path_type=Path)
F = TypeVar("F", bound=Callable[..., Any])


def _settings(ctx: click.Context) -> Any:
    return (ctx.obj or {}).get("settings") if isinstance(ctx.obj, dict) else None


def _resolve(ctx: click.Context, osm: Path | None, cache_dir: Path | None, online: bool) -> tuple[Path | None, Path]:
    """Return (osm path, cache dir) from the options, else from the main group's settings."""
    config = _settings(ctx)
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
        return parse_lat_lon_text(value)
    except InvalidInput as exc:
        raise click.BadParameter(exc.detail) from None


def _source_options(fn: F) -> F:
    """The options shared by both commands: where the graph comes from and is cached."""
    fn = click.option("--cache-dir", type=_PATH, help="Cache directory for compiled graphs.")(fn)
    fn = click.option("--place", default=network.DEFAULT_PLACE, show_default=True, help="Online query.")(fn)
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
    path = network.cache_file(None if online else osm, cache_dir, place if online else None)
    cached = path.exists() and not force
    start = time.perf_counter()
    roads = network.load_network(osm, cache_dir, online=online, place=place, rebuild=force, progress=True)
    echo_json(
        {
            **roads.build_report,
            "cache": str(path),
            "cached": cached,
            "profile": network.PROFILE_VERSION,
            "seconds": round(time.perf_counter() - start, 2),
            "memory_mb": round(roads.nbytes / 1e6, 1),
        }
    )


def _speed_factor(ctx: click.Context, unit_type: str | None) -> float:
    """The speed factor of a unit type from the database (1.0 without a type)."""
    if unit_type is None:
        return 1.0
    config = _settings(ctx)
    if getattr(config, "database_url", None) is None:
        raise click.UsageError("--unit-type needs the database (--database-url), where unit types live")
    with session_scope(config.database_url) as session:
        return get_unit_type(session, unit_type).speed_factor


@click.command("route")
@click.option("--from", "origin", required=True, callback=_lat_lon, metavar="LAT,LON", help="Start point.")
@click.option("--to", "destination", required=True, callback=_lat_lon, metavar="LAT,LON", help="End point.")
@_source_options
@click.option("--unit-type", default=None, help="A unit type of the database, e.g. ambulance, fire_truck.")
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
    factor = _speed_factor(ctx, unit_type)
    roads = network.load_network(osm, cache_dir, online=online, place=place, progress=True)
    feature = roads.route(origin, destination, factor).to_geojson()
    distances, too_far = roads.snap_distances([origin[0], destination[0]], [origin[1], destination[1]])
    feature["properties"] |= {"snap_distance_m": distances, "too_far": too_far, "speed_factor": factor}
    click.echo(json.dumps(feature))
