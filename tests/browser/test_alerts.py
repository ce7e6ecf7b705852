"""Overdue alerts in the console: a call nobody dispatched and a unit that never acknowledged show above the
tabs with a tone, their incidents first in the list; one is acknowledged (who did is in its timeline), the
silent unit is replaced by the next proposal with one click. Time is moved by dating the rows back, never by
waiting."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select, text

from geo112.dispatch import schemas
from geo112.dispatch.assignments import assign
from geo112.dispatch.incidents import create_incident
from geo112.store.db import session_factory
from geo112.store.models import Assignment
from tests.browser.test_dispatch_flow import open_console
from tests.dispatch.conftest import committed_unit

BACK = "interval '10 minutes'"


def _late_incidents(database: str) -> tuple[int, int, int]:
    """An undispatched call and one whose unit was sent and never answered, both ten minutes old."""
    silent = committed_unit(database, "K16", "SILENT")
    committed_unit(database, "K16", "NEXT")  # the next proposal
    with session_factory(database).begin() as s:
        # In Kec. Kemlagi, away from where the other browser tests click the map.
        data = schemas.IncidentCreate(category="medis", priority=1, lon=112.4000, lat=-7.4000)
        waiting = create_incident(s, data, "tester").id
        sent = create_incident(s, data.model_copy(update={"lon": 112.4040}), "tester").id
        assignment = assign(s, sent, silent, "tester").id
        s.execute(text(f"UPDATE incident SET received_at = received_at - {BACK} WHERE id IN (:a, :b)"),
                  {"a": waiting, "b": sent})  # fmt: skip
        s.execute(text(f"UPDATE assignment SET assigned_at = assigned_at - {BACK} WHERE id = :a"), {"a": assignment})
    return waiting, sent, silent


def test_overdue_alerts_sound_sort_acknowledge_and_send_the_next_unit(open_session, browser_database, users) -> None:
    waiting, sent, silent = _late_incidents(browser_database)
    page = open_console(open_session("dispatcher"))
    bar = page.get_by_test_id("alerts")
    undispatched = bar.locator(f"li[data-incident='{waiting}'][data-phase=dispatch]")
    unanswered = bar.locator(f"li[data-incident='{sent}'][data-phase=acknowledge]")
    expect(undispatched).to_contain_text("belum ada unit dikirim", timeout=15_000)
    expect(unanswered).to_contain_text("belum menerima tugas")
    assert int(page.evaluate("document.body.dataset.chimes || 0")) >= 1

    page.click("[data-tab=incidents]")
    flags = page.get_by_test_id("incident-list").locator("li").evaluate_all("els => els.map(e => e.dataset.overdue)")
    assert "false" not in flags[: flags.count("true")], "overdue incidents are listed first"
    assert page.locator(f"#incident-list li[data-overdue=true] [data-incident='{waiting}']").count() == 1

    undispatched.get_by_test_id("acknowledge").click()
    expect(undispatched).to_contain_text(f"dilihat {users['dispatcher']}")
    page.locator(f"#incident-list [data-incident='{waiting}']").click()
    expect(page.locator("#incident-detail .timeline")).to_contain_text("Peringatan dilihat")

    unanswered.get_by_test_id("send-next").click()
    expect(unanswered).to_have_count(0, timeout=10_000)
    with session_factory(browser_database)() as s:
        active = s.scalars(
            select(Assignment).where(Assignment.incident_id == sent, Assignment.ended_at.is_(None))
        ).all()
        assert [a.unit_id for a in active] != [silent] and len(active) == 1
