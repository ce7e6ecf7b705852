"""The console at 2 a.m. (issue 29): faults a night shift hits, each checked in Chromium at a laptop's
1366×768, with a screenshot in ``test-artifacts/``."""

from __future__ import annotations

from playwright.sync_api import expect

from geo112.dispatch import schemas
from geo112.dispatch.incidents import create_incident, update_incident
from geo112.store.db import session_factory
from tests.browser.conftest import screenshot
from tests.browser.test_dispatch_flow import open_console

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
