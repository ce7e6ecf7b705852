"""Real SIP calls through the project's Kamailio (``scripts/sip.sh``) with scripted baresip phones: the call pops
up in the operator's console with the number's history, one key classes it, the third prank lists the number,
an abandoned call is on the call-back list, a darurat call becomes an incident carrying its phone times."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import delete, select

from geo112.config import REPO_ROOT
from geo112.dispatch import schemas
from geo112.dispatch.incidents import create_incident
from geo112.store.db import session_factory
from geo112.store.models import Call, Incident, OperatorPhone, WatchListing
from tests.softphone import Softphone, free_port

from .conftest import PBX_TOKEN, Session, csrf

pytestmark = pytest.mark.slow
RING_TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def sip_server(live_app, live_server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The project's Kamailio on a free loopback port, posting to the live app, which hangs calls up through its
    JSON-RPC port; stopped by its PID."""
    if not Path("/usr/sbin/kamailio").exists() or not Path("/usr/bin/baresip").exists():
        pytest.skip("kamailio or baresip is not installed (bash scripts/install.sh installs them)")
    port, rpc_port = free_port(), free_port()
    env = os.environ | {"GEO112_RUN_DIR": str(tmp_path_factory.mktemp("sip")), "GEO112_SIP_PORT": str(port),
                        "GEO112_PBX_TOKEN": PBX_TOKEN, "GEO112_SIP_RING_S": "20", "GEO112_SIP_RPC_PORT": str(rpc_port),
                        "GEO112_SIP_EVENTS_URL": f"{live_server}/api/v1/telephony/events"}  # fmt: skip
    script = str(REPO_ROOT / "scripts" / "sip.sh")
    subprocess.run(["bash", script, "start"], env=env, check=True)
    served = live_app.config["GEO112_SETTINGS"]
    live_app.config["GEO112_SETTINGS"] = replace(served, pbx_control_url=f"http://127.0.0.1:{rpc_port}/RPC")
    try:
        yield port
    finally:
        live_app.config["GEO112_SETTINGS"] = served
        subprocess.run(["bash", script, "stop"], env=env, check=True)


@pytest.fixture
def phone(sip_server: int, tmp_path: Path) -> Iterator[Callable[..., Softphone]]:
    """Start a baresip phone (stopped after the test)."""
    started: list[Softphone] = []

    def _phone(user: str, register: bool = False) -> Softphone:
        softphone = Softphone(user, sip_server, free_port(), free_port(), tmp_path, register=register)
        started.append(softphone.start())
        return softphone

    yield _phone
    for softphone in started:
        softphone.stop()


@pytest.fixture
def operator(browser_database: str, users: dict[str, str], phone: Callable[..., Softphone]) -> Iterator[Softphone]:
    """The dispatcher's phone, extension op1, registered."""
    with session_factory(browser_database).begin() as session:
        session.merge(OperatorPhone(extension="op1", username=users["dispatcher"]))
    softphone = phone("op1", register=True)
    _wait(softphone.registered)
    yield softphone
    with session_factory(browser_database).begin() as session:
        session.execute(delete(OperatorPhone).where(OperatorPhone.extension == "op1"))


