"""Many calls for one incident, in the browser: a second call from the same number is caught as a possible
duplicate before saving and joins with one click; two incidents found to be one are merged from the detail."""

from __future__ import annotations

import uuid

from playwright.sync_api import Page, expect

from tests.browser.test_dispatch_flow import click_map_at, open_console

# In Kec. Sooko, away from the other browser tests' incidents; the second call ~250 m east.
FIRST = (-7.4960, 112.4700)
SECOND = (-7.4960, 112.4723)
ELSEWHERE = (-7.4900, 112.4800)


def _take_call(page: Page, point: tuple[float, float], phone: str) -> None:
    page.click("[data-tab=intake]")
    if page.locator("#new-call").is_visible():
        page.click("#new-call")
    page.evaluate(f"() => {{ geo112Map.map.setView([{point[0]}, {point[1]}], 16, {{ animate: false }}); }}")
    click_map_at(page, *point)
    expect(page.get_by_test_id("located").locator("[data-field=kecamatan]")).not_to_have_text("…")
    page.select_option("#category", "medis")
    page.fill("#caller-phone", phone)


def _saved_id(page: Page) -> int:
    """Save the call; the id of the new incident, once its recommendations replaced the previous ones."""
    heading = page.get_by_test_id("recommendations").locator("h2")
    before = heading.get_attribute("data-incident") if heading.count() else None
    page.click("#intake-save")
    if before is not None:
        expect(heading).not_to_have_attribute("data-incident", before, timeout=15_000)
    expect(heading).to_be_attached(timeout=15_000)
    return int(heading.get_attribute("data-incident"))


def test_a_second_call_joins_and_a_third_incident_is_merged(open_session) -> None:
    page = open_console(open_session("dispatcher"))
    phone = "0856" + str(uuid.uuid4().int)[:8]
    _take_call(page, FIRST, phone)
    first = _saved_id(page)

    _take_call(page, SECOND, phone)
    duplicates = page.get_by_test_id("duplicates")
    candidate = duplicates.locator(f"li[data-incident='{first}']")
    expect(candidate).to_be_visible(timeout=5_000)
    expect(candidate).to_contain_text("penelepon sama")
    expect(duplicates.get_by_test_id("caller-history")).to_contain_text("1 panggilan")
    candidate.get_by_role("button", name="Gabungkan").click()
    calls = page.get_by_test_id("calls")
    expect(calls.locator("h4")).to_have_text("Panggilan (2)", timeout=5_000)
    expect(duplicates).to_be_hidden()

    _take_call(page, ELSEWHERE, "0812 000 111")
    other = _saved_id(page)
    page.click("[data-tab=incidents]")
    page.locator(f"#incident-list [data-incident='{other}']").click()
    expect(page.locator("#incident-detail h3")).to_contain_text(f"#{other}")
    merge = page.locator(".merge-form")
    merge.locator("input").fill(str(first))
    merge.get_by_role("button", name="Gabungkan").click()
    expect(page.locator("#incident-detail h3")).to_contain_text(f"#{first}", timeout=5_000)
    expect(calls.locator("h4")).to_have_text("Panggilan (3)")
    expect(calls).to_contain_text(f"dari insiden #{other}")
    expect(page.locator("#incident-detail .timeline")).to_contain_text("Insiden digabungkan")
