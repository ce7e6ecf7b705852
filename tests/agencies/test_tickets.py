"""Tickets in the domain: routing by category, the state machine and its audit trail, the caller's details as
each agency may see them, deadlines with an injected clock, escalation, signed links, the caller's text."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from geo112.agencies import lapor, links, tickets
from geo112.dispatch import schemas
from geo112.dispatch.incidents import close_incident
from geo112.dispatch.sms import OutboxGateway
from geo112.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound, Unprocessable
from geo112.store.db import database_now
from geo112.store.models import Event, SmsMessage

SECRET = "test-secret"


def _events(db, ticket_id: int) -> list[tuple[str, str]]:
    rows = db.execute(
        select(Event.action, Event.actor)
        .where(Event.entity == "ticket", Event.entity_id == str(ticket_id))
        .order_by(Event.id)
    )
    return [(r.action, r.actor) for r in rows]


def test_a_street_light_report_goes_to_dishub_by_itself_and_runs_to_done(db, make_incident) -> None:
    incident = make_incident("lampu_jalan", caller_name="Bu Sri", caller_phone="081234567890",
                             description="PJU mati depan balai desa")  # fmt: skip
    [ticket] = tickets.forward_by_category(db, incident, "disp")
    assert (ticket.agency_code, ticket.status) == ("dishub", "sent")
    with pytest.raises(Conflict):
        tickets.forward(db, incident.id, "dishub", "disp")
    tickets.act(db, ticket, "acknowledge", None, "officer1")
    with pytest.raises(Conflict):
        tickets.act(db, ticket, "acknowledge", None, "officer1")
    tickets.act(db, ticket, "note", "tim berangkat", "officer1")
    with pytest.raises(InvalidInput):
        tickets.act(db, ticket, "done", "  ", "officer1")
    tickets.act(db, ticket, "done", "lampu diganti", "officer1", OutboxGateway())
    assert (ticket.status, ticket.resolution, ticket.closed_by) == ("done", "lampu diganti", "officer1")
    actions = [a for a, _ in _events(db, ticket.id)]
    assert actions == ["ticket.sent", "ticket.acknowledged", "ticket.note", "ticket.done", "ticket.caller_notified"]
    [text] = db.scalars(select(SmsMessage).where(SmsMessage.incident_id == incident.id)).all()
    assert text.to_number == "081234567890" and "Dinas Perhubungan" in text.body
    [view] = tickets.views(db, [ticket])
    # Street lights: the agency need not call back, so the caller stays masked.
    assert view["incident"]["caller_visible"] is False and view["incident"]["caller_phone"].endswith("90")
    assert "081234567890" not in str(view) and "Bu Sri" not in str(view)
    assert [n["text"] for n in view["notes"]] == ["tim berangkat"]


def test_a_fallen_tree_suggests_two_agencies_and_kdrt_shows_the_caller(db, make_incident) -> None:
    routes = {r["category"]: r["agencies"] for r in tickets.list_routes(db)}
    assert {a["agency"] for a in routes["pohon_tumbang"]} == {"bpbd", "pupr"}
    tree = make_incident("pohon_tumbang")
    assert tickets.forward_by_category(db, tree, "disp") == []  # suggested, not sent by itself
    violence = make_incident("kdrt", caller_phone="081200000001")
    ticket = tickets.forward(db, violence.id, "dp2kbp2", "disp")
    assert tickets.views(db, [ticket])[0]["incident"]["caller_phone"] == "081200000001"


def test_an_officer_never_reaches_another_agencys_ticket(db, make_incident) -> None:
    ticket = tickets.forward(db, make_incident("listrik_padam").id, "pln", "disp")
    assert tickets.get_ticket(db, ticket.id, "pln") is ticket
    with pytest.raises(NotFound):
        tickets.get_ticket(db, ticket.id, "dishub")
    items, total = tickets.list_tickets(db, agency="dishub", view="all", incident_id=ticket.incident_id)
    assert (items, total) == ([], 0)


def test_returned_tickets_go_back_and_a_new_one_may_follow(db, make_incident) -> None:
    incident = make_incident("jalan_rusak")
    [ticket] = tickets.forward_by_category(db, incident, "disp")
    tickets.act(db, ticket, "return", "jalan provinsi, bukan kewenangan kabupaten", "pupr1")
    assert ticket.status == "returned" and ticket.acknowledged_at is None
    again = tickets.forward(db, incident.id, "pupr", "disp")
    assert again.id != ticket.id


def test_deadlines_raise_alerts_with_an_injected_clock_and_escalation_is_recorded(db, make_incident) -> None:
    incident = make_incident("lampu_jalan", priority=3)
    [ticket] = tickets.forward_by_category(db, incident, "disp")
    now = database_now(db)
    mine = lambda at: [a for a in tickets.overdue(db, at)["items"] if a["ticket_id"] == ticket.id]  # noqa: E731
    assert mine(now + timedelta(hours=3, minutes=59)) == []
    [late] = mine(now + timedelta(hours=4, minutes=1))  # P3: 4 hours to acknowledge (migration 0014)
    assert late["phase"] == "ticket_acknowledge" and 0 < late["over_s"] <= 61
    tickets.act(db, ticket, "acknowledge", None, "officer1")
    assert mine(now + timedelta(hours=5)) == []
    [late] = mine(now + timedelta(days=3, minutes=1))  # P3: 3 days to be done
    assert late["phase"] == "ticket_done"
    tickets.escalate(db, ticket, "phoned", "Pak Budi berjanji besok", "disp")
    assert (ticket.escalations, ticket.link_version) == (1, 0)
    tickets.escalate(db, ticket, "resent", None, "disp")
    assert (ticket.escalations, ticket.link_version) == (2, 1)
    assert mine(now + timedelta(days=3, minutes=1))[0]["escalations"] == 2


def test_a_ticket_link_acts_on_its_own_ticket_until_replaced_or_expired(db, make_incident) -> None:
    ticket = tickets.forward(db, make_incident("air_bersih").id, "pdam", "disp")
    token, _ = links.issue(SECRET, ticket, 60, now=1000)
    assert links.resolve(db, SECRET, token, now=1010) is ticket
    with pytest.raises(Gone):
        links.resolve(db, SECRET, token, now=1061)
    with pytest.raises(Forbidden):
        links.resolve(db, "another-key", token, now=1010)
    tickets.escalate(db, ticket, "resent", None, "disp")
    with pytest.raises(Gone):
        links.resolve(db, SECRET, token, now=1010)


def test_a_complaint_goes_to_lapor_once_without_the_caller(db, make_incident, tmp_path) -> None:
    road = make_incident("jalan_rusak", caller_name="Pak Joko", caller_phone="081233344455", description="lubang")
    [ticket] = tickets.forward_by_category(db, road, "disp")
    outbox = lapor.FileOutbox(tmp_path)
    reference = lapor.export(db, ticket, outbox, "disp")
    written = json.loads((tmp_path / reference.removeprefix("file:")).read_text())
    assert written["instansi_tujuan"].startswith("Dinas PUPR") and written["anonim"] and written["isi"] == "lubang"
    assert "081233344455" not in json.dumps(written) and "Joko" not in json.dumps(written)
    with pytest.raises(Conflict):
        lapor.export(db, ticket, outbox, "disp")
    emergency = tickets.forward(db, make_incident("kdrt").id, "dp2kbp2", "disp")
    with pytest.raises(Unprocessable):
        lapor.export(db, emergency, outbox, "disp")


def test_a_returned_ticket_is_an_alert_until_seen_or_the_incident_is_closed(db, make_incident) -> None:
    incident = make_incident("lampu_jalan", priority=3)
    [ticket] = tickets.forward_by_category(db, incident, "disp")
    mine = lambda: [a for a in tickets.overdue(db)["items"] if a["ticket_id"] == ticket.id]  # noqa: E731
    with pytest.raises(Conflict, match="not returned"):
        tickets.see_return(db, ticket, "disp")
    tickets.act(db, ticket, "return", "jalan provinsi, bukan kami", "officer1")
    [alert] = mine()
    assert (alert["phase"], alert["return_reason"]) == ("returned", "jalan provinsi, bukan kami")
    assert alert["due_at"] == ticket.closed_at
    tickets.see_return(db, ticket, "disp")
    assert mine() == [] and ticket.return_seen_by == "disp"
    assert _events(db, ticket.id)[-1] == ("ticket.return_seen", "disp")
    with pytest.raises(Conflict, match="saw the return"):
        tickets.see_return(db, ticket, "disp2")
    # a second agency returns it too; nobody looks, and the incident is closed: no alert for a closed incident
    other = tickets.forward(db, incident.id, "pupr", "disp")
    tickets.act(db, other, "return", "bukan jalan kabupaten", "officer2")
    assert [a["ticket_id"] for a in tickets.overdue(db)["items"] if a["incident_id"] == incident.id] == [other.id]
    close_incident(db, incident.id, schemas.IncidentClose(disposition="handled"), "disp")
    assert [a for a in tickets.overdue(db)["items"] if a["incident_id"] == incident.id] == []
