"""The admin area in Chromium: an admin adds a user, changes a phase target, takes a unit out of service and adds
one through the pages; each change is in the audit list on /admin, the new user can log in, and a dispatcher is
refused the area."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import csrf, screenshot

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
NEW_USER, NEW_PASSWORD = "opr-malam", "sandi-operator-112"
NEW_UNIT = "AMB-BARU-1"


def _saved(page: Page) -> None:
    expect(page.get_by_test_id("admin-message")).to_have_text("Tersimpan dan tercatat di jejak audit.")


def _add_user(page: Page) -> None:
    page.goto("/admin/users")
    form = page.get_by_test_id("user-add")
    form.locator("[name=username]").fill(NEW_USER)
    form.locator("[name=display_name]").fill("Operator Malam")
    form.locator("[name=password]").fill(NEW_PASSWORD)
    form.locator("[name=role]").select_option("dispatcher")
    form.get_by_role("button").click()
    _saved(page)
    expect(page.locator(f"[data-user='{NEW_USER}']")).to_contain_text("Operator Malam")
    screenshot(page, "admin-users")


def _change_target(page: Page) -> int:
    page.goto("/admin/config")
    row = page.get_by_test_id("target-list").locator("tr[data-target]").first
    seconds = int(row.locator("[name=seconds]").input_value()) + 1
    row.locator("[name=seconds]").fill(str(seconds))
    row.locator("[name=source]").fill("uji admin")
    row.get_by_role("button").click()
    _saved(page)
    expect(page.get_by_test_id("target-list").locator("tr[data-target]").first.locator("[name=seconds]")).to_have_value(
        str(seconds)
    )
    screenshot(page, "admin-config")
    page.get_by_test_id("station-list").scroll_into_view_if_needed()
    screenshot(page, "admin-stations")
    return seconds


def _out_of_service(page: Page, call_sign: str) -> None:
    page.goto("/admin/units")
    row = page.locator(f"tr[data-unit='{call_sign}']")
    row.locator("[name=note]").fill("servis mesin")
    row.get_by_role("button").click()
    _saved(page)
    expect(page.locator(f"tr[data-unit='{call_sign}'] .unit-status")).to_have_text("Tidak beroperasi")


def _add_unit(page: Page) -> None:
    page.goto("/admin/units")
    form = page.get_by_test_id("unit-add")
    form.locator("[name=call_sign]").fill(NEW_UNIT)
    form.locator("[name=unit_type]").select_option("ambulance")
    form.get_by_role("button").click()
    _saved(page)
    expect(page.locator(f"tr[data-unit='{NEW_UNIT}'] .unit-status")).to_have_text("Siaga")


def test_admin_changes_users_targets_and_units_with_an_audit_trail(open_session, users) -> None:
    admin = open_session("admin", device=LAPTOP)
    page = admin.new_page()
    _add_user(page)
    seconds = _change_target(page)
    # A new unit, so the demo fleet the other browser tests dispatch stays as it was.
    _add_unit(page)
    _out_of_service(page, NEW_UNIT)

    page.goto("/admin")
    audit = page.get_by_test_id("audit-list")
    expect(audit.locator("tr[data-action='user.created']").first).to_contain_text(NEW_USER)
    expect(audit.locator("tr[data-action='config.phase_target']").first).to_contain_text(
        f"seconds: {seconds - 1} → {seconds}"
    )
    expect(audit.locator("tr[data-action='unit.status']").first).to_contain_text("out_of_service")
    expect(audit.locator("tr[data-action='unit.created']").first).to_contain_text(NEW_UNIT)
    expect(page.get_by_test_id("admin-logged-in")).to_contain_text(users["admin"])
    expect(page.get_by_test_id("admin-health")).to_contain_text("Basis data")
    assert "password" not in audit.inner_text().lower(), "no password (nor its hash) in the audit trail"
    screenshot(page, "admin-home")

    # The filter narrows the trail to one actor and entity.
    page.goto(f"/admin?actor={users['admin']}&entity=app_user")
    rows = page.get_by_test_id("audit-list").locator("tr[data-action]")
    expect(rows.first).to_contain_text("user.created")
    assert all(a.startswith("user.") for a in rows.evaluate_all("rs => rs.map(r => r.dataset.action)"))

    # The new user logs in.
    newcomer = open_session(None)
    login = newcomer.context.request.post(
        "/api/v1/auth/login", data={"username": NEW_USER, "password": NEW_PASSWORD},
        headers={"X-CSRFToken": csrf(newcomer.context)},
    )  # fmt: skip
    assert login.ok and login.json()["role"] == "dispatcher"
    # The new unit stays out of service (the other browser tests count on the demo fleet); it may come back.
    page.goto("/admin/units")
    expect(page.locator(f"tr[data-unit='{NEW_UNIT}']").get_by_role("button", name="Kembali siaga")).to_be_visible()
    admin.watch.assert_clean()


def test_a_dispatcher_is_refused_the_admin_area(open_session) -> None:
    dispatcher = open_session("dispatcher")
    page = dispatcher.new_page()
    for path in ("/admin", "/admin/users", "/admin/config", "/admin/units"):
        assert page.goto(path).status == 403
    assert dispatcher.context.request.get("/api/v1/users").status == 403
    page.goto("/")
    expect(page.locator("header nav")).not_to_contain_text("Admin")
