"""Access: every endpoint needs the right role, every write needs a CSRF token, responder tokens are scoped."""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import func, select

from geo112.dispatch import responder
from geo112.store.db import session_factory
from geo112.store.models import Event
from tests.api_document import operations

from .conftest import API

#: Endpoints anyone may call: logging in, the API description, public boundary data, probes.
PUBLIC = {
    "/api/v1/auth/csrf",
    "/api/v1/auth/login",
    "/api/v1/openapi.json",
    "/api/v1/locate",
    "/api/v1/desa",
    "/api/v1/<any(desa, kecamatan, jurisdiction):collection>.geojson",
}
#: Pages (outside the OpenAPI document), with the roles they admit (admins always).
PAGES = [
    ("get", "/console", ("dispatcher",)),
    ("get", "/planner", ("planner",)),
    ("get", "/", ("dispatcher", "planner", "officer")),
    ("get", "/opd", ("officer",)),
    ("get", "/opd/scorecard", ("officer",)),
    *[
        ("get", path, ("admin",))
        for path in ("/admin", "/admin/users", "/admin/config", "/admin/places", "/admin/units")
    ],
]


def _calls(targets: dict[str, object]) -> list[tuple[str, str, tuple[str, ...]]]:
    documented = [
        (method, re.sub(r"{(\w+)}", lambda m: str(targets[m.group(1)]), path), roles)
        for method, path, roles, _ in operations()
        if roles
    ]  # no roles: public
    return documented + PAGES


def test_every_api_route_but_the_public_ones_needs_a_login(app, client) -> None:
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/") and r.rule not in PUBLIC]
    assert len(rules) >= len([op for op in operations() if op[1].startswith(API) and op[2]])
    for rule in rules:
        path = re.sub(r"<(?:\w+:)?(\w+)>", "1", re.sub(r"<any\((\w+)[^>]*>", r"\1", rule.rule))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            answer = client.open(path, method=method, json={})
            # Anonymous: 401 (a write without CSRF token may be refused with 400 first; never a success).
            assert answer.status_code in (401, 400), (method, rule.rule, answer.status_code)
            assert answer.get_json()["error"] in ("unauthorized", "bad_request"), (method, rule.rule)


@pytest.mark.parametrize("role", ["dispatcher", "planner", "admin", "officer"])
def test_role_matrix(client, login, targets, role: str) -> None:
    headers = login(role)
    for method, path, roles in _calls(targets):
        # An empty body: allowed roles pass the role check and are then refused (422) or served (a link),
        # so the matrix itself changes nothing.
        answer = client.open(path, method=method, headers=headers, json={} if method != "get" else None)
        if role == "admin" or role in roles:
            assert answer.status_code not in (401, 403), (role, method, path, answer.get_json())
        else:
            assert answer.status_code == 403, (role, method, path, answer.status_code)
            assert answer.get_json()["error"] == "forbidden" and role in answer.get_json()["detail"]


def test_writes_need_the_csrf_token(app, client, login, targets) -> None:
    login("admin")
    with session_factory(app.config["GEO112_DATABASE_URL"])() as s:
        before = s.scalar(select(func.count()).select_from(Event))
    for method, path, _ in _calls(targets):
        if method != "get":
            body = {"category": "medis", "lon": 112.56, "lat": -7.52, "status": "out_of_service", "name": "x"}
            answer = client.open(path, method=method, json=body)
            assert answer.status_code == 400 and "CSRF" in answer.get_json()["detail"], (method, path)
    with session_factory(app.config["GEO112_DATABASE_URL"])() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == before


def _forged(app, claims: dict[str, int]) -> str:
    return URLSafeSerializer(app.config["SECRET_KEY"], salt=responder.SALT).dumps(claims)


def test_a_responder_token_acts_only_on_its_own_unit_and_incident(
    app, client, login, targets, new_incident, demo
) -> None:
    from tests.dispatch.conftest import committed_unit

    other_incident = new_incident()
    headers = login("dispatcher")
    other_unit = committed_unit(demo, "K16", "SEC")
    other = client.post(
        f"{API}/incidents/{other_incident['id']}/assignments", json={"unit_id": other_unit}, headers=headers
    ).get_json()
    mine = client.post(f"{API}/assignments/{targets['assignment_id']}/link", headers=headers).get_json()
    token = mine["responder_url"].rsplit("/", 1)[1]
    crew = app.test_client()
    assert crew.get(f"/r/{token}?format=json").get_json()["unit"]["id"] == targets["unit_id"]
    # A token naming another assignment, unit or incident than its own is refused, even correctly signed.
    exp = 2**40
    for claims in (
        {"a": other["id"], "u": targets["unit_id"], "i": targets["incident_id"], "exp": exp},
        {"a": targets["assignment_id"], "u": other_unit, "i": targets["incident_id"], "exp": exp},
        {"a": targets["assignment_id"], "u": targets["unit_id"], "i": other["incident_id"], "exp": exp},
    ):
        forged = _forged(app, claims)
        assert crew.get(f"/r/{forged}?format=json").status_code == 403
        assert crew.post(f"/r/{forged}/status", json={"action": "en_route"}).status_code == 403
    # Swapping the payload of a real token for another assignment's breaks the signature.
    signature = token.rsplit(".", 1)[1]
    other_payload = _forged(app, {"a": other["id"], "u": other_unit, "i": other["incident_id"], "exp": exp})
    assert (
        crew.post(f"/r/{other_payload.rsplit('.', 1)[0]}.{signature}/status", json={"action": "en_route"}).status_code
        == 403
    )
    assert client.get(f"{API}/units/{other_unit}").get_json()["status"] == "dispatched"
    # Signed with another key (another installation's link): refused.
    foreign = URLSafeSerializer("another-secret", salt=responder.SALT).dumps(
        {"a": targets["assignment_id"], "u": targets["unit_id"], "i": targets["incident_id"], "exp": exp}
    )
    assert crew.get(f"/r/{foreign}?format=json").status_code == 403
    # Once the assignment ended, the link shows the end but moves the unit no more.
    assert crew.post(f"/r/{token}/status", json={"action": "en_route"}).status_code == 200
    assert crew.post(f"/r/{token}/status", json={"action": "cleared"}).status_code == 200
    ended = crew.post(f"/r/{token}/status", json={"action": "en_route"})
    assert ended.status_code == 409
    assert client.get(f"{API}/units/{targets['unit_id']}").get_json()["status"] == "returning"
