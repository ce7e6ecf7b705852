"""The admin area in Chromium: an admin adds a user, changes a phase target, takes a unit out of service and adds
one through the pages; each change is in the audit list on /admin, the new user can log in, and a dispatcher is
refused the area."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import Session, csrf, screenshot

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
NEW_USER, NEW_PASSWORD = "opr-malam", "sandi-operator-112"
NEW_UNIT = "AMB-BARU-1"


def _saved(page: Page) -> None:
    expect(page.get_by_test_id("admin-message")).to_have_text("Tersimpan dan tercatat di jejak audit.")


def _save(page: Page, form: Locator) -> None:
    """Submit ``form`` and wait for the page it reloads (the message of an earlier save is on the page until then)."""
    with page.expect_event("load"):
        form.get_by_role("button").click()
    _saved(page)


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
    return seconds


def _out_of_service(page: Page, call_sign: str) -> None:
    page.goto("/admin/units")
    row = page.locator(f"tr[data-unit='{call_sign}']")
    row.locator("[name=note]").fill("servis mesin")
    row.get_by_role("button", name="Tidak beroperasi").click()
    _saved(page)
    expect(page.locator(f"tr[data-unit='{call_sign}'] .unit-status")).to_have_text("Tidak beroperasi")


def _add_unit(page: Page) -> None:
    page.goto("/admin/units")
    form = page.get_by_test_id("unit-add")
    form.locator("[name=call_sign]").fill(NEW_UNIT)
    form.locator("[name=unit_type]").select_option("ambulance")
    form.get_by_role("button", name="Tambah unit").click()
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


AGENCY, AGENCY_NAME = "opd_uji", "OPD Uji Coba"
STATION, STATION_NAME = "PUJI1", "Pos Uji Coba"
EDITED_UNIT = "RES-UJI-2"


def _add_agency(page: Page) -> None:
    page.goto("/admin/places")
    form = page.get_by_test_id("agency-add")
    form.locator("[name=code]").fill(AGENCY)
    form.locator("[name=name]").fill("OPD Uji")
    _save(page, form)
    row = page.locator(f"tr[data-agency='{AGENCY}']")
    row.locator("[name=name]").fill(AGENCY_NAME)
    _save(page, row)
    expect(page.locator(f"tr[data-agency='{AGENCY}'] [name=name]")).to_have_value(AGENCY_NAME)


def _add_station(page: Page) -> None:
    """A station of the new agency where the map is clicked; then its kind and phone are changed."""
    expect(page.get_by_test_id("map")).to_have_attribute("data-ready", "true", timeout=15_000)
    page.get_by_test_id("map").scroll_into_view_if_needed()
    box = page.get_by_test_id("map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    form = page.get_by_test_id("station-add")
    lon = float(form.locator("[name=lon]").input_value())
    lat = float(form.locator("[name=lat]").input_value())
    assert 112.0 < lon < 113.0 and -8.0 < lat < -7.0, (lon, lat)  # the middle of the kabupaten
    form.locator("[name=code]").fill(STATION)
    form.locator("[name=name]").fill(STATION_NAME)
    form.locator("[name=agency]").select_option(AGENCY)
    form.locator("[name=kind]").fill("bpbd")
    screenshot(page, "admin-station-add")
    _save(page, form)
    expect(page.locator(f"tr[data-station='{STATION}'] small")).to_have_text(f"{AGENCY} · bpbd")

    edit = page.get_by_test_id("station-edit")
    edit.locator("select[data-picks]").select_option(label=f"{STATION} · {STATION_NAME}")
    expect(edit.locator("[name=agency]")).to_have_value(AGENCY)
    edit.locator("[name=kind]").fill("fire_station")
    edit.locator("[name=phone]").fill("0321 112")
    _save(page, edit)
    expect(page.locator(f"tr[data-station='{STATION}'] small")).to_have_text(f"{AGENCY} · fire_station")


def _new_unit(session: Session) -> tuple[int, str]:
    """A rescue unit out of service (the demo fleet the other tests dispatch stays as it was); its id and a
    demo unit's call sign."""
    api, headers = session.context.request, {"X-CSRFToken": csrf(session.context)}
    stations = api.get("/api/v1/stations?limit=1").json()["items"]
    unit = api.post("/api/v1/units", data={"call_sign": "RES-UJI-1", "unit_type": "rescue",
                                           "station_id": stations[0]["id"]}, headers=headers)  # fmt: skip
    assert unit.status == 201, unit.text()
    down = api.post(f"/api/v1/units/{unit.json()['id']}/status", data={"status": "out_of_service"}, headers=headers)
    assert down.ok, down.text()
    demo = next(u for u in api.get("/api/v1/units?limit=500").json()["items"] if u["demo"])
    return unit.json()["id"], demo["call_sign"]


