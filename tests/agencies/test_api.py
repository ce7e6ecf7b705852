"""Tickets through the API and the officers' pages: a dispatcher forwards, the agency's officer answers,
another agency's officer reads nothing of it (API and page), the link works without an account, admins route
categories, the supervisor sees overdue tickets and the scorecard."""

from __future__ import annotations

from sqlalchemy import text

from geo112.accounts.users import create_user
from geo112.store.db import session_factory
from tests.conftest import PASSWORD
from tests.dispatch.conftest import MOJOSARI

API = "/api/v1"


def _other_officer(database: str) -> str:
    """An officer of PLN (the test officer works for Dishub)."""
    with session_factory(database).begin() as s:
        if s.execute(text("SELECT 1 FROM app_user WHERE username = 'pln-officer'")).first() is None:
            create_user(s, "pln-officer", PASSWORD, "officer", agency="pln")
    return "pln-officer"


def _log_in(client, username: str) -> dict[str, str]:
    token = client.get(f"{API}/auth/csrf").get_json()["csrf_token"]
    answer = client.post(f"{API}/auth/login", json={"username": username, "password": PASSWORD},
                         headers={"X-CSRFToken": token})  # fmt: skip
    assert answer.status_code == 200, answer.get_json()
    return {"X-CSRFToken": answer.get_json()["csrf_token"]}


def test_forward_answer_and_scope(app, client, login, database, demo) -> None:
    headers = login("dispatcher")
    body = {"category": "lampu_jalan", "lon": MOJOSARI[0], "lat": MOJOSARI[1], "caller_phone": "081298765432",
            "description": "PJU mati 3 titik"}  # fmt: skip
    incident = client.post(f"{API}/incidents", json=body, headers=headers).get_json()
    [ticket] = client.get(f"{API}/tickets?incident_id={incident['id']}").get_json()["items"]
    assert ticket["agency"]["code"] == "dishub" and ticket["status"] == "sent"  # forwarded by its category
    again = client.post(f"{API}/incidents/{incident['id']}/tickets", json={"agency": "dishub"}, headers=headers)
    assert again.status_code == 409
    pupr = client.post(f"{API}/incidents/{incident['id']}/tickets", json={"agency": "pupr", "note": "tiang miring"},
                       headers=headers)  # fmt: skip
    assert pupr.status_code == 201 and "/t/" in pupr.get_json()["link"]

    officer = login("officer")
    assert client.get(f"{API}/incidents/{incident['id']}").status_code == 403  # 112's records are not theirs
    mine = client.get(f"{API}/tickets").get_json()["items"]
    assert {t["agency"]["code"] for t in mine} == {"dishub"} and ticket["id"] in {t["id"] for t in mine}
    assert client.get(f"{API}/tickets/{pupr.get_json()['id']}").status_code == 404
    seen = client.get(f"{API}/tickets/{ticket['id']}").get_json()
    assert "081298765432" not in str(seen) and seen["incident"]["description"] == "PJU mati 3 titik"
    done = client.post(f"{API}/tickets/{ticket['id']}/actions", json={"action": "done"}, headers=officer)
    assert done.status_code == 400 and "resolution" in done.get_json()["detail"]
    for action, words in (("acknowledge", None), ("start", None), ("done", "lampu diganti")):
        answer = client.post(f"{API}/tickets/{ticket['id']}/actions", json={"action": action, "text": words},
                             headers=officer)  # fmt: skip
        assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "done" and answer.get_json()["closed_by"] == "test-officer"
    late = client.post(f"{API}/tickets/{ticket['id']}/actions", json={"action": "start"}, headers=officer)
    assert late.status_code == 409 and late.get_json()["status"] == "done"  # the ticket's state, with the refusal
    page = client.get(f"/opd/tickets/{ticket['id']}")
    assert page.status_code == 200 and "lampu diganti" in page.get_data(as_text=True)

    _log_in(client, _other_officer(database))
    assert client.get(f"{API}/tickets/{ticket['id']}").status_code == 404
    assert client.get(f"{API}/tickets?agency=dishub").get_json()["items"] == []
    assert client.get(f"/opd/tickets/{ticket['id']}").status_code == 404
    assert "PJU mati" not in client.get("/opd?view=closed").get_data(as_text=True)
    assert client.get(f"{API}/agencies/scorecard?agency=dishub").get_json()["items"] == []

    login("dispatcher")
    timeline = client.get(f"{API}/incidents/{incident['id']}/timeline").get_json()["events"]
    assert {"ticket.sent", "ticket.acknowledged", "ticket.started", "ticket.done"} <= {e["action"] for e in timeline}
    rows = client.get(f"{API}/agencies/scorecard?agency=dishub").get_json()["items"]
    assert sum(r["done"] for r in rows) >= 1 and all(r["agency"] == "dishub" for r in rows)
    # The fuzzer's find: a span weeks before the year 1 was a 500 (date out of range), not a refusal.
    refused = client.get(f"{API}/agencies/scorecard?until=0001-01-01T00:00:00Z")
    assert refused.status_code == 400 and "between the years 1970 and 2200" in refused.get_json()["detail"]


