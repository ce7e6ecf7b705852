"""Console features besides the main flow: search, typed coordinates, English, the coverage gap, a status
change from the board, an AVL fix moving a unit live, and the planner page."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import csrf, open_map_page, screenshot
from tests.browser.test_dispatch_flow import LIVE_MS, open_console


def test_desa_search_and_typed_coordinates_place_the_call(open_session) -> None:
    page = open_console(open_session("dispatcher"))
    page.fill("#place-search", "gedek")  # spelled as callers say it: Gedeg
    page.locator("#place-results button", has_text="Gedeg").first.click()
    located = page.get_by_test_id("located")
    expect(located.locator("[data-field=kecamatan]")).to_have_text("Gedeg")
    page.fill("#lat", "-7,4720")  # a decimal comma, as typed in Indonesia
    page.fill("#lon", "112.4340")
    page.press("#lon", "Enter")
    expect(located.locator("[data-field=jurisdiction]")).to_have_text("Kota Mojokerto")
    expect(page.locator("#handoff")).to_be_visible()  # the enclave has its own 112
    page.fill("#place-search", "jalan raya gedeg")
    page.locator("#place-results button", has_text="Jalan Raya Gedeg").first.click()
    expect(located.locator("[data-field=road]")).to_have_text("0 m")


def test_console_speaks_english(open_session) -> None:
    page = open_session("dispatcher").new_page()
    page.goto("/console?lang=en")
    expect(page.locator("[data-tab=intake]")).to_have_text("New call")
    expect(page.get_by_test_id("map")).to_have_attribute("data-ready", "true", timeout=15_000)
    expect(page.locator(".leaflet-control-layers-overlays")).to_contain_text("Open incidents")


def test_coverage_gap_layer_shows_roads_and_area_beyond_t(open_session) -> None:
    session = open_session("dispatcher")
    page = open_console(session)
    page.select_option("#gap-type", "fire_truck")
    page.fill("#gap-minutes", "5")
    page.click("#gap-form button")
    # One path for the roads beyond T, one filled path for the area beyond T (service-area complement).
    expect(page.locator(".leaflet-analysis-pane path")).to_have_count(2, timeout=15_000)
    expect(page.locator(".leaflet-analysis-pane path[fill='#dc2626']")).to_have_count(1)
    expect(page.locator("#gap-status")).to_contain_text("km")
    screenshot(page, "console-gap")
    session.watch.assert_clean()


def test_board_status_change_and_avl_fix_show_live(open_session) -> None:
    dispatcher, other = open_session("dispatcher"), open_session("dispatcher")
    page = open_console(dispatcher)
    page.click("[data-tab=units]")
    page.select_option("#filter-type", "rescue")
    rows = page.locator("#unit-board tr")
    expect(rows.first).to_be_visible()
    assert all(text.startswith("SAR") for text in rows.locator("td:first-child .hint").all_inner_texts())
    row = rows.filter(has=page.locator(".status-available")).first
    call_sign = row.get_attribute("data-unit")
    row.locator("select").select_option("out_of_service")
    expect(page.locator(f"#unit-board tr[data-unit='{call_sign}']")).to_have_attribute(
        "data-status", "out_of_service", timeout=LIVE_MS
    )
    # Another dispatcher's AVL fix moves the unit on this screen without a reload.
    api = other.context.request
    unit = next(u for u in api.get("/api/v1/units?limit=500").json()["items"] if u["call_sign"] == call_sign)
    fix = api.post(
        f"/api/v1/units/{unit['id']}/position",
        data={"lon": 112.45, "lat": -7.65},
        headers={"X-CSRFToken": csrf(other.context)},
    )
    assert fix.ok, fix.text()
    moved = f"""() => {{ let at = null; geo112Map.layers.units.eachLayer(m => {{
        if (m.options.title === {call_sign!r}) at = m.getLatLng(); }});
        return at && Math.abs(at.lng - 112.45) < 1e-6; }}"""
    page.wait_for_function(moved, timeout=LIVE_MS)
    dispatcher.watch.assert_clean()


def test_planner_page_has_its_map_and_says_when_coverage_is_missing(open_session) -> None:
    session = open_session("planner")
    page = open_map_page(session, "/planner")
    expect(page.locator("#coverage-type option")).not_to_have_count(0)
    coverage = session.context.request.get("/api/v1/coverage?unit_type=ambulance&minutes=15")
    if coverage.status == 404:
        expect(page.get_by_test_id("coverage-empty")).to_be_visible()
    else:
        expect(page.locator("#coverage-rows tr")).not_to_have_count(0)
    screenshot(page, "planner-coverage")
    session.watch.assert_clean(allow_failed=("/api/v1/coverage?",))


def test_close_an_incident_from_its_detail(open_session) -> None:
    session = open_session("dispatcher")
    headers = {"X-CSRFToken": csrf(session.context)}
    incident = session.context.request.post(
        "/api/v1/incidents",
        headers=headers,
        data={"category": "lainnya", "lon": 112.52, "lat": -7.56, "description": "prank"},
    ).json()
    edited = session.context.request.patch(f"/api/v1/incidents/{incident['id']}", headers=headers, data={"priority": 1})
    assert edited.ok, edited.text()
    page = open_console(session)
    page.click("[data-tab=incidents]")
    page.locator(f"#incident-list button[data-incident='{incident['id']}']").click()
    expect(page.locator("#incident-detail .timeline")).to_contain_text("Insiden diubah Prioritas 3 → 1")
    # Issue 29, fault 15: no disposition is chosen for the dispatcher; closing without one asks for it.
    expect(page.locator(".close-form select")).to_have_value("")
    page.get_by_role("button", name="Tutup insiden").click()
    expect(page.locator(".close-form .error")).to_have_text("Pilih dulu hasil penanganan.")
    expect(page.locator(".confirm-close")).to_be_hidden()
    page.select_option(".close-form select", "prank")
    page.get_by_role("button", name="Tutup insiden").click()
    expect(page.locator(".confirm-close")).to_contain_text(f"Tutup insiden #{incident['id']} sebagai")
    page.get_by_role("button", name="Batal").click()  # nothing closed: the question goes
    expect(page.locator(".confirm-close")).to_be_hidden()
    page.get_by_role("button", name="Tutup insiden").click()
    page.get_by_role("button", name="Ya, tutup").click()
    expect(page.locator(f"#incident-list button[data-incident='{incident['id']}']")).to_have_count(0, timeout=LIVE_MS)
    assert session.context.request.get(f"/api/v1/incidents/{incident['id']}").json()["disposition"] == "prank"
    session.watch.assert_clean()
