"""The console at 2 a.m. (issue 29): faults a night shift hits, each checked in Chromium at a laptop's
1366×768, with a screenshot in ``test-artifacts/``."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Response, expect
from sqlalchemy import text

from geo112.dispatch import schemas
from geo112.dispatch.incidents import create_incident, update_incident
from geo112.store.db import session_factory
from tests.browser.conftest import PHONE, screenshot
from tests.browser.test_dispatch_flow import open_console
from tests.browser.test_offline import responder_url
from tests.reliability.test_front_door import proxy, proxy_env

LAPTOP = {"viewport": {"width": 1366, "height": 768}}


def _incident_with_a_long_timeline(database: str, lon: float, lat: float, edits: int = 25) -> int:
    with session_factory(database).begin() as s:
        incident = create_incident(
            s, schemas.IncidentCreate(category="medis", priority=1, lon=lon, lat=lat), "tester"
        ).id
        for n in range(edits):
            update_incident(s, incident, schemas.IncidentUpdate(description=f"keterangan ke-{n}"), "tester")
    return incident


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= page.viewport_size["height"]


def test_opening_an_incident_brings_the_map_to_it_and_its_proposals_into_view(open_session, browser_database) -> None:
    """Fault 7: proposals opened below a long timeline, off screen; the map stayed where it was."""
    lon, lat = 112.4550, -7.6050  # Kec. Trowulan, away from where other tests click
    incident = _incident_with_a_long_timeline(browser_database, lon, lat)
    page = open_console(open_session("dispatcher", device=LAPTOP))
    page.click("[data-tab=incidents]")
    page.locator(f"#incident-list button[data-incident='{incident}']").click()
    expect(page.locator("#incident-detail h3")).to_contain_text(f"#{incident}")
    expect(page.locator("#incident-detail ol.timeline li")).to_have_count(26)

    centre, zoom = page.evaluate("(({ map }) => [map.getCenter(), map.getZoom()])(window.geo112Map)")
    centre = (centre["lng"], centre["lat"])
    assert zoom >= 14 and abs(centre[0] - lon) < 0.002 and abs(centre[1] - lat) < 0.002, (centre, zoom)

    page.locator("#incident-detail button", has_text="Rekomendasi unit").click()
    first = page.locator("#incident-recommendations .candidates li").first
    expect(first).to_be_visible(timeout=15_000)
    page.wait_for_timeout(300)  # the scroll into view
    screenshot(page, "incident-proposals-1366x768")
    assert _in_view(page, first), "the first proposal is on screen"
    assert _in_view(page, page.locator("#incident-recommendations h2"))


@pytest.fixture(scope="module")
def front_door(live_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The project's nginx (``scripts/proxy.sh``, plain HTTP on loopback) in front of the browser tests' app."""
    env = proxy_env(tmp_path_factory.mktemp("responder-proxy"), live_server.removeprefix("http://"), plain=True)
    started = proxy("start", env)
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield f"http://127.0.0.1:{env['GEO112_PROXY_HTTP_PORT']}"
    finally:
        stopped = proxy("stop", env)
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr


def test_the_responder_page_loads_light_on_mobile_data(open_session, browser, front_door: str) -> None:
    """Fault 9: a responder's first load through the front door was 4.7 MB; the target is 300 kB."""
    link = urlsplit(responder_url(open_session("dispatcher"))).path  # through the front door
    context = browser.new_context(base_url=front_door, locale="id-ID", **PHONE)
    sent: dict[str, int] = {}

    def count(response: Response) -> None:
        sizes = response.request.sizes()
        sent[response.url] = sizes["responseBodySize"] + sizes["responseHeadersSize"]

    try:
        page = context.new_page()
        page.on("response", count)
        page.goto(link)
        expect(page.get_by_test_id("map")).to_have_attribute("data-ready", "true", timeout=15_000)
        page.wait_for_load_state("networkidle")
        screenshot(page, "responder-first-load")
    finally:
        context.close()
    heaviest = sorted(sent.items(), key=lambda item: -item[1])[:5]
    total = sum(sent.values())
    print(f"responder first load: {total} bytes")
    assert total <= 300_000, f"{total / 1000:.0f} kB, heaviest: {[(u.split('?')[0][-40:], n) for u, n in heaviest]}"


