"""``geo112 users``: the people who log in."""

from __future__ import annotations

import secrets

import click

from geo112.accounts import admin
from geo112.accounts.users import DEMO_AGENCY, OFFICER, ROLES, ensure_user, get_user
from geo112.cli._context import settings_of
from geo112.dispatch.telephony import seat_operator
from geo112.store.db import session_scope

#: Who the audit trail names for a change made on the command line.
CLI_ACTOR = "system:cli"


@click.group()
def users() -> None:
    """Manage the people who log in."""


@users.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--display-name", default=None)
@click.option("--agency", default=None, help="The agency code an officer works for (role officer only).")
@click.password_option(envvar="GEO112_NEW_PASSWORD", help="Password (prompted when not given).")
@click.pass_context
def add(
    ctx: click.Context, username: str, role: str, display_name: str | None, agency: str | None, password: str
) -> None:
    """Create a user with a role (an officer with the agency whose tickets they answer)."""
    with session_scope(settings_of(ctx).database_url) as session:
        user = admin.add_user(session, CLI_ACTOR, username, password, role, display_name, agency)
        click.echo(f"created {user.role} {user.username}")


@users.command("demo")
@click.pass_context
def demo(ctx: click.Context) -> None:
    """Create (or reset) a demo user per role with a fresh random password, and print the credentials."""
    with session_scope(settings_of(ctx).database_url) as session:
        for role in ROLES:
            password = secrets.token_urlsafe(9)
            ensure_user(session, f"demo-{role}", password, role, DEMO_AGENCY if role == OFFICER else None)
            click.echo(f"  {role:<10}  user: demo-{role:<11} password: {password}")


@users.command("password")
@click.argument("username")
@click.password_option(envvar="GEO112_NEW_PASSWORD", help="New password (prompted when not given).")
@click.pass_context
def password(ctx: click.Context, username: str, password: str) -> None:
    """Give a user a new password; every session of the user ends."""
    with session_scope(settings_of(ctx).database_url) as session:
        admin.new_password(session, get_user(session, username), password, CLI_ACTOR)
        click.echo(f"new password for {username}; their sessions have ended")


@users.command("disable")
@click.argument("username")
@click.pass_context
def disable(ctx: click.Context, username: str) -> None:
    """Disable a user: no more logins, and every session of the user ends."""
    with session_scope(settings_of(ctx).database_url) as session:
        admin.disable(session, get_user(session, username), CLI_ACTOR)
        click.echo(f"disabled {username}; their sessions have ended")


@users.command("phone")
@click.argument("username")
@click.argument("extension")
@click.pass_context
def phone(ctx: click.Context, username: str, extension: str) -> None:
    """Seat a user at the phone EXTENSION (its SIP account): calls ringing it pop up in their console."""
    with session_scope(settings_of(ctx).database_url) as session:
        seat_operator(session, get_user(session, username).username, extension)
        click.echo(f"{username} answers phone {extension}")
