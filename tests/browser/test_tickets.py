"""Agency tickets in Chromium: a dispatcher forwards a street-light report from the incident detail; Dishub's
officer, on a phone-sized page, sees it, acknowledges and closes it; the planner's scorecard counts it; an
officer of another agency cannot read it (API and page); a late ticket shows in the console's bar of overdue
tickets (time moved by dating the row back) and is escalated."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import text

from geo112.accounts.users import create_user
from geo112.agencies import tickets
from geo112.dispatch import schemas
from geo112.dispatch.incidents import create_incident
from geo112.store.db import session_factory
from tests.browser.conftest import PHONE, csrf, screenshot
from tests.browser.test_dispatch_flow import open_console
from tests.conftest import PASSWORD

# In Kec. Dlanggu, away from where the other browser tests click the map.
DLANGGU = (112.4980, -7.5780)


def _street_light(database: str) -> int:
    with session_factory(database).begin() as s:
        data = schemas.IncidentCreate(category="lampu_jalan", lon=DLANGGU[0], lat=DLANGGU[1],
                                      caller_phone="081277788899", description="PJU mati di perempatan")  # fmt: skip
        return create_incident(s, data, "tester").id


def test_forward_answer_score_and_scope(open_session, browser_database, users) -> None:
    incident = _street_light(browser_database)
    dispatcher = open_session("dispatcher")
    console = open_console(dispatcher)
    console.click("[data-tab=incidents]")
    console.locator(f"#incident-list [data-incident='{incident}']").click()
    tickets = console.get_by_test_id("incident-tickets")
    tickets.get_by_test_id("forward-dishub").click()
    expect(tickets.locator("li[data-agency=dishub]")).to_contain_text("Terkirim", timeout=10_000)
    assert "/t/" in tickets.get_by_test_id("ticket-link").input_value()
    ticket = int(tickets.locator("li[data-agency=dishub]").get_attribute("data-ticket"))
    # A street light is a complaint (priority 3): it may also go to SP4N-LAPOR!, once, through the outbox.
    tickets.locator("li[data-agency=dishub]").get_by_test_id("lapor").click()
    expect(tickets.locator("li[data-agency=dishub]")).to_contain_text(f"ticket-{ticket}.json")

    officer = open_session("officer", device=PHONE)
    phone = officer.new_page()
    phone.goto("/opd")
    card = phone.locator(f"[data-ticket='{ticket}']")
    expect(card).to_contain_text("Lampu jalan")
    card.locator("a").click()
    expect(phone.get_by_test_id("caller")).to_contain_text("disembunyikan")
    expect(phone.get_by_test_id("map")).to_have_attribute("data-ready", "true", timeout=15_000)
    assert "081277788899" not in phone.content()
    phone.get_by_test_id("do-acknowledge").click()
    expect(phone.get_by_test_id("ticket-status")).to_have_text("Diterima")
    phone.fill("#ticket-text", "Lampu diganti, menyala kembali")
    phone.get_by_test_id("do-done").click()
    expect(phone.get_by_test_id("ticket-status")).to_have_text("Selesai")
    expect(phone.get_by_test_id("resolution")).to_have_text("Lampu diganti, menyala kembali")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "the page fits the phone's width"
    expect(phone.get_by_test_id("map")).to_have_attribute("data-ready", "true", timeout=15_000)
    phone.get_by_test_id("map").scroll_into_view_if_needed()
    screenshot(phone, "opd-ticket-phone")

    planner = open_session("planner").new_page()
    planner.goto("/planner/analytics")
    row = planner.get_by_test_id("scorecard").locator("tr[data-agency=dishub]").last
    expect(row.locator("[data-col=done]")).not_to_have_text("0")

    with session_factory(browser_database).begin() as s:
        if s.execute(text("SELECT 1 FROM app_user WHERE username = 'pln-officer'")).first() is None:
            create_user(s, "pln-officer", PASSWORD, "officer", agency="pln")
    other = open_session(None, device=PHONE)
    login = other.context.request.post("/api/v1/auth/login", data={"username": "pln-officer", "password": PASSWORD},
                                       headers={"X-CSRFToken": csrf(other.context)})  # fmt: skip
    assert login.ok
    assert other.context.request.get(f"/api/v1/tickets/{ticket}").status == 404
    stranger = other.new_page()
    assert stranger.goto(f"/opd/tickets/{ticket}").status == 404
    stranger.goto("/opd?view=closed")
    expect(stranger.get_by_test_id("ticket-list")).not_to_contain_text("Lampu jalan")
    dispatcher.watch.assert_clean()
    officer.watch.assert_clean()


def test_a_late_ticket_alerts_the_console_and_is_escalated(open_session, browser_database) -> None:
    incident = _street_light(browser_database)
    with session_factory(browser_database).begin() as s:
        ticket = s.execute(
            text("INSERT INTO ticket (incident_id, agency_code, sent_by, sent_at) "
                 "VALUES (:i, 'dishub', 'tester', now() - interval '5 hours') RETURNING id"), {"i": incident}
        ).scalar_one()  # fmt: skip
    console = open_console(open_session("dispatcher"))
    alert = console.get_by_test_id("ticket-alerts").locator(f"li[data-ticket='{ticket}']")
    expect(alert).to_contain_text("Lewat batas waktu menerima", timeout=15_000)
    alert.get_by_test_id("escalate-phoned").click()
    expect(alert).to_contain_text("dieskalasi 1×")
    alert.get_by_test_id("escalate-resent").click()
    expect(alert).to_contain_text("dieskalasi 2×")
    assert "/t/" in alert.get_by_test_id("ticket-link").input_value()


def test_a_returned_ticket_alerts_the_console_until_a_dispatcher_saw_it(open_session, browser_database) -> None:
    incident = _street_light(browser_database)
    with session_factory(browser_database).begin() as s:
        ticket = tickets.forward(s, incident, "dishub", "tester")
        tickets.act(s, ticket, "return", "Bukan PJU kami: jalan provinsi", "dishub-officer")
        ticket_id = ticket.id
    console = open_console(open_session("dispatcher"))
    alert = console.get_by_test_id("ticket-alerts").locator(f"li[data-ticket='{ticket_id}']")
    expect(alert).to_contain_text("Dishub", timeout=15_000)
    expect(alert).to_contain_text("mengembalikan tiket")
    expect(alert).to_contain_text("Bukan PJU kami: jalan provinsi")
    screenshot(console, "console-ticket-returned")
    alert.get_by_role("button", name=f"#{incident}").click()  # the dispatcher opens it to forward it elsewhere
    expect(console.get_by_test_id("incident-tickets").locator("li[data-agency=dishub]")).to_contain_text(
        "Dikembalikan ke 112"
    )
    alert.get_by_test_id("return-seen").click()
    expect(alert).to_have_count(0)
    seen = console.context.request.post(f"/api/v1/tickets/{ticket_id}/return-seen",
                                        headers={"X-CSRFToken": csrf(console.context)})  # fmt: skip
    assert seen.status == 409 and "saw the return" in seen.json()["detail"]
