"""Move-up in the console: proposals carry what their departure costs in coverage, and the units tab proposes
relocations for a type below the level, ordered with one click and shown on the board."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dispatch_flow import open_console


def test_relocation_is_proposed_ordered_and_shown_on_the_board(open_session) -> None:
    page = open_console(open_session("dispatcher"))
    page.click("[data-tab=units]")
    fire = page.get_by_test_id("moveup").locator("[data-unit-type=fire_truck]")
    expect(fire).to_contain_text("penduduk tercakup", timeout=15_000)
    first = fire.locator(".moves li").first
    expect(first).to_contain_text(re.compile(r"\+[\d.]+ jiwa tercakup"))
    call_sign, station = first.get_attribute("data-unit"), first.inner_text().split("→")[1].split("·")[0].strip()
    first.get_by_test_id("order-move").click()
    row = page.get_by_test_id("unit-board").locator(f"tr[data-unit='{call_sign}']")
    expect(row).to_have_attribute("data-status", "relocating", timeout=5_000)
    expect(row).to_contain_text(f"Pindah ke pos: {station}")
    # Arrival: the board's own status control (relocating → available).
    row.locator("select").select_option("available")
    expect(row).to_have_attribute("data-status", "available", timeout=5_000)


def _fire_at_coordinates(page: Page) -> Page:
    """Record a fire placed by coordinates (south-west of the regency's Damkar posts) in the console."""
    page.fill("#lat", "-7.6400")
    page.fill("#lon", "112.4600")
    page.click("#coords-go")
    expect(page.get_by_test_id("located").locator("[data-field=kecamatan]")).not_to_have_text("…")
    page.select_option("#category", "kebakaran")
    page.click("#intake-save")
    return page


def test_proposals_say_what_their_departure_costs(open_session) -> None:
    page = _fire_at_coordinates(open_console(open_session("dispatcher")))
    costs = page.get_by_test_id("recommendations").locator("[data-unit-type=fire_truck] li[data-unit-id] .cost")
    expect(costs.first).to_have_text(re.compile(r"jiwa tanpa cakupan|cakupan tetap"), timeout=15_000)


@pytest.fixture
def closest_with_moveup(live_app) -> Iterator[None]:
    """The live app with GEO112_DISPATCH_POLICY=closest+moveup and a level every type is below, for one test."""
    before = live_app.config["GEO112_SETTINGS"]
    live_app.config["GEO112_SETTINGS"] = dataclasses.replace(before, dispatch_policy="closest+moveup",
                                                             moveup_level=0.99)  # fmt: skip
    yield
    live_app.config["GEO112_SETTINGS"] = before


def test_proposals_say_why_and_the_move_up_that_follows(open_session, closest_with_moveup) -> None:
    page = _fire_at_coordinates(open_console(open_session("dispatcher")))
    fire = page.get_by_test_id("recommendations").locator("[data-unit-type=fire_truck]")
    first = fire.locator(".candidates li").first
    expect(first.locator(".what .hint").first).to_have_text(re.compile(r"· terdekat"), timeout=15_000)
    closest = re.escape(first.get_attribute("data-unit") or "")
    expect(fire.locator(".candidates li").nth(1).locator(".what .hint").first).to_have_text(
        re.compile(rf"· (\+\d+ (s|min) dibanding|sama dekat dengan) {closest}$")
    )
    after = fire.get_by_test_id("moveup-after")
    expect(after).to_have_text(re.compile(rf"^Setelah {closest} berangkat, "
                                          r"geser: .+ → .+"))  # fmt: skip
