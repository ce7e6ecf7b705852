"""The vector base map in Chromium: roads and their names drawn from the app's own tiles, on every map page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_map_page, screenshot
from tests.browser.test_console_live import Other

SEAT = (-7.4722, 112.4336)
# Counts, over every base map canvas, the white of road fills and the colour of road names (basemap.js: no
# other rule paints near "#374151"; text is antialiased, so near it).
PIXELS = """() => {
  const stats = { canvases: 0, road: 0, roadName: 0 };
  for (const canvas of document.querySelectorAll(".leaflet-tile-pane canvas")) {
    if (!canvas.width) continue;
    stats.canvases += 1;
    const data = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
    for (let i = 0; i < data.length; i += 4) {
      const [r, g, b] = [data[i], data[i + 1], data[i + 2]];
      if (r === 255 && g === 255 && b === 255 && data[i + 3] === 255) stats.road += 1;
      else if (Math.abs(r - 55) + Math.abs(g - 65) + Math.abs(b - 81) < 24) stats.roadName += 1;
    }
  }
  return stats;
}"""


def _zoom_to_seat(page, zoom: int) -> dict:
    page.evaluate(f"() => {{ window.geo112Map.map.setView([{SEAT[0]}, {SEAT[1]}], {zoom}, {{ animate: false }}); }}")
    page.wait_for_function(f"() => ({PIXELS})().road > 5000 && ({PIXELS})().roadName > 20", timeout=20_000)
    return page.evaluate(PIXELS)


def test_the_console_at_z14_draws_roads_and_their_names_from_its_own_tiles(open_session) -> None:
    session = open_session("dispatcher")
    page = open_map_page(session, "/console")
    tiles: list[str] = []
    page.on("request", lambda r: "/tiles/" in r.url and tiles.append(r.url))
    stats = _zoom_to_seat(page, 14)
    assert stats["canvases"] >= 4 and stats["road"] > 5000 and stats["roadName"] > 20
    assert tiles and all(t.startswith(session.base_url + "/tiles/base/14/") for t in tiles)
    attribution = page.locator(".leaflet-control-attribution")
    assert "SINTETIS" in attribution.inner_text()
    screenshot(page, "basemap-console-z14")
    session.watch.assert_clean()


@pytest.mark.parametrize(("role", "path"), [("planner", "/planner"), ("planner", "/planner/analytics")])
def test_the_planner_maps_have_the_same_base_map(open_session, role: str, path: str) -> None:
    session = open_session(role)
    page = open_map_page(session, path, 30_000)
    stats = _zoom_to_seat(page, 14)
    assert stats["road"] > 5000
    screenshot(page, "basemap" + path.replace("/", "-"))
    session.watch.assert_clean()


def test_proposals_show_their_routes_and_incidents_their_numbers(open_session) -> None:
    session = open_session("dispatcher")
    incident = Other(session).medical_call(-7.6150, 112.5600)
    page = open_map_page(session, "/console")
    marker = page.locator(f".leaflet-marker-pane [data-incident='{incident}']")
    expect(marker).to_have_text(str(incident))
    page.click("[data-tab=incidents]")
    page.locator(f"#incident-list button[data-incident='{incident}']").click()
    page.locator("#incident-detail button", has_text="Rekomendasi unit").click()
    candidates = page.locator("#incident-recommendations .candidates li")
    expect(candidates.first).to_be_visible(timeout=15_000)
    previews = page.locator(".leaflet-overlay-pane path.route-preview")
    expect(previews).to_have_count(candidates.count(), timeout=15_000)
    first = candidates.first.get_attribute("data-unit")
    expect(page.locator(".leaflet-tooltip.eta-label", has_text=first)).to_have_count(1)
    widths = "els => els.map(e => e.getAttribute('stroke-width'))"
    candidates.first.hover()
    assert "8" in previews.evaluate_all(widths)
    page.mouse.move(5, 5)
    assert set(previews.evaluate_all(widths)) == {"4"}
    screenshot(page, "console-route-previews")
    session.watch.assert_clean()


def test_units_stacked_at_a_station_spread_out_on_a_click(open_session) -> None:
    session = open_session("dispatcher")
    page = open_map_page(session, "/console")
    stack = page.locator(".unit-cluster").first
    expect(stack).to_be_visible(timeout=15_000)
    signs = stack.get_attribute("data-units").split()
    assert len(signs) >= 2
    stack.click()
    for sign in signs:
        expect(page.locator(f".leaflet-marker-pane .unit-icon[data-unit='{sign}']")).to_be_visible()
    session.watch.assert_clean()
