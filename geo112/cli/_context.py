"""What every command shares: the settings the main group resolved, JSON output, errors as exit codes."""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Any

import click

from geo112.config import Settings
from geo112.errors import Geo112Error
from geodata.kab_mojokerto import ManifestError


def settings_of(ctx: click.Context) -> Settings:
    """The settings the main group resolved from its options and the environment."""
    settings: Settings = ctx.ensure_object(dict)["settings"]
    return settings


def parse_date(_ctx: click.Context, _param: click.Parameter, value: str) -> date:
    """Click callback: an ISO date ``YYYY-MM-DD``, or a usage error naming what was given."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected a date YYYY-MM-DD, got {value!r}") from None


def echo_json(data: Any) -> None:
    """Print data as indented JSON (UTF-8 names as they are)."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))


class Group(click.Group):
    """A group that turns domain and manifest errors into a message and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a :class:`Geo112Error` or :class:`ManifestError` ends it with its message."""
        try:
            return super().invoke(ctx)
        except (Geo112Error, ManifestError) as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
