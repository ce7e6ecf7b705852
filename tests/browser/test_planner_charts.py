"""The planners' charts in Chromium: every chart of the analytics and coverage pages is drawn, has marks and
its legend, from libraries the app serves itself."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from geo112.analytics.synthetic_history import generate_history
from geo112.store.db import session_factory
from tests.browser.conftest import open_map_page, screenshot

ANALYTICS = ("response_distribution", "response_over_time", "calls_by_hour", "kecamatan_categories", "dispositions")
COVERAGE = ("reach_curves", "covered_by_kecamatan")
#: Charts whose colour stands for something (unit type, count, category) must say what.
WITH_LEGEND = {"response_over_time", "calls_by_hour", "kecamatan_categories", "reach_curves", "covered_by_kecamatan"}


@pytest.fixture(scope="module")
def browser_history(browser_database: str, network, settings) -> str:
    """A small synthetic history in the browser database, so that the analytics charts have something to show."""
    with session_factory(browser_database).begin() as session:
        generate_history(session, network, 400, 7, date(2025, 1, 1), date(2025, 7, 1), settings.data_dir)
    return browser_database


def _percent(text: str) -> float | None:
    return None if text == "–" else float(text.rstrip("%"))


def _wait_rendered(page: Page, names: tuple[str, ...]) -> None:
    for name in names:
        expect(page.locator(f"[data-chart={name}]")).to_have_attribute("data-rendered", "true", timeout=30_000)


def _assert_drawn(page: Page, names: tuple[str, ...]) -> None:
    _wait_rendered(page, names)
    for name in names:
        chart = page.locator(f"[data-chart={name}]")
        marks = chart.locator(
            "svg g.mark-rect path, svg g.mark-line path, svg g.mark-symbol path, svg g.mark-rule line"
        )
        assert marks.count() > 0, f"{name} has no marks"
        if name in WITH_LEGEND:
            assert chart.locator("svg g.role-legend").count() > 0, f"{name} has no legend"


def test_analytics_page_draws_every_chart(open_session, browser_history) -> None:
    session = open_session("planner")
    page = open_map_page(session, "/planner/analytics", 30_000)
    # The page starts on the synthetic history only when there is no real incident; other tests record some.
    if not page.is_checked("#analytics-include-synthetic"):
        _wait_rendered(page, ANALYTICS)
        page.check("#analytics-include-synthetic")
        page.evaluate("() => document.querySelectorAll('[data-chart]').forEach((c) => delete c.dataset.rendered)")
        page.click("#analytics-form button[type=submit]")
    _assert_drawn(page, ANALYTICS)
    heat = page.locator("[data-chart=calls_by_hour] svg g.mark-rect path")
    assert heat.count() > 100  # one cell per hour and weekday with incidents: 400 incidents fill most of 168
    legend = page.get_by_test_id("map-legend")
    expect(legend).to_contain_text("km²")
    expect(legend.locator(".swatch")).to_have_count(3)
    expect(page.get_by_test_id("analytics-report")).to_have_attribute(
        "href", re.compile(r"/api/v1/analytics/report\.pdf\?.*include_synthetic=true")
    )
    expect(page.get_by_test_id("analytics-report")).not_to_have_attribute("href", re.compile("simulation="))
    page.check("#analytics-report-simulation")  # the latest kept simulation run, as the report's Simulasi
    expect(page.get_by_test_id("analytics-report")).to_have_attribute("href", re.compile("simulation=latest"))
    screenshot(page, "planner-analytics-charts")
    session.watch.assert_clean()


def test_coverage_page_draws_its_charts(open_session) -> None:
    session = open_session("planner")
    page = open_map_page(session, "/planner", 30_000)
    _assert_drawn(page, COVERAGE)
    legend = page.get_by_test_id("map-legend")
    expect(legend).to_be_visible()
    expect(legend.locator(".swatch")).to_have_count(9)
    expect(page.get_by_test_id("coverage-columns")).to_contain_text("MEXCLP")
    rows = page.locator("#desa-rows tr")
    expect(rows).to_have_count(304)
    shares = [_percent(text) for text in page.locator("#desa-rows tr td:nth-child(4)").all_inner_texts()]
    known = [s for s in shares if s is not None]
    assert known == sorted(known) and shares[: len(known)] == known  # lowest covered first, no-roads last
    page.click("th[data-desa-sort=population]")
    population = [int(t.replace(".", "")) for t in page.locator("#desa-rows tr td:nth-child(3)").all_inner_texts()]
    assert population == sorted(population)
    page.fill("[data-testid=desa-filter]", "mojosari")
    expect(rows).not_to_have_count(304)
    kecamatan = page.locator("#desa-rows tr td:nth-child(2)").all_inner_texts()
    names = page.locator("#desa-rows tr td:nth-child(1)").all_inner_texts()
    assert kecamatan and all("mojosari" in f"{n} {k}".lower() for n, k in zip(names, kecamatan))
    screenshot(page, "planner-coverage-charts")
    page.select_option("#coverage-type", "fire_truck")
    expect(page.locator("#whatif-station option")).to_have_count(2)  # the two Damkar posts, not every station
    page.select_option("#whatif-action", "remove")
    page.click("#whatif-form button")
    _assert_drawn(page, ("whatif_reach",))
    scenarios = page.locator("[data-chart=whatif_reach] svg g.role-legend text").all_text_contents()
    assert "sebelum" in scenarios and "sesudah" in scenarios
    session.watch.assert_clean()
