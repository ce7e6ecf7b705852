"""The planners' simulation section in Chromium: a short comparison of two policies on the same calls."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from geo112.analytics.synthetic_history import generate_history
from geo112.store.db import session_factory
from tests.browser.conftest import open_map_page, screenshot


@pytest.fixture(scope="module")
def simulation_history(browser_database: str, network, settings) -> str:
    """A small synthetic history the calls are fitted from."""
    with session_factory(browser_database).begin() as session:
        generate_history(session, network, 400, 7, date(2025, 1, 1), date(2025, 7, 1), settings.data_dir)
    return browser_database


def test_planner_compares_two_policies(open_session, simulation_history) -> None:
    session = open_session("planner")
    page = open_map_page(session, "/planner", 30_000)
    page.fill("#sim-days", "30")
    page.fill("#sim-replications", "2")
    page.select_option("#sim-compare", "mexclp")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/simulation")) as first:
        page.click("#sim-form button")
    fleet = first.value.json()["units"]  # the units at stations (other browser tests add their own)
    rows = page.locator("#sim-rows tr")
    expect(rows.first).to_be_visible(timeout=60_000)
    # A row per unit type the fitted calls need (the browser tests' database also holds their real calls).
    assert rows.count() >= 2
    expect(page.get_by_test_id("sim-note")).to_contain_text("Selisih berpasangan")
    expect(page.locator("#sim-head-b")).to_contain_text("MEXCLP")
    assert "%" in page.locator("#sim-rows tr td:nth-child(4)").first.inner_text()
    chart = page.locator("[data-chart=simulation_late]")
    expect(chart).to_have_attribute("data-rendered", "true", timeout=30_000)
    assert chart.locator("svg g.mark-rect path").count() >= 2  # a bar per unit type and policy: two policies
    page.locator("#sim-rows").scroll_into_view_if_needed()
    screenshot(page, "planner-simulation")
    # The run is kept: its link prints it in the evaluation report's Simulasi section.
    kept = first.value.json()["result_id"]
    expect(page.get_by_test_id("sim-report")).to_have_attribute("href", re.compile(rf"report\.pdf\?simulation={kept}&"))
    report = session.context.request.get(page.get_by_test_id("sim-report").get_attribute("href") or "")
    assert report.ok and report.headers["content-type"] == "application/pdf"
    # A what-if: two fire trucks at the planned Jetis post, on the same calls.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/simulation")) as answer:
        page.select_option("#sim-add-station", label="F11 Usulan pos Damkar Jetis")
        page.select_option("#sim-add-type", "fire_truck")
        page.fill("#sim-add-units", "2")
        page.click("#sim-form button")
    assert answer.value.ok and answer.value.json()["units"] == fleet + 2
    session.watch.assert_clean()
