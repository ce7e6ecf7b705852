"""Two dispatchers at once: the recommendations one of them has open follow what the other does, a unit taken
meanwhile is refused with the holding incident named in the panel, and a refused status change on the unit
board is said inline, never in a dialog."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Session, csrf, screenshot
from tests.browser.test_dispatch_flow import LIVE_MS, open_console


def no_dialogs(page: Page) -> list[str]:
    """Record every dialog (``alert()``, ``confirm()``) the page opens; the console must open none."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


class Other:
    """The other dispatcher, working through the API."""

    def __init__(self, session: Session) -> None:
        self.request = session.context.request
        self.headers = {"X-CSRFToken": csrf(session.context)}

    def post(self, path: str, data: dict) -> dict:
        """POST ``data`` to the API and return the answer, which must be a success."""
        response = self.request.post(f"/api/v1{path}", data=data, headers=self.headers)
        assert response.ok, response.text()
        return response.json()

    def unit_id(self, call_sign: str) -> int:
        """The id of the unit with ``call_sign``."""
        return next(
            u["id"] for u in self.request.get("/api/v1/units?limit=500").json()["items"] if u["call_sign"] == call_sign
        )

    def medical_call(self, lat: float, lon: float) -> int:
        """Record a medical incident (it needs an ambulance) and return its id."""
        return self.post("/incidents", {"category": "medis", "lat": lat, "lon": lon})["id"]


def test_open_recommendations_follow_assignments_made_elsewhere(open_session) -> None:
    mine, theirs = open_session("dispatcher"), open_session("dispatcher")
    other = Other(theirs)
    # Away from where the other tests click the map: an incident marker there would take the click.
    incident, elsewhere = other.medical_call(-7.5250, 112.5750), other.medical_call(-7.5700, 112.5300)
    page = open_console(mine)
    dialogs = no_dialogs(page)
    page.click("[data-tab=incidents]")
    page.locator(f"#incident-list button[data-incident='{incident}']").click()
    page.locator("#incident-detail button", has_text="Rekomendasi unit").click()
    panel = page.locator("#incident-recommendations")
    candidates = panel.locator("[data-unit-type=ambulance] .candidates li")
    expect(candidates.first).to_be_visible(timeout=15_000)
    taken: list[int] = []

    # The other dispatcher sends this panel's first proposal to another incident: it leaves the panel live.
    first = candidates.first.get_attribute("data-unit")
    taken.append(other.unit_id(first))
    other.post(f"/incidents/{elsewhere}/assignments", {"unit_id": taken[-1]})
    expect(panel.locator(f".candidates li[data-unit='{first}']")).to_have_count(0, timeout=LIVE_MS)

    # While the dispatcher has the focus on the next proposal the panel is not redrawn under it; assigning it
    # after the other dispatcher took it is refused in the panel, naming the incident, and the panel catches up.
    second = candidates.first.get_attribute("data-unit")
    candidates.first.locator("button[data-assign]").focus()
    taken.append(other.unit_id(second))
    other.post(f"/incidents/{elsewhere}/assignments", {"unit_id": taken[-1]})
    expect(page.locator(f"#unit-board tr[data-unit='{second}']")).to_have_attribute(
        "data-status", "dispatched", timeout=LIVE_MS
    )
    page.wait_for_timeout(500)  # the panel's reload for the same change has come back by now
    expect(candidates.first).to_have_attribute("data-unit", second)
    candidates.first.locator("button[data-assign]").click()
    message = f"{second} sudah ditugaskan ke insiden #{elsewhere}."
    expect(panel.locator(".error[role=alert]")).to_have_text(message)
    expect(panel.locator(f".candidates li[data-unit='{second}']")).to_have_count(0)
    screenshot(page, "console-recommendations-taken")

    # The first unit comes back: proposed again at once; the message stays, and is not announced again.
    other.post(f"/units/{taken[0]}/status", {"status": "available"})
    expect(panel.locator(f".candidates li[data-unit='{first}']")).to_have_count(1, timeout=LIVE_MS)
    expect(panel.locator(".error")).to_have_text(message)
    expect(panel.locator("[role=alert]")).to_have_count(0)

    other.post(f"/units/{taken[1]}/status", {"status": "available"})  # free for the other tests
    assert dialogs == []
    mine.watch.assert_clean(allow_failed=(f"/api/v1/incidents/{incident}/assignments",))


def test_refused_status_change_is_said_inline_not_in_a_dialog(open_session) -> None:
    mine, theirs = open_session("dispatcher"), open_session("dispatcher")
    other = Other(theirs)
    page = open_console(mine)
    dialogs = no_dialogs(page)
    page.click("[data-tab=units]")
    page.select_option("#filter-type", "police_patrol")
    row = page.locator("#unit-board tr").filter(has=page.locator(".status-available")).first
    call_sign = row.get_attribute("data-unit")
    row = page.locator(f"#unit-board tr[data-unit='{call_sign}']")
    # The dispatcher is about to take the unit out of service when the other one does it first.
    row.locator("select").focus()
    unit_id = other.unit_id(call_sign)
    other.post(f"/units/{unit_id}/status", {"status": "out_of_service"})
    expect(page.locator(f".leaflet-marker-pane [data-unit='{call_sign}']")).to_have_attribute(
        "data-status", "out_of_service", timeout=LIVE_MS
    )
    row.locator("select").select_option("out_of_service")
    message = f"{call_sign} berstatus Tidak beroperasi, tidak bisa menjadi Tidak beroperasi."
    note = row.locator(".error")
    expect(note).to_have_text(message)
    expect(note).to_have_attribute("role", "alert")
    expect(row.locator("select")).to_have_attribute("aria-describedby", note.get_attribute("id"))
    # The board catches up once the control is left, and keeps saying why.
    expect(row).to_have_attribute("data-status", "out_of_service", timeout=LIVE_MS)
    expect(row.locator(".error")).to_have_text(message)
    screenshot(page, "console-status-refused")

    other.post(f"/units/{unit_id}/status", {"status": "available"})  # free for the other tests
    assert dialogs == []
    mine.watch.assert_clean(allow_failed=(f"/api/v1/units/{unit_id}/status",))
