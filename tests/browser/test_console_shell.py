"""The console's shell in a real browser: log in, the map with its boundary layers, placing a call."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.conftest import PASSWORD


def test_login_form_leads_to_the_console(open_session, users) -> None:
    session = open_session(role=None)
    page = session.new_page()
    page.goto("/console")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.fill("input[name=username]", users["dispatcher"])
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    expect(page).to_have_url(f"{session.base_url}/console")
    expect(page.locator(".leaflet-boundaries-pane path").first).to_be_attached(timeout=15_000)
    session.watch.assert_clean()


def test_clicking_the_map_places_the_call(open_session) -> None:
    session = open_session("dispatcher")
    page = session.new_page()
    page.goto("/console")
    map_box = page.get_by_test_id("map")
    expect(page.locator(".leaflet-boundaries-pane path").first).to_be_attached(timeout=15_000)
    box = map_box.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55)
    located = page.get_by_test_id("located")
    expect(located.locator("[data-field=kecamatan]")).not_to_have_text("–")
    expect(located.locator("[data-field=kecamatan]")).not_to_have_text("…")
    screenshot(page, "console-placed")
    session.watch.assert_clean()
