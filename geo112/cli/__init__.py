"""The ``geo112`` command line: the main group and its commands, one module per area (database, data, users,
road graph, history)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from geo112.config import Settings, get_settings
from geo112.errors import Geo112Error


def _settings(ctx: click.Context) -> Settings:
    return ctx.ensure_object(dict)["settings"]


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


class _Group(click.Group):
    """A group that turns domain errors into a message and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from geodata.kab_mojokerto import ManifestError

        try:
            return super().invoke(ctx)
        except (Geo112Error, ManifestError) as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.option("--database-url", envvar="GEO112_DATABASE_URL", help="SQLAlchemy URL of the PostGIS database.")
@click.option("--data-dir", envvar="GEO112_DATA_DIR", type=click.Path(path_type=Path), help="Geodata directory.")
@click.option("--cache-dir", envvar="GEO112_CACHE_DIR", type=click.Path(path_type=Path), help="Cache directory.")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, data_dir: Path | None, cache_dir: Path | None) -> None:
    """geo112: GIS backbone of Call Center 112, Kabupaten Mojokerto."""
    ctx.ensure_object(dict)["settings"] = get_settings(database_url=database_url, data_dir=data_dir, cache_dir=cache_dir)


@main.group()
def db() -> None:
    """Create and migrate the database."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Create the database when missing and apply migrations."""
    from geo112.store import migrate

    url = _settings(ctx).database_url
    if migrate.create_database(url):
        click.echo("created database")
    migrate.upgrade(url, revision)
    click.echo(f"database at revision {migrate.current(url)}")


@main.group()
def data() -> None:
    """Load the geodata named in the manifest."""


@data.command("load")
@click.pass_context
def data_load(ctx: click.Context) -> None:
    """Verify the inputs against the manifest and load them (idempotent)."""
    from geo112.store.db import session_scope
    from geo112.ingest.stations import load_demo
    from geo112.ingest.boundaries import load_geography
    from geo112.ingest.population import load_planning_data

    settings = _settings(ctx)
    engine = _engine_or_none(settings)
    with session_scope(settings.database_url) as session:
        report = load_geography(session, settings.data_dir)
        demo = load_demo(session, settings.data_dir)
        planning = load_planning_data(session, engine, settings.data_dir)
    _echo_json({"loaded": {**report.counts, "station": demo.stations}, "demo_fleet": demo.units,
                "skipped_facilities": demo.skipped, "datasets": report.datasets, "planning": planning})


def _engine_or_none(settings: Settings) -> Any:
    """The road engine for the population spread (built into the cache on first use), or None with a message."""
    from geo112.network import load_engine

    try:
        return load_engine(settings.osm_path, settings.cache_dir)
    except (OSError, ValueError) as exc:
        click.echo(f"warning: road network not loaded ({exc}); desa population estimates skipped", err=True)
        return None


@main.command("locate")
@click.option("--lat", required=True, help="Latitude, WGS84.")
@click.option("--lon", required=True, help="Longitude, WGS84.")
@click.pass_context
def locate_cmd(ctx: click.Context, lat: str, lon: str) -> None:
    """Print the desa, kecamatan and jurisdiction of a point as JSON."""
    from geo112 import locate

    _echo_json(locate(lon, lat, settings=_settings(ctx)))  # type: ignore[arg-type]


@main.group()
def users() -> None:
    """Manage the people who log in."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(["dispatcher", "planner", "admin"]), required=True)
@click.option("--display-name", default=None)
@click.password_option(envvar="GEO112_NEW_PASSWORD", help="Password (prompted when not given).")
@click.pass_context
def users_add(ctx: click.Context, username: str, role: str, display_name: str | None, password: str) -> None:
    """Create a user with a role."""
    from geo112.store.db import session_scope
    from geo112.accounts.users import create_user

    with session_scope(_settings(ctx).database_url) as session:
        user = create_user(session, username, password, role, display_name)
        click.echo(f"created {user.role} {user.username}")


@users.command("demo")
@click.pass_context
def users_demo(ctx: click.Context) -> None:
    """Create (or reset) a demo user per role with a fresh random password, and print the credentials."""
    import secrets

    from geo112.store.db import session_scope
    from geo112.accounts.users import ROLES, ensure_user

    with session_scope(_settings(ctx).database_url) as session:
        for role in ROLES:
            password = secrets.token_urlsafe(9)
            ensure_user(session, f"demo-{role}", password, role)
            click.echo(f"  {role:<10}  user: demo-{role:<11} password: {password}")


def _register_network_commands() -> None:
    from geo112.cli.history import history
    from geo112.cli.network import graph, route

    main.add_command(graph)
    main.add_command(route)
    main.add_command(history)


_register_network_commands()
