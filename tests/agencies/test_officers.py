"""Officers on the command line: one agency each, refused without one (or with an unknown one); the demo
users include Dishub's officer; what the command line changes is in the audit trail."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from geo112.cli import main
from geo112.store.db import session_factory
from geo112.store.models import Event, User


def test_an_officer_is_added_with_an_agency(database: str) -> None:
    run = lambda *args: CliRunner().invoke(  # noqa: E731
        main, ["--database-url", database, "users", *args], env={"GEO112_NEW_PASSWORD": "panjang-sekali-112"}
    )
    added = run("add", "pupr-ani", "--role", "officer", "--agency", "pupr")
    assert added.exit_code == 0, added.output
    for refused, why in (
        (run("add", "tanpa-opd", "--role", "officer"), "needs an agency"),
        (run("add", "opd-asing", "--role", "officer", "--agency", "nasa"), "unknown agency"),
        (run("add", "disp-opd", "--role", "dispatcher", "--agency", "pupr"), "only an officer"),
    ):
        assert refused.exit_code != 0 and why in refused.output, refused.output
    demo = run("demo")
    assert demo.exit_code == 0 and "demo-officer" in demo.output
    with session_factory(database)() as s:
        agencies = dict(s.execute(select(User.username, User.agency_code).where(User.role == "officer")).all())
    assert agencies["pupr-ani"] == "pupr" and agencies["demo-officer"] == "dishub"
    assert "tanpa-opd" not in agencies and "opd-asing" not in agencies
    assert run("disable", "pupr-ani").exit_code == 0
    with session_factory(database)() as s:
        recorded = s.execute(
            select(Event.actor, Event.action).where(
                Event.entity == "app_user", Event.after["username"].astext == "pupr-ani"
            )
        ).all()
    assert recorded == [("system:cli", "user.created"), ("system:cli", "user.disabled")]
