"""The caller's location from the caller's phone, end to end in Chromium: the dispatcher makes the link
(copy, QR, WhatsApp), the caller's phone grants its position and the incident moves there with its accuracy
circle; a phone that refuses says so on both sides; an expired link says so on the phone."""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from geo112.dispatch import caller_location
from tests.browser.conftest import PHONE
from tests.browser.test_dispatch_flow import open_console

# Where the dispatcher first placed the call (Kec. Trowulan, away from where the other browser tests click the
# map), and where the caller's phone really is (~2 km east, Kec. Jatirejo).
PLACED = (112.3800, -7.5800)
RECOMMEND = "Rekomendasi unit"
PHONE_AT = {"latitude": -7.5800, "longitude": 112.4000, "accuracy": 35}


def _incident_with_link(page: Page) -> tuple[int, str]:
    """Record a call through the console's API, open it, and make its caller link from the detail."""
    incident = page.evaluate(
        """async ([lon, lat]) => {
            const csrf = document.querySelector('meta[name="csrf-token"]').content;
            const answer = await fetch('/api/v1/incidents', { method: 'POST', headers: { 'Content-Type':
              'application/json', 'X-CSRFToken': csrf }, body: JSON.stringify({ category: 'medis', lon, lat,
              caller_phone: '0812 3456 7890' }) });
            return (await answer.json()).id; }""",
        list(PLACED),
    )
    page.click("[data-tab=incidents]")
    page.locator(f"#incident-list [data-incident='{incident}']").click()
    expect(page.locator("#incident-detail h3")).to_contain_text(f"#{incident}")
    page.get_by_test_id("caller-link").click()
    url = page.get_by_test_id("caller-url")
    expect(url).to_have_value(re.compile(r"/l/"))
    whatsapp = page.locator(".caller-link [data-testid=whatsapp]")
    expect(whatsapp).to_have_attribute("href", re.compile(r"^https://wa\.me/6281234567890\?text="))
    expect(page.locator(".caller-link img.qr")).to_be_visible()
    return incident, url.input_value()


def test_the_callers_phone_moves_the_incident(open_session) -> None:
    console = open_console(open_session("dispatcher"))
    incident, url = _incident_with_link(console)
    # The recommendations are open while the caller answers: they follow the incident to its new place.
    console.locator("#incident-detail").get_by_role("button", name=RECOMMEND).click()
    panel = console.locator("#incident-recommendations [data-unit-type=ambulance] .candidates li").first
    expect(panel).to_be_visible(timeout=15_000)
    eta_before = panel.locator(".what .hint").first.inner_text()
    console.evaluate("() => document.activeElement.blur()")  # the detail redraws once focus has left it
    phone = open_session(None, {**PHONE, "geolocation": PHONE_AT, "permissions": ["geolocation"]})
    caller = phone.new_page()
    caller.goto(url)
    status = caller.get_by_test_id("caller-status")
    expect(status).to_contain_text("lokasi Anda terkirim (±35 m)", timeout=10_000)
    # No unit has been sent yet: the caller is not told one is on its way (issue 29, fault 8).
    expect(status).to_contain_text("sedang menangani laporan Anda")
    expect(status).not_to_contain_text("sedang menuju")
    phone.watch.assert_clean()

    accuracy = console.get_by_test_id("caller-accuracy")
    expect(accuracy).to_contain_text("±35 m", timeout=5_000)
    expect(console.locator("#incident-detail .timeline")).to_contain_text("Penelepon mengirim lokasinya")
    # the map redraws the incident layer on its own refresh: wait for the accuracy circle to be drawn
    radius = console.wait_for_function(
        """() => { let r = null; geo112Map.layers.incidents.eachLayer(l => {
        if (l.getRadius) r = l.getRadius(); }); return r; }""",
        timeout=5_000,
    ).json_value()
    assert radius == 35
    expect(panel.locator(".what .hint").first).not_to_have_text(eta_before, timeout=5_000)
    moved = console.evaluate(f"async () => (await (await fetch('/api/v1/incidents/{incident}')).json()).location")
    assert moved["coordinates"] == [PHONE_AT["longitude"], PHONE_AT["latitude"]]


def test_a_phone_that_refuses_says_so_on_both_sides(open_session) -> None:
    console = open_console(open_session("dispatcher"))
    _incident, url = _incident_with_link(console)
    caller = open_session(None, PHONE).new_page()  # no permission: the browser refuses the position
    caller.goto(url)
    expect(caller.get_by_test_id("caller-status")).to_contain_text("Akses lokasi ditolak", timeout=10_000)
    expect(console.locator("#incident-detail .timeline")).to_contain_text("akses ditolak", timeout=5_000)


def test_an_expired_link_says_so_on_the_phone(open_session, live_app) -> None:
    token, _ = caller_location.issue(live_app.config["SECRET_KEY"], 1, 60, now=time.time() - 120)
    session = open_session(None, PHONE)
    caller = session.new_page()
    answer = caller.goto(f"/l/{token}")
    assert answer.status == 410
    expect(caller.get_by_test_id("caller-link-refused")).to_contain_text("kedaluwarsa")
    expect(caller.locator("#share-location")).to_have_count(0)