def _edit_unit(page: Page, unit_id: int) -> None:
    page.goto("/admin/units")
    form = page.get_by_test_id("unit-edit")
    form.locator("select[data-picks]").select_option(str(unit_id))
    expect(form.locator("[name=call_sign]")).to_have_value("RES-UJI-1")
    form.locator("[name=call_sign]").fill(EDITED_UNIT)
    form.locator("[name=unit_type]").select_option("ambulance")
    form.locator("[name=station_id]").select_option(label=f"{STATION} · {STATION_NAME}")
    _save(page, form)
    expect(page.locator(f"tr[data-unit='{EDITED_UNIT}'] .unit-station")).to_have_text(f"{STATION} · {STATION_NAME}")
    expect(page.locator("tr[data-unit='RES-UJI-1']")).to_have_count(0)
    screenshot(page, "admin-unit-edit")


def _duplicate_call_sign_is_refused(page: Page, unit_id: int, taken: str) -> None:
    form = page.get_by_test_id("unit-edit")
    form.locator("select[data-picks]").select_option(str(unit_id))
    form.locator("[name=call_sign]").fill(taken)
    form.get_by_role("button").click()
    expect(page.get_by_test_id("admin-message")).to_have_text(
        f"Gagal disimpan: Kode panggil {taken} sudah dipakai unit lain; tidak ada yang diubah."
    )
    screenshot(page, "admin-unit-duplicate")
    page.reload()
    expect(page.locator(f"tr[data-unit='{EDITED_UNIT}']")).to_have_count(1)
    expect(page.locator(f"tr[data-unit='{taken}']")).to_have_count(1)


def test_admin_adds_an_agency_and_a_station_and_changes_a_unit(open_session) -> None:
    admin = open_session("admin", device=LAPTOP)
    page = admin.new_page()
    unit_id, taken = _new_unit(admin)
    _add_agency(page)
    _add_station(page)
    _edit_unit(page, unit_id)
    _duplicate_call_sign_is_refused(page, unit_id, taken)

    # The unit is of the new station's agency, and stands where the station is (it has no AVL).
    unit = admin.context.request.get(f"/api/v1/units/{unit_id}").json()
    station = admin.context.request.get(f"/api/v1/stations?agency={AGENCY}").json()["items"][0]
    assert (unit["call_sign"], unit["unit_type"], unit["agency"]) == (EDITED_UNIT, "ambulance", AGENCY)
    assert (unit["station_id"], unit["position"]) == (station["id"], station["location"])
    assert station["phone"] == "0321 112"

    page.goto("/admin")
    audit = page.get_by_test_id("audit-list")
    expect(audit.locator("tr[data-action='config.agency.created']").first).to_contain_text(AGENCY)
    expect(audit.locator("tr[data-action='config.agency.updated']").first).to_contain_text(
        f"name: OPD Uji → {AGENCY_NAME}"
    )
    expect(audit.locator("tr[data-action='config.station.created']").first).to_contain_text(STATION_NAME)
    expect(audit.locator("tr[data-action='config.station.updated']").first).to_contain_text("kind: bpbd → fire_station")
    expect(audit.locator("tr[data-action='unit.updated']").first).to_contain_text(
        f"call_sign: RES-UJI-1 → {EDITED_UNIT}"
    )
    assert audit.locator(f"tr[data-action='unit.updated']:has-text('{taken}')").count() == 0
    screenshot(page, "admin-audit-places")
    admin.watch.assert_clean(allow_failed=(f"/api/v1/units/{unit_id}",))


def test_a_dispatcher_is_refused_the_admin_area(open_session) -> None:
    dispatcher = open_session("dispatcher")
    page = dispatcher.new_page()
    for path in ("/admin", "/admin/users", "/admin/config", "/admin/places", "/admin/units"):
        assert page.goto(path).status == 403
    assert dispatcher.context.request.get("/api/v1/users").status == 403
    page.goto("/")
    expect(page.locator("header nav")).not_to_contain_text("Admin")
