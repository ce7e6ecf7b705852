"""Finding the place of a call from the keyboard: pasted coordinates, a lost minus sign, facilities by name."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import open_map_page


def test_a_pasted_coordinate_pair_places_the_call_with_enter(open_session) -> None:
    session = open_session("dispatcher")
    page = open_map_page(session, "/console")
    search = page.locator("#place-search")
    search.fill("-7.4722, 112.4336")
    search.press("Enter")
    expect(page.locator("#lat")).to_have_value("-7.472200")
    expect(page.locator("#lon")).to_have_value("112.433600")
    expect(page.get_by_test_id("located").locator("[data-field=kecamatan]")).not_to_have_text("…")

    page.locator("#lat").fill("-7.5196, 112.5603")  # both in the latitude field: split into the two
    expect(page.locator("#lon")).to_have_value("112.5603")
    session.watch.assert_clean()


def test_a_latitude_with_the_wrong_sign_is_caught_with_a_hint(open_session) -> None:
    session = open_session("dispatcher")
    page = open_map_page(session, "/console")
    page.locator("#lat").fill("7.4722")
    page.locator("#lon").fill("112.4336")
    page.locator("#lat").press("Enter")
    expect(page.locator("#intake-error")).to_contain_text("maksud Anda -7.4722?")
    expect(page.locator("#lat")).to_have_value("7.4722")  # nothing placed
    page.locator("#place-search").fill("7.4722, 112.4336")
    expect(page.locator("#place-results .error")).to_contain_text("bernilai negatif")
    session.watch.assert_clean()


def test_facilities_are_found_and_chosen_with_the_arrow_keys(open_session) -> None:
    session = open_session("dispatcher")
    page = open_map_page(session, "/console")
    search = page.locator("#place-search")
    search.fill("puskesmas gondang")
    first = page.locator("#place-results li button").first
    expect(first).to_contain_text("Puskesmas Gondang")
    expect(first).to_contain_text("puskesmas")
    search.press("ArrowDown")
    expect(first).to_be_focused()
    first.press("Enter")
    expect(page.locator("#place-results li")).to_have_count(0)
    expect(page.locator("#lat")).not_to_have_value("")
    expect(page.get_by_test_id("located").locator("[data-field=kecamatan]")).to_have_text("Gondang")
    session.watch.assert_clean()