# Headless Chromium does not apply the autoplay rule (its AudioContext always runs), so the page is given
# a browser's rule: a context starts suspended and resumes only with a user activation.
AUTOPLAY_RULE = """
const Real = window.AudioContext;
window.AudioContext = class extends Real {
  constructor(...args) { super(...args); this.suspend(); }
  resume() { return navigator.userActivation.isActive ? super.resume() : Promise.resolve(); }
};
"""


def test_the_console_says_when_the_alert_sound_is_off_and_any_key_turns_it_on(open_session) -> None:
    """Fault 6: the chime was silent after each page load until a click, and nothing said so."""
    session = open_session("dispatcher", device=LAPTOP)
    session.context.add_init_script(AUTOPLAY_RULE)
    page = open_console(session)
    banner = page.get_by_test_id("sound-off")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Suara peringatan mati")
    page.locator("body").press("a")  # the dispatcher's first key, wherever the focus is
    expect(banner).to_be_hidden()
    assert page.evaluate("navigator.userActivation.hasBeenActive")
    # A first click turns it on too, and lands where it was aimed: the banner goes after the click, not
    # between the mouse's press and release (the page moved up under the pointer, and a hang-up was lost).
    page = open_console(session)
    expect(page.get_by_test_id("sound-off")).to_be_visible()
    tab = page.locator("[data-tab=incidents]")
    box = tab.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.wait_for_timeout(120)  # a human's click
    page.mouse.up()
    expect(page.get_by_test_id("sound-off")).to_be_hidden()
    expect(tab).to_have_attribute("aria-selected", "true")


def test_why_a_unit_is_not_proposed_is_said_in_indonesian(open_session, browser_database) -> None:
    """Fault 12: "(already assigned to this incident (dispatched))" in the Indonesian console."""
    with session_factory(browser_database).begin() as s:
        incident = create_incident(s, schemas.IncidentCreate(category="medis", lon=112.4700, lat=-7.6300), "tester").id
    page = open_console(open_session("dispatcher", device=LAPTOP))
    page.click("[data-tab=incidents]")
    page.locator(f"#incident-list button[data-incident='{incident}']").click()
    page.locator("#incident-detail button", has_text="Rekomendasi unit").click()
    panel = page.locator("#incident-recommendations")
    panel.locator("[data-unit-type=ambulance] .candidates li button[data-assign]").first.click()
    ambulances = panel.locator("[data-unit-type=ambulance]")
    ambulances.locator("details:not(.more-units) > summary").click()  # "not proposed"
    expect(ambulances).to_contain_text("sudah ditugaskan ke sini (Ditugaskan)")
    expect(ambulances).not_to_contain_text("already")


class Blip:
    """The app's server unreachable for a while, at the browser: every API and tile request gets a 502."""

    def __init__(self, page) -> None:
        self.down = False
        page.route("**/api/v1/**", self._answer)
        page.route("**/tiles/**", self._answer)

    def _answer(self, route, request) -> None:
        if self.down:
            route.fulfill(status=502, content_type="text/html", body="<h1>502 Bad Gateway</h1>")
        else:
            route.fallback()


def test_after_a_server_blip_the_map_and_a_pending_lookup_fill_in(open_session) -> None:
    """Fault 10: a console opened during a blip stayed blank; a desa lookup showed "…" forever."""
    page = open_session("dispatcher", device=LAPTOP).new_page()
    blip = Blip(page)
    blip.down = True
    page.goto("/console")
    page.wait_for_timeout(3_000)
    assert page.get_by_test_id("map").get_attribute("data-ready") is None
    blip.down = False
    expect(page.get_by_test_id("map")).to_have_attribute("data-ready", "true", timeout=30_000)
    expect(page.locator("#category option").first).to_be_attached()
    expect(page.locator(".leaflet-tile-loaded").first).to_be_attached()

    blip.down = True
    page.fill("#lat", "-7.6000")
    page.fill("#lon", "112.4300")
    page.click("#coords-go")
    desa = page.locator("#located [data-field=desa]")
    expect(desa).to_have_text("–", timeout=10_000)  # not "…" forever
    expect(page.locator("#intake-error")).not_to_be_empty()
    expect(page.get_by_test_id("offline-banner")).to_be_visible(timeout=10_000)
    blip.down = False
    expect(desa).not_to_have_text("–", timeout=15_000)
    expect(page.locator("#intake-error")).to_be_empty()


