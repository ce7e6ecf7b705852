"""Calls from across the border in the console: the hand-off button instead of *Tugaskan*, mutual aid as a
visible choice with a reason, and the other 112's answer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import text

from geo112.store.db import session_factory
from tests.browser.conftest import screenshot
from tests.browser.test_dispatch_flow import open_console

NEIGHBOURS = ("35.76", "35.17", "35.24", "35.25", "35.15", "35.14", "35.07", "35.79")
MOJOSARI = (-7.5350, 112.5550)
# A point inside a desa of each neighbour, just across the regency's border.
_ACROSS = text("""
    SELECT DISTINCT ON (p.jurisdiction_code) p.jurisdiction_code, j.name, ST_Y(pt) AS lat, ST_X(pt) AS lon
    FROM province_desa p JOIN jurisdiction j ON j.code = p.jurisdiction_code, jurisdiction k,
         LATERAL ST_PointOnSurface(p.geom) pt
    WHERE k.code = '35.16' AND p.jurisdiction_code = ANY(:codes) AND ST_DWithin(p.geom, k.geom, 0.001)
    ORDER BY p.jurisdiction_code, ST_Distance(p.geom, ST_Centroid(k.geom))
""")


@pytest.fixture(scope="module")
def across(browser_database: str) -> list:
    with session_factory(browser_database)() as session:
        return session.execute(_ACROSS, {"codes": list(NEIGHBOURS)}).all()


def _record_call(page: Page, lat: float, lon: float) -> None:
    page.click("[data-tab=intake]")
    page.fill("#lat", f"{lat:.6f}")
    page.fill("#lon", f"{lon:.6f}")
    page.click("#coords-go")
    expect(page.get_by_test_id("located").locator("[data-field=jurisdiction]")).not_to_have_text("…")
    page.select_option("#category", "kebakaran")
    page.click("#intake-save")


def test_across_the_border_the_console_offers_the_hand_off_not_tugaskan(open_session, across) -> None:
    dispatcher = open_session("dispatcher")
    page = open_console(dispatcher)
    recommendations = page.get_by_test_id("recommendations")
    assert {row.jurisdiction_code for row in across} == set(NEIGHBOURS)
    for _code, name, lat, lon in across:
        _record_call(page, lat, lon)
        expect(page.get_by_test_id("located").locator("[data-field=jurisdiction]")).to_have_text(name)
        expect(page.locator("#handoff")).to_have_text(re.compile(rf"Call Center 112 {re.escape(name)}"))
        button = recommendations.get_by_test_id("handoff-button")
        expect(button).to_have_text(f"Serahkan ke Call Center 112 {name}", timeout=15_000)
        expect(recommendations.locator("button[data-assign]")).to_have_count(0)
        page.click("#new-call")
    screenshot(page, "console-handoff")
    # Our own call: Tugaskan, no hand-off.
    _record_call(page, *MOJOSARI)
    expect(recommendations.locator("button[data-assign]").first).to_be_visible(timeout=15_000)
    expect(recommendations.get_by_test_id("handoff-card")).to_have_count(0)
    dispatcher.watch.assert_clean()


def test_mutual_aid_then_a_hand_off_and_its_answer(open_session, across) -> None:
    dispatcher = open_session("dispatcher")
    page = open_console(dispatcher)
    recommendations = page.get_by_test_id("recommendations")
    jombang = next(row for row in across if row.jurisdiction_code == "35.17")
    _record_call(page, jombang.lat, jombang.lon)
    card = recommendations.get_by_test_id("handoff-card")
    expect(card).to_be_visible(timeout=15_000)
    card.locator("summary").click()
    card.locator("select").select_option("nearest_unit")
    card.get_by_test_id("mutual-aid").check()
    assign = recommendations.locator("button[data-assign]").first
    expect(assign).to_be_visible(timeout=10_000)
    expect(recommendations).to_contain_text("Unit dikirim sebagai bantuan untuk Call Center 112 Kabupaten Jombang")
    assign.click()
    expect(recommendations.get_by_test_id("responder-url")).to_have_value(re.compile(r"/r/"), timeout=10_000)
    screenshot(page, "console-mutual-aid")

    # Another call there, handed off with one click; the other 112 declines, so it comes back.
    page.click("#new-call")
    _record_call(page, jombang.lat, jombang.lon)
    recommendations.get_by_test_id("handoff-button").click()
    expect(recommendations.get_by_test_id("handoff-done")).to_contain_text("menunggu jawaban")
    page.click("[data-tab=incidents]")
    pending = page.get_by_test_id("pending-handoffs")
    expect(pending).to_be_visible(timeout=5_000)
    expect(pending).to_contain_text("Call Center 112 Kabupaten Jombang")
    item = pending.locator("li").last
    incident = item.locator("button.link").inner_text().lstrip("#")
    expect(page.locator(f"#incident-list [data-incident='{incident}']")).to_have_count(0)  # left the open list
    item.locator("[data-answer=declined]").click()
    listed = page.locator(f"#incident-list [data-incident='{incident}']")
    expect(listed).to_have_count(1, timeout=5_000)
    expect(listed).to_contain_text("Kabupaten Jombang")  # issue 29, fault 15: not "di luar wilayah"
    dispatcher.watch.assert_clean(allow_failed=("/assignments",))
