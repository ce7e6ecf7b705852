"""The dispatch flow in a real browser: place a call by clicking the map, get recommendations, assign, watch
the unit change on the board and the map without reloading, and press "on scene" on the responder's phone.
Caller text with markup is shown as text everywhere and never runs."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, screenshot

MOJOSARI = (-7.5350, 112.5550)  # lat, lon: in Kec. Mojosari, 2 km from its stations (no marker on it)
# Markup a caller might dictate or a dispatcher might paste: none of it may run.
HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>tebal</b>'
LIVE_MS = 5_000  # the promise: a change anywhere shows within 5 s


def click_map_at(page: Page, lat: float, lon: float) -> None:
    """Click the map where ``lat, lon`` is drawn (as a dispatcher does)."""
    x, y = page.evaluate(
        "([lat, lon]) => { const p = geo112Map.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }", [lat, lon]
    )
    box = page.get_by_test_id("map").bounding_box()
    target = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('.leaflet-marker-icon') === null",
        [box["x"] + x, box["y"] + y],
    )
    assert target, f"a marker covers {lat}, {lon}: clicking would open it instead of placing the call"
    page.mouse.click(box["x"] + x, box["y"] + y)


def open_console(session) -> Page:
    page = session.new_page()
    page.goto("/console")
    expect(page.get_by_test_id("map")).to_have_attribute("data-ready", "true", timeout=15_000)
    expect(page.locator("#category option").first).to_be_attached()
    return page


def test_place_recommend_assign_and_respond(open_session) -> None:
    dispatcher = open_session("dispatcher")
    page = open_console(dispatcher)
    click_map_at(page, *MOJOSARI)
    located = page.get_by_test_id("located")
    expect(located.locator("[data-field=kecamatan]")).to_have_text("Mojosari")
    expect(located.locator("[data-field=road]")).to_have_text(re.compile(r"^\d+ m$|^\d+\.\d km$"))
    page.select_option("#category", "medis")
    page.fill("#caller-name", "Bu Sri")
    page.fill("#notes", HOSTILE)
    page.click("#intake-save")

    recommendations = page.get_by_test_id("recommendations")
    first = recommendations.locator("[data-unit-type=ambulance] .candidates li").first
    expect(first).to_be_visible(timeout=15_000)
    expect(recommendations.locator("[data-unit-type=ambulance] .candidates li")).to_have_count(3)
    call_sign = first.get_attribute("data-unit")
    screenshot(page, "console-recommendations")
    first.locator("button[data-assign]").click()

    link = recommendations.get_by_test_id("responder-url")
    expect(link).to_have_value(re.compile(rf"^{re.escape(dispatcher.base_url)}/r/[\w.-]+$"), timeout=10_000)
    url = link.input_value()
    qr = recommendations.locator(".responder-link img")
    expect(qr).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=qr.element_handle())  # the QR drew
    screenshot(page, "console-assigned")

    # The board and the map follow without a reload.
    page.click("[data-tab=units]")
    row = page.locator(f"#unit-board tr[data-unit='{call_sign}']")
    expect(row).to_have_attribute("data-status", "dispatched", timeout=LIVE_MS)
    expect(page.locator(f".leaflet-marker-pane [data-unit='{call_sign}']")).to_have_attribute(
        "data-status", "dispatched"
    )

    # The crew opens the link on a phone (no login) and reports.
    crew = open_session(role=None, device=PHONE)
    phone = crew.new_page()
    phone.goto(url)
    expect(phone.get_by_test_id("map")).to_have_attribute("data-ready", "true", timeout=15_000)
    expect(phone.locator(".leaflet-overlay-pane path")).to_have_count(1)  # the route
    phone.evaluate("window.__stay = 1")  # gone if a press reloaded the page
    phone.click("button[value=acknowledged]")
    phone.click("button[value=en_route]")
    expect(phone.get_by_test_id("map")).to_have_attribute("data-ready", "true", timeout=15_000)
    screenshot(phone, "responder-en-route")
    phone.click("button[value=on_scene]")
    expect(phone.get_by_test_id("unit-status")).to_have_class("status status-on_scene")

    # The dispatcher sees it within the live-refresh promise, still without reloading.
    expect(row).to_have_attribute("data-status", "on_scene", timeout=LIVE_MS)
    expect(page.locator(f".leaflet-marker-pane [data-unit='{call_sign}']")).to_have_attribute("data-status", "on_scene")
    screenshot(page, "console-on-scene")
    expect(phone.get_by_test_id("map")).to_have_attribute("data-ready", "true", timeout=15_000)
    screenshot(phone, "responder-on-scene")

    # The presses updated the page in place, route and all; "Selesai" asks first, and "Batal" leaves it be.
    assert phone.evaluate("window.__stay") == 1
    expect(phone.locator(".leaflet-overlay-pane path")).to_have_count(1)
    phone.click("button[value=cleared]")
    expect(phone.locator(".confirm-question")).to_contain_text(call_sign)
    phone.get_by_role("button", name="Batal").click()
    expect(phone.get_by_test_id("unit-status")).to_have_class("status status-on_scene")
    phone.click("button[value=cleared]")
    phone.get_by_role("button", name="Ya, selesai").click()
    expect(phone.get_by_test_id("unit-status")).not_to_have_class("status status-on_scene")
    expect(phone.locator("button[value=cleared]")).to_have_count(0)
    for session in (dispatcher, crew):
        session.watch.assert_clean()
    assert page.evaluate("window.__pwned") is None and phone.evaluate("window.__pwned") is None


def test_caller_text_is_escaped_everywhere(open_session) -> None:
    dispatcher = open_session("dispatcher")
    page = open_console(dispatcher)
    click_map_at(page, -7.60, 112.50)
    page.select_option("#category", "lainnya")
    page.fill("#caller-name", HOSTILE)
    page.fill("#address", HOSTILE)
    page.fill("#notes", HOSTILE)
    page.click("#intake-save")
    expect(page.get_by_test_id("recommendations")).to_be_visible(timeout=10_000)

    page.click("[data-tab=incidents]")
    item = page.get_by_test_id("incident-list").locator("button", has_text="tebal").first
    expect(item.locator(".notes")).to_have_text(HOSTILE)
    item.click()
    expect(page.locator("#incident-detail .notes")).to_have_text(HOSTILE)
    expect(page.get_by_test_id("calls").locator(".call-text")).to_have_text(" " + HOSTILE)  # the call's words
    incident_id = item.get_attribute("data-incident")
    # The map popup: open it from the marker.
    page.evaluate(
        """id => { geo112Map.layers.incidents.eachLayer(m => {
            if (m.options.title === `#${id}`) m.openPopup(); }); }""",
        incident_id,
    )
    popup = page.locator(".leaflet-popup-content")
    expect(popup.locator(".notes")).to_have_text(HOSTILE)
    expect(popup).to_contain_text('<img src=x onerror="window.__pwned=1">')
    screenshot(page, "console-escaped")
    # Markup became text: no element was made from it, and nothing ran.
    assert page.locator("img[src=x], b:text('tebal')").count() == 0
    assert page.evaluate("window.__pwned") is None
    dispatcher.watch.assert_clean()
