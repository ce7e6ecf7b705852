"""Accessibility (issue 29): axe-core, served by the app like the other vendored libraries, checks every page a
person works in, once it has drawn its data, for critical and serious violations (WCAG 2.x A and AA rules)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, Session, csrf
from tests.browser.test_offline import responder_url

AXE = "/assets/axe-core/axe.min.js"
# The impacts a page must not have; "moderate" and "minor" are reported by axe but not failed on here.
BLOCKING = {"critical", "serious"}
RUN = """async () => {
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary) }));
}"""


def assert_accessible(page: Page) -> None:
    """Fail with axe's critical and serious violations on ``page`` as it is now, one per line."""
    page.add_script_tag(url=AXE)
    found = [v for v in page.evaluate(RUN) if v["impact"] in BLOCKING]
    lines = [f"{v['impact']} {v['id']} ({v['help']}): {node}" for v in found for node in v["nodes"]]
    assert found == [], f"{page.url}\n" + "\n".join(lines)


def _open(session: Session, path: str, ready: str | None = "map") -> Page:
    page = session.new_page()
    page.goto(path)
    if ready:
        expect(page.get_by_test_id(ready)).to_have_attribute("data-ready", "true", timeout=15_000)
    page.wait_for_load_state("networkidle")
    return page


def _caller_url(session: Session) -> str:
    api, headers = session.context.request, {"X-CSRFToken": csrf(session.context)}
    incident = api.post("/api/v1/incidents", data={"category": "medis", "lon": 112.45, "lat": -7.52}, headers=headers)
    link = api.post(f"/api/v1/incidents/{incident.json()['id']}/caller-link", data={}, headers=headers)
    assert link.status == 201, link.text()
    return link.json()["url"]


@pytest.mark.parametrize("tab", ["intake", "incidents", "units"])
def test_the_console_has_no_serious_violations(open_session, tab: str) -> None:
    page = _open(open_session("dispatcher"), "/console")
    page.click(f"[data-tab={tab}]")
    page.wait_for_timeout(500)  # the tab's list is drawn
    assert_accessible(page)


def test_the_responder_and_caller_pages_have_no_serious_violations(open_session) -> None:
    dispatcher = open_session("dispatcher")
    phone = open_session(None, device=PHONE)
    assert_accessible(_open(phone, responder_url(dispatcher)))
    assert_accessible(_open(phone, _caller_url(dispatcher), ready=None))


def test_the_planner_pages_have_no_serious_violations(open_session) -> None:
    planner = open_session("planner")
    assert_accessible(_open(planner, "/planner"))
    assert_accessible(_open(planner, "/planner/analytics", ready=None))


def test_the_agency_page_has_no_serious_violations(open_session) -> None:
    assert_accessible(_open(open_session("officer", device=PHONE), "/opd", ready=None))


@pytest.mark.parametrize("path", ["/admin", "/admin/users", "/admin/config", "/admin/places", "/admin/units"])
def test_the_admin_pages_have_no_serious_violations(open_session, path: str) -> None:
    page = _open(open_session("admin"), path, ready="map" if path == "/admin/places" else None)
    assert_accessible(page)
