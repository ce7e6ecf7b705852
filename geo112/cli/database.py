"""``geo112 db``: create and migrate the database."""

from __future__ import annotations

import click

from geo112.cli._context import settings_of
from geo112.store import migrate


@click.group()
def db() -> None:
    """Create and migrate the database."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@click.pass_context
def upgrade(ctx: click.Context, revision: str) -> None:
    """Create the database when missing and apply migrations."""
    url = settings_of(ctx).database_url
    if migrate.create_database(url):
        click.echo("created database")
    migrate.upgrade(url, revision)
    click.echo(f"database at revision {migrate.current(url)}")