def test_the_link_works_without_an_account_and_only_for_its_ticket(app, client, login, demo) -> None:
    headers = login("dispatcher")
    body = {"category": "air_bersih", "lon": MOJOSARI[0], "lat": MOJOSARI[1], "caller_phone": "081211112222"}
    incident = client.post(f"{API}/incidents", json=body, headers=headers).get_json()
    [ticket] = client.get(f"{API}/tickets?incident_id={incident['id']}").get_json()["items"]
    link = client.post(f"{API}/tickets/{ticket['id']}/escalate", json={"how": "resent"}, headers=headers).get_json()
    path = "/t/" + link["link"].split("/t/", 1)[1]
    agency = app.test_client()
    page = agency.get(path)
    assert page.status_code == 200 and "081211112222" in page.get_data(as_text=True)  # PDAM calls back
    assert agency.post(path, data={"action": "acknowledge"}).status_code == 303
    assert agency.get(f"{API}/tickets/{ticket['id']}").status_code == 401
    assert agency.get(path[:-3] + "abc").status_code == 403
    assert client.get(f"{API}/tickets/{ticket['id']}").get_json()["acknowledged_by"] == "link:pdam"


def test_admins_route_categories_and_set_deadlines(client, login) -> None:
    headers = login("admin")
    seeded = {r["category"]: r for r in client.get(f"{API}/report-categories").get_json()["items"]}["lampu_jalan"]
    routes = {"agencies": [{"agency": "dprkp2", "caller_visible": True, "source": "uji"}]}
    assert client.put(f"{API}/report-categories/lampu_jalan", json=routes, headers=headers).status_code == 200
    listed = {r["category"]: r for r in client.get(f"{API}/report-categories").get_json()["items"]}
    assert [a["agency"] for a in listed["lampu_jalan"]["agencies"]] == ["dprkp2"]
    bad = {"agencies": [{"agency": "nope"}]}
    assert client.put(f"{API}/report-categories/lampu_jalan", json=bad, headers=headers).status_code == 422
    target = {"phase": "ticket_done", "category": "jalan_rusak", "seconds": 7 * 24 * 3600, "source": "uji"}
    assert client.put(f"{API}/phase-targets", json=target, headers=headers).status_code == 200
    # The seeded route back: the database is shared with the other tests of the session.
    restored = {"agencies": seeded["agencies"]}
    assert client.put(f"{API}/report-categories/lampu_jalan", json=restored, headers=headers).status_code == 200


def test_overdue_tickets_reach_the_supervisor(client, login, database, demo) -> None:
    headers = login("dispatcher")
    body = {"category": "listrik_padam", "lon": MOJOSARI[0], "lat": MOJOSARI[1]}
    incident = client.post(f"{API}/incidents", json=body, headers=headers).get_json()
    [ticket] = client.get(f"{API}/tickets?incident_id={incident['id']}").get_json()["items"]
    assert ticket["id"] not in {a["ticket_id"] for a in client.get(f"{API}/tickets/overdue").get_json()["items"]}
    with session_factory(database).begin() as s:  # time moves by dating the row back, never by waiting
        s.execute(text("UPDATE ticket SET sent_at = sent_at - interval '2 hours' WHERE id = :t"), {"t": ticket["id"]})
    late = {a["ticket_id"]: a for a in client.get(f"{API}/tickets/overdue").get_json()["items"]}
    assert late[ticket["id"]]["phase"] == "ticket_acknowledge"  # P2: one hour to acknowledge
