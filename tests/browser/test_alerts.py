"""Overdue alerts in the console: a call nobody dispatched and a unit that never acknowledged show above the
tabs with a tone, their incidents first in the list; one is acknowledged (who did is in its timeline), the
silent unit is replaced by the next proposal with one click. Time is moved by dating the rows back, never by
waiting."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select, text

from geo112.dispatch import schemas
from geo112.dispatch.assignments import assign
from geo112.dispatch.incidents import close_incident, create_incident
from geo112.store.db import session_factory
from geo112.store.models import Assignment
from tests.browser.conftest import screenshot
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


def reveal(bar, item) -> None:
    """Unfold the bar's other alerts when ``item`` is not among the few it shows (other tests' alerts count too)."""
    if not item.is_visible():
        bar.locator("details.more > summary").click()


def test_overdue_alerts_sound_sort_acknowledge_and_send_the_next_unit(open_session, browser_database, users) -> None:
    waiting, sent, silent = _late_incidents(browser_database)
    page = open_console(open_session("dispatcher"))
    bar = page.get_by_test_id("alerts")
    undispatched = bar.locator(f"li[data-incident='{waiting}'][data-phase=dispatch]")
    unanswered = bar.locator(f"li[data-incident='{sent}'][data-phase=acknowledge]")
    expect(undispatched).to_contain_text("belum ada unit dikirim", timeout=15_000)
    reveal(bar, undispatched)
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

    reveal(bar, unanswered)
    unanswered.get_by_test_id("send-next").click()
    expect(unanswered).to_have_count(0, timeout=10_000)
    with session_factory(browser_database)() as s:
        active = s.scalars(
            select(Assignment).where(Assignment.incident_id == sent, Assignment.ended_at.is_(None))
        ).all()
        assert [a.unit_id for a in active] != [silent] and len(active) == 1


def test_a_full_alert_bar_keeps_the_intake_form_in_view(open_session, browser_database) -> None:
    """Ten overdue calls at 1366×768: the bar summarises them and shows a few; Save stays on screen."""
    with session_factory(browser_database).begin() as s:
        data = schemas.IncidentCreate(category="medis", priority=1, lon=112.4100, lat=-7.4000)
        ids = [create_incident(s, data.model_copy(update={"lon": 112.41 + i / 1000}), "tester").id for i in range(10)]
        s.execute(text(f"UPDATE incident SET received_at = received_at - {BACK} WHERE id = ANY(:ids)"), {"ids": ids})
    page = open_console(open_session("dispatcher", device={"viewport": {"width": 1366, "height": 768}}))
    bar = page.get_by_test_id("alerts")
    expect(bar.locator("details.more > summary")).to_be_visible(timeout=15_000)
    expect(bar.get_by_test_id("alerts-summary")).to_contain_text("belum ada unit dikirim")
    screenshot(page, "alerts-1366x768")
    assert bar.locator(":scope > ul > li").count() <= 3
    assert bar.bounding_box()["height"] < 160, "the bar stays small"
    save = page.locator("#intake-save").bounding_box()
    assert save["y"] + save["height"] <= 768, f"Save at y = {save['y']:.0f}, below the screen"
    bar.locator("details.more > summary").click()
    assert bar.bounding_box()["height"] < 320, "the unfolded list scrolls instead of growing"
    with session_factory(browser_database).begin() as s:  # leave no alerts behind for other tests
        for incident in ids:
            close_incident(s, incident, schemas.IncidentClose(disposition="false_alarm"), "tester")