def _focused(page) -> str:
    return page.evaluate("(e => e.id || e.getAttribute('class') || e.tagName)(document.activeElement)")


def test_a_whole_call_without_the_mouse(open_session) -> None:
    """Fault 5: Tab never reached the search box; no shortcut for a new call; the focus was lost on the way."""
    page = open_console(open_session("dispatcher", device=LAPTOP))
    expect(page.locator("#place-search")).to_be_focused()  # a call starts here
    walked = []  # the whole Tab ring, back to the search box
    while len(walked) < 80 and (not walked or walked[-1] != "place-search"):
        page.keyboard.press("Tab")
        walked.append(_focused(page))
    assert len(walked) <= 40, f"Tab walks the page's controls, not every marker and outline: {walked}"

    keys = 0
    page.keyboard.type("Trowulan")
    expect(page.locator("#place-results li button").first).to_contain_text("Desa Trowulan")  # fault 11: not a post
    page.keyboard.press("Enter")
    keys += 1
    expect(page.locator("#located [data-field=desa]")).to_have_text("Trowulan")
    expect(page.locator("#category")).to_be_focused()
    for _ in range(2):  # category (medis) → priority → caller's name
        page.keyboard.press("Tab")
    keys += 2
    expect(page.locator("#caller-name")).to_be_focused()
    page.keyboard.type("Bu Sri")
    page.keyboard.press("Enter")  # saves the call
    keys += 1
    first = page.locator("#recommendations button[data-assign]").first
    expect(first).to_be_focused(timeout=15_000)
    page.keyboard.press("Enter")  # sends the best unit
    keys += 1
    expect(page.locator("#recommendations .responder-link button").first).to_be_focused(timeout=15_000)
    page.keyboard.press("F2")  # the next call
    keys += 1
    expect(page.locator("#place-search")).to_be_focused()
    expect(page.locator("#intake")).to_be_visible()
    assert keys == 6
    page.evaluate("document.activeElement.blur()")  # "?" is a character in a text field
    page.keyboard.press("?")
    expect(page.get_by_test_id("shortcuts").locator("dl")).to_be_visible()
    expect(page.get_by_test_id("shortcuts")).to_contain_text("F2 · Alt+N")
    screenshot(page, "keyboard-shortcuts-1366x768")


def test_a_proposal_beyond_the_target_says_so(open_session, browser_database) -> None:
    """Fault 3: the nearest fire truck, far beyond the 15-minute fire target, was shown like any other."""
    with session_factory(browser_database).begin() as s:
        data = schemas.IncidentCreate(category="kebakaran", lon=112.3700, lat=-7.5600)
        incident = create_incident(s, data, "tester").id
        # 14 of the 15 minutes gone: any truck is late, wherever other tests left the fleet.
        s.execute(
            text("UPDATE incident SET received_at = now() - interval '14 minutes' WHERE id = :i"), {"i": incident}
        )
    page = open_console(open_session("dispatcher", device=LAPTOP))
    page.click("[data-tab=incidents]")
    page.locator(f"#incident-list button[data-incident='{incident}']").click()
    page.locator("#incident-detail button", has_text="Rekomendasi unit").click()
    missed = page.locator("#incident-recommendations [data-unit-type=fire_truck]").get_by_test_id("target-missed")
    expect(missed).to_contain_text("Target tiba di lokasi 15 min terlewati", timeout=15_000)
    expect(page.get_by_test_id("ask-neighbour")).to_contain_text("Kabupaten Jombang")
    screenshot(page, "target-missed-1366x768")