def _wait(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _card(page: Page, number: str) -> Locator:
    """The pop of the call from ``number``."""
    return page.locator("#phone article.phone-call", has=page.get_by_test_id("phone-number").get_by_text(number))


def _console(open_session: Callable[..., Session], role: str = "dispatcher") -> tuple[Session, Page]:
    """A logged-in session and its console page."""
    session = open_session(role)
    page = session.new_page()
    page.goto("/console")
    return session, page


def _answered(page: Page, caller: Softphone, operator: Softphone) -> Locator:
    """Dial 112 from ``caller``, wait for its pop, answer on the operator's phone; the pop once answered."""
    caller.dial()
    card = _card(page, caller.user)
    expect(card.get_by_test_id("phone-number")).to_have_text(caller.user, timeout=RING_TIMEOUT_MS)
    operator.answer()
    expect(card).to_have_attribute("data-state", "answered", timeout=RING_TIMEOUT_MS)
    return card


def _calls(url: str, number: str) -> list[Call]:
    with session_factory(url)() as session:
        return list(session.scalars(select(Call).where(Call.caller_phone == number).order_by(Call.id)))


def test_a_prank_call_pops_up_with_its_history_and_one_key_closes_it(
    open_session, browser_database: str, users: dict[str, str], operator: Softphone, phone
) -> None:
    number = "081299990001"
    with session_factory(browser_database).begin() as session:  # the number called before: a typed-in incident
        create_incident(session, schemas.IncidentCreate(category="medis", lon=112.43, lat=-7.47, caller_phone=number),
                        users["dispatcher"])  # fmt: skip
    session_, page = _console(open_session)
    caller = phone(number)
    for prank in range(1, 4):
        caller.dial()
        card = _card(page, number)
        expect(card.get_by_test_id("phone-number")).to_have_text(number, timeout=RING_TIMEOUT_MS)
        # History: the typed-in call and the pranks before this one; the incident from the number is open.
        expect(card.get_by_test_id("caller-history")).to_contain_text(f"{prank} panggilan")
        expect(card.get_by_test_id("caller-history")).to_contain_text(f"{prank - 1} iseng")
        expect(card.get_by_test_id("open-incidents")).to_be_visible()
        operator.answer()
        expect(card).to_have_attribute("data-state", "answered", timeout=RING_TIMEOUT_MS)
        page.locator("body").press("p")  # the one key
        # Classed, and the caller still on the line: the pop stays, to be hung up; gone once the caller hangs up.
        expect(card.get_by_test_id("call-class")).to_have_text("Iseng")
        expect(card.get_by_test_id("phone-keys")).to_have_count(0)
        caller.hang_up()
        expect(page.locator("#phone article.phone-call")).to_have_count(0, timeout=RING_TIMEOUT_MS)
        _wait(lambda: _calls(browser_database, number)[-1].ended_at is not None)
    calls = _calls(browser_database, number)[-3:]
    assert [c.classification for c in calls] == ["prank"] * 3
    assert all(c.answered_at > c.received_at and c.ended_at >= c.answered_at for c in calls)
    assert {c.taken_by for c in calls} == {users["dispatcher"]} and {c.ended_by for c in calls} == {"caller"}
    with session_factory(browser_database)() as session:
        listing = session.scalars(select(WatchListing).where(WatchListing.number == number)).one()
        assert listing.calls == 3 and listing.lifted_at is None
    # The next call from the number: the default policy still rings it, flagged on the pop.
    caller.dial()
    card = _card(page, number)
    expect(card.get_by_test_id("watch-flag")).to_be_visible(timeout=RING_TIMEOUT_MS)
    caller.hang_up()
    _wait(lambda: _calls(browser_database, number)[-1].outcome == "abandoned")
    assert _calls(browser_database, number)[-1].watch_listed
    page.screenshot(path="test-artifacts/phone-watch-list.png")
    session_.watch.assert_clean()
    # A supervisor lifts the listing from the board, with a reason.
    supervisor, board = _console(open_session, "admin")
    board.click('[data-tab="phones"]')
    item = board.get_by_test_id("watch-list").locator("li", has_text=number)
    item.locator("input.watch-reason").fill("nomor milik sekolah, sudah ditegur")
    item.get_by_role("button").click()
    expect(board.get_by_test_id("watch-list")).not_to_contain_text(number)
    with session_factory(browser_database)() as session:
        lifted = session.get(WatchListing, listing.id)
        assert lifted is not None and lifted.lifted_by == users["admin"]
        assert lifted.lift_reason == "nomor milik sekolah, sudah ditegur"
    supervisor.watch.assert_clean()


def _active_calls(softphone: Softphone) -> str:
    """What baresip lists of its calls (``Active calls (n)``)."""
    return str(softphone.command("listcalls").get("data", ""))


def _bye_landed(caller: Softphone, operator: Softphone) -> bool:
    """Whether a phone lost the call to Kamailio's BYE. Not both: on loopback one phone may answer its BYE before
    Kamailio sends the other's, and the dialog module then skips that one (docs/telephony.md); which one varies."""
    return "Active calls (0)" in _active_calls(caller) or "Active calls (0)" in _active_calls(operator)


def _talking(open_session, phone, operator: Softphone, number: str) -> tuple[Session, Page, Softphone, Locator]:
    """A console, a call from ``number`` answered at the operator's phone, and its pop, drawn with its history."""
    session_, page = _console(open_session)
    caller = phone(number)
    card = _answered(page, caller, operator)
    expect(card.get_by_test_id("caller-history")).to_be_visible()
    assert "Active calls (1)" in _active_calls(caller) and "Active calls (1)" in _active_calls(operator)
    return session_, page, caller, card


def test_p_then_h_classes_a_prank_and_hangs_it_up_for_caller_and_operator(
    open_session, browser_database: str, operator: Softphone, phone
) -> None:
    session_, page, caller, card = _talking(open_session, phone, operator, number := "081299990005")
    page.locator("body").press("p")
    expect(card.get_by_test_id("call-class")).to_have_text("Iseng")
    expect(card.get_by_test_id("hang-up")).to_be_visible()
    page.locator("body").press("h")
    # Kamailio ended the dialog with a BYE each way, and the classed call leaves the panel.
    _wait(lambda: _bye_landed(caller, operator))
    expect(page.locator("#phone article.phone-call")).to_have_count(0, timeout=RING_TIMEOUT_MS)
    expect(page.get_by_test_id("phone-notice")).to_have_text("Telepon ditutup.")
    call = _calls(browser_database, number)[-1]
    assert call.ended_by == "operator" and call.ended_at >= call.answered_at and call.classification == "prank"
    # Once over, a second hang-up is refused and changes nothing.
    again = session_.context.request.post(f"/api/v1/telephony/calls/{call.id}/hangup",
                                          headers={"X-CSRFToken": csrf(session_.context)})  # fmt: skip
    assert again.status == 409 and again.json()["reason"] == "ended"
    session_.watch.assert_clean()


def test_h_before_a_class_leaves_the_ended_call_to_be_classed(
    open_session, browser_database: str, operator: Softphone, phone
) -> None:
    session_, page, caller, card = _talking(open_session, phone, operator, number := "081299990006")
    card.get_by_test_id("hang-up").click()
    _wait(lambda: _bye_landed(caller, operator))
    expect(card).to_have_attribute("data-state", "ended", timeout=RING_TIMEOUT_MS)
    expect(card.get_by_test_id("hang-up")).to_have_count(0)
    page.locator("body").press("w")
    expect(page.locator("#phone article.phone-call")).to_have_count(0)
    call = _calls(browser_database, number)[-1]
    assert (call.ended_by, call.classification) == ("operator", "salah_sambung")
    session_.watch.assert_clean()


def test_a_call_abandoned_while_ringing_is_on_the_call_back_list(
    open_session, browser_database: str, operator: Softphone, phone
) -> None:
    number = "081299990002"
    session_, page = _console(open_session)
    caller = phone(number)
    caller.dial()
    expect(page.get_by_test_id("phone-number")).to_have_text(number, timeout=RING_TIMEOUT_MS)
    caller.hang_up()
    expect(page.locator("#phone article.phone-call")).to_have_count(0, timeout=RING_TIMEOUT_MS)
    page.click('[data-tab="phones"]')  # the supervisor's view
    expect(page.get_by_test_id("board-call-back")).to_contain_text(number)
    expect(page.get_by_test_id("board-today")).to_contain_text("≤ 15 dtk")
    board = session_.context.request.get("/api/v1/telephony/board").json()
    back = [c for c in board["call_back"] if c["caller_phone"] == number]
    assert len(back) == 1 and back[0]["outcome"] == "abandoned" and back[0]["answered_at"] is None
    assert back[0]["ended_by"] == "caller"
    # The number calls again and is answered: it leaves the call-back list.
    caller.dial()
    expect(page.get_by_test_id("board-ringing")).to_contain_text(number, timeout=RING_TIMEOUT_MS)
    operator.answer()
    expect(page.get_by_test_id("board-call-back")).not_to_contain_text(number, timeout=RING_TIMEOUT_MS)
    expect(_card(page, number)).to_have_attribute("data-state", "answered")
    page.locator("body").press("t")
    caller.hang_up()
    session_.watch.assert_clean()


def test_a_darurat_call_becomes_an_incident_carrying_its_phone_times(
    open_session, browser_database: str, users: dict[str, str], operator: Softphone, phone
) -> None:
    number = "081299990003"
    session_, page = _console(open_session)
    _answered(page, phone(number), operator)
    page.locator("body").press("d")
    expect(page.get_by_test_id("phone-call-info")).to_be_visible()
    expect(page.locator("#caller-phone")).to_have_value(number)
    page.fill("#lat", "-7.4705")
    page.fill("#lon", "112.4340")
    page.click("#coords-go")
    expect(page.locator('#located dd[data-field="desa"]')).not_to_have_text("–")
    page.click("#intake-save")
    expect(page.get_by_test_id("recommendations")).to_be_visible()
    operator.hang_up()
    _wait(lambda: _calls(browser_database, number)[-1].ended_at is not None)
    (call,) = _calls(browser_database, number)
    assert call.incident_id is not None and call.classification == "darurat" and call.ended_by == "operator"
    assert call.received_at < call.answered_at <= call.ended_at and call.geom is not None
    with session_factory(browser_database)() as session:
        incident = session.get(Incident, call.incident_id)
        assert incident is not None and incident.caller_phone == number
    session_.watch.assert_clean()


def test_the_analytics_page_recaps_the_calls(
    open_session, browser_database: str, users: dict[str, str], operator: Softphone, phone
) -> None:
    number = "081299990004"
    dispatcher, console = _console(open_session)
    caller = phone(number)
    _answered(console, caller, operator)
    console.locator("body").press("t")
    caller.hang_up()
    expect(console.locator("#phone article.phone-call")).to_have_count(0, timeout=RING_TIMEOUT_MS)
    planner = open_session("planner")
    page = planner.new_page()
    page.goto("/planner/analytics")
    for name in ("phone_calls_by_period", "phone_calls_by_hour"):
        expect(page.locator(f"[data-chart={name}]")).to_have_attribute("data-rendered", "true", timeout=30_000)
    row = page.locator(f'#analytics-answer-times tr[data-operator="{users["dispatcher"]}"]')
    expect(row).to_be_visible()
    planner.watch.assert_clean()
    dispatcher.watch.assert_clean()
