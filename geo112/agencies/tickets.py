"""Tickets: an incident forwarded to an agency, and what the agency does with it.

A ticket goes ``sent → acknowledged → in_progress → done`` (with the resolution), or ``returned`` (with the
reason; the incident is 112's again, and a new ticket may follow). One live ticket per agency and incident.
Every change is an event of the audit trail (``ticket.<verb>``, under the incident), so the incident's
timeline shows what each agency did and when; notes live there only.

An agency sees the incident's place, category, priority and what the caller said; the caller's name and
phone only when the category's route says the agency calls back (``category_agency.caller_visible``).
An officer (role ``officer``) reaches their own agency's tickets only: another agency's ticket is not found.

Deadlines are rows of ``phase_target`` (phases ``ticket_acknowledge`` and ``ticket_done``, counted from
``sent_at``), the most specific row winning, as for the incident phase timers. A returned ticket of an open
incident is an alert too (phase ``returned``) until a dispatcher has seen it (:func:`see_return`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from geo112.agencies import schemas
from geo112.dispatch.incidents import field_summary, get_incident, mask_caller
from geo112.dispatch.sms import SmsGateway
from geo112.errors import Conflict, InvalidInput, NotFound, Unprocessable
from geo112.store import audit
from geo112.store.db import database_now, get_or_not_found
from geo112.store.geometry import point_geojson
from geo112.store.models import Agency, CategoryAgency, Event, Incident, IncidentCategory, PhaseTarget, Ticket

CLOSED = ("done", "returned")
PHASES = ("ticket_acknowledge", "ticket_done")
_FIELDS = ("status", "acknowledged_by", "acknowledged_at", "started_at", "closed_by", "closed_at", "resolution",
           "return_reason", "escalations", "escalated_at", "link_version")  # fmt: skip
#: action → (the states it may start from, the state it leaves, whether it needs a text)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None, bool]] = {
    "acknowledge": (("sent",), "acknowledged", False),
    "start": (("sent", "acknowledged"), "in_progress", False),
    "note": (("sent", "acknowledged", "in_progress"), None, True),
    "done": (("sent", "acknowledged", "in_progress"), "done", True),
    "return": (("sent", "acknowledged", "in_progress"), "returned", True),
}


# --- Routes: which agencies a category's incidents go to --------------------------------------------------


def _route(row: CategoryAgency) -> dict[str, Any]:
    return {"agency": row.agency_code, "caller_visible": row.caller_visible, "auto_forward": row.auto_forward,
            "notify_caller": row.notify_caller, "source": row.source}  # fmt: skip


def list_routes(session: Session) -> list[dict[str, Any]]:
    """Every incident category with the agencies its incidents go to, in the console's order."""
    routes: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in session.scalars(select(CategoryAgency).order_by(CategoryAgency.agency_code)):
        routes[row.category_code].append(_route(row))
    categories = session.scalars(select(IncidentCategory).order_by(IncidentCategory.sort_order, IncidentCategory.code))
    return [
        {"category": c.code, "name": c.name, "default_priority": c.default_priority, "agencies": routes[c.code]}
        for c in categories
    ]


def set_routes(session: Session, category: str, routes: list[schemas.Route], actor: str) -> dict[str, Any]:
    """Replace the agencies of a category (``config.category_agencies`` in the audit trail).

    Raises
    ------
    NotFound
        For an unknown category.
    Unprocessable
        For an unknown agency, or one named twice.
    """
    row = get_or_not_found(session, IncidentCategory, category, "category")
    codes = [r.agency for r in routes]
    if len(set(codes)) != len(codes):
        raise Unprocessable("an agency is named twice")
    unknown = set(codes) - set(session.scalars(select(Agency.code).where(Agency.code.in_(codes))))
    if unknown:
        raise Unprocessable(f"unknown agency {', '.join(sorted(unknown))}")
    old = session.scalars(select(CategoryAgency).where(CategoryAgency.category_code == category)).all()
    before = [_route(r) for r in old]
    for r in old:
        session.delete(r)
    session.flush()
    session.add_all(CategoryAgency(category_code=category, agency_code=r.agency, caller_visible=r.caller_visible,
                                   auto_forward=r.auto_forward, notify_caller=r.notify_caller, source=r.source)
                    for r in routes)  # fmt: skip
    session.flush()
    after = [r.model_dump() for r in routes]
    audit.record(session, actor, "config.category_agencies", "incident_category", category,
                 {"agencies": before}, {"agencies": after})  # fmt: skip
    return {"category": row.code, "name": row.name, "default_priority": row.default_priority, "agencies": after}


def _route_of(session: Session, category: str, agency: str) -> CategoryAgency | None:
    return session.get(CategoryAgency, (category, agency))


# --- Deadlines ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadlines:
    """The ticket phases' targets (``phase_target`` rows), to pick the most specific for a ticket."""

    rows: tuple[tuple[str, str | None, int | None, int], ...]  # phase, category, priority, seconds

    @classmethod
    def load(cls, session: Session) -> Deadlines:
        """Read the targets of :data:`PHASES`."""
        rows = session.execute(
            select(PhaseTarget.phase, PhaseTarget.category_code, PhaseTarget.priority, PhaseTarget.seconds).where(
                PhaseTarget.phase.in_(PHASES)
            )
        )
        return cls(tuple((r.phase, r.category_code, r.priority, r.seconds) for r in rows))

    def seconds(self, phase: str, category: str, priority: int) -> int | None:
        """The target of ``phase`` for an incident: a row of its category before one for all, then of its
        priority before one for all; None when no row applies."""
        fitting = [r for r in self.rows if r[0] == phase and r[1] in (None, category) and r[2] in (None, priority)]
        fitting.sort(key=lambda r: (r[1] is None, r[2] is None))
        return fitting[0][3] if fitting else None


def _due(deadlines: Deadlines, ticket: Ticket, phase: str) -> datetime | None:
    seconds = deadlines.seconds(phase, ticket.incident.category_code, ticket.incident.priority)
    return None if seconds is None else ticket.sent_at + timedelta(seconds=seconds)


def overdue_phase(deadlines: Deadlines, ticket: Ticket, now: datetime) -> tuple[str, datetime] | None:
    """The deadline a ticket has missed at ``now`` (acknowledging first, then being done), or None."""
    if ticket.status in CLOSED:
        return None
    phases = PHASES if ticket.acknowledged_at is None else PHASES[1:]
    for phase in phases:
        due = _due(deadlines, ticket, phase)
        if due is not None and now > due:
            return phase, due
    return None


# --- Reading --------------------------------------------------------------------------------------------


def get_ticket(session: Session, ticket_id: int, agency: str | None = None, lock: bool = False) -> Ticket:
    """The ticket, when ``agency`` (an officer's; None for 112) may see it.

    Raises
    ------
    NotFound
        For an unknown ticket, or another agency's: an officer is not told that it exists.
    """
    ticket = session.get(Ticket, ticket_id, with_for_update=lock)
    if ticket is None or (agency is not None and ticket.agency_code != agency):
        raise NotFound(f"no ticket {ticket_id}")
    return ticket


def _notes(session: Session, ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    rows = session.execute(
        select(Event.entity_id, Event.at, Event.actor, Event.after)
        .where(Event.entity == "ticket", Event.action == "ticket.note", Event.entity_id.in_([str(i) for i in ids]))
        .order_by(Event.id)
    )
    notes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        notes[int(row.entity_id)].append({"at": row.at, "by": row.actor, "text": (row.after or {}).get("text", "")})
    return notes


def _incident_view(incident: Incident, caller_visible: bool) -> dict[str, Any]:
    caller = {"caller_name": incident.caller_name, "caller_phone": incident.caller_phone}
    return field_summary(incident) | {
        "location": point_geojson(incident.geom),
        "caller_visible": caller_visible,
        **(caller if caller_visible else mask_caller(caller)),
    }


def views(session: Session, tickets: list[Ticket], now: datetime | None = None) -> list[dict[str, Any]]:
    """The tickets as their readers see them: deadlines, overdue phase, notes, the incident (caller masked
    unless the category's route lets the agency see it)."""
    if not tickets:
        return []
    now = now or database_now(session)
    deadlines = Deadlines.load(session)
    notes = _notes(session, (t.id for t in tickets))
    pairs = {(t.incident.category_code, t.agency_code) for t in tickets}
    visible = {
        (r.category_code, r.agency_code)
        for r in session.scalars(select(CategoryAgency).where(CategoryAgency.caller_visible))
        if (r.category_code, r.agency_code) in pairs
    }
    answers = []
    for t in tickets:
        late = overdue_phase(deadlines, t, now)
        answers.append(
            audit.snapshot(t, ("id", "sent_by", "sent_at", "synthetic", *_FIELDS, "return_seen_by", "return_seen_at"))
            | {
                "agency": {"code": t.agency.code, "name": t.agency.name},
                "acknowledge_due_at": _due(deadlines, t, "ticket_acknowledge"),
                "done_due_at": _due(deadlines, t, "ticket_done"),
                "overdue": late[0] if late else None,
                "incident": _incident_view(t.incident, (t.incident.category_code, t.agency_code) in visible),
                "notes": notes[t.id],
            }
        )
    return answers


#: Tickets with their incident and its category in the same statement (every reader shows both).
_WITH_INCIDENT = (
    select(Ticket).join(Ticket.incident).options(contains_eager(Ticket.incident).joinedload(Incident.category))
)


def list_tickets(
    session: Session,
    agency: str | None = None,
    view: str = "all",
    incident_id: int | None = None,
    user: str | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """A page of tickets, newest first, and how many there are.

    Parameters
    ----------
    agency
        Only this agency's (an officer's always are).
    view
        ``new`` (sent, nobody acknowledged), ``mine`` (acknowledged by ``user``, open), ``overdue`` (open and
        past a deadline, the most late first), ``open``, ``closed`` or ``all``.
    incident_id
        Only this incident's.
    """
    query = _WITH_INCIDENT
    if agency is not None:
        query = query.where(Ticket.agency_code == agency)
    if incident_id is not None:
        query = query.where(Ticket.incident_id == incident_id)
    if view == "new":
        query = query.where(Ticket.status == "sent")
    elif view == "mine":
        query = query.where(Ticket.acknowledged_by == user, Ticket.status.not_in(CLOSED))
    elif view in ("open", "overdue"):
        query = query.where(Ticket.status.not_in(CLOSED))
    elif view == "closed":
        query = query.where(Ticket.status.in_(CLOSED))
    query = query.order_by(Ticket.sent_at.desc(), Ticket.id.desc())
    if view != "overdue":
        total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
        return views(session, list(session.scalars(query.limit(limit).offset(offset))), now), total
    # Open tickets are few (an agency's backlog): the deadline is computed for each, not in SQL.
    now = now or database_now(session)
    deadlines = Deadlines.load(session)
    late = [(t, overdue_phase(deadlines, t, now)) for t in session.scalars(query)]
    ranked = sorted(((t, p) for t, p in late if p is not None), key=lambda tp: tp[1][1])
    return views(session, [t for t, _ in ranked[offset : offset + limit]], now), len(ranked)


def _alert(ticket: Ticket, phase: str, since: datetime, now: datetime) -> dict[str, Any]:
    return {
        "ticket_id": ticket.id, "incident_id": ticket.incident_id,
        "agency": {"code": ticket.agency.code, "name": ticket.agency.name},
        "category": ticket.incident.category_code, "priority": ticket.incident.priority, "status": ticket.status,
        "phase": phase, "due_at": since, "over_s": round((now - since).total_seconds(), 1),
        "escalations": ticket.escalations, "escalated_at": ticket.escalated_at,
        "return_reason": ticket.return_reason,
    }  # fmt: skip


def overdue(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """Open tickets past a deadline at ``now`` (default the database clock; tests give their own), the
    longest over first, after the returned tickets of open incidents no dispatcher has seen yet (phase
    ``returned``, since the return): what the 112 supervisor's console shows as alerts."""
    now = now or database_now(session)
    deadlines = Deadlines.load(session)
    unseen_return = (Ticket.status == "returned") & Ticket.return_seen_at.is_(None) & (Incident.status == "open")
    listed = session.scalars(_WITH_INCIDENT.where(Ticket.status.not_in(CLOSED) | unseen_return))
    items: list[dict[str, Any]] = []
    for t in listed:
        late = ("returned", t.closed_at) if t.status == "returned" else overdue_phase(deadlines, t, now)
        if late is not None and late[1] is not None:
            items.append(_alert(t, late[0], late[1], now))
    items.sort(key=lambda a: (a["phase"] != "returned", -float(a["over_s"])))
    return {"at": now, "items": items}


# --- Changing -------------------------------------------------------------------------------------------


def _record(session: Session, ticket: Ticket, actor: str, verb: str, before: dict[str, Any] | None,
            after: dict[str, Any] | None) -> None:  # fmt: skip
    audit.record(session, actor, f"ticket.{verb}", "ticket", ticket.id, before, after, incident_id=ticket.incident_id)


def forward(session: Session, incident_id: int, agency: str, actor: str, note: str | None = None) -> Ticket:
    """Send an incident to an agency (``ticket.sent``; a note, if any, as ``ticket.note``).

    Raises
    ------
    NotFound
        For an unknown incident.
    Unprocessable
        For an unknown agency, or an incident handed to another 112 (that 112 forwards it).
    Conflict
        When the agency has a live ticket for the incident already.
    """
    incident = get_incident(session, incident_id)
    if session.get(Agency, agency) is None:
        raise Unprocessable(f"unknown agency {agency!r}")
    if incident.handoff is not None:
        raise Unprocessable(f"incident {incident_id} belongs to {incident.handoff}: that 112 forwards it")
    ticket = Ticket(incident_id=incident_id, agency_code=agency, sent_by=actor)
    try:
        with session.begin_nested():
            session.add(ticket)
            session.flush()
    except IntegrityError:
        raise Conflict(f"{agency} has a ticket for incident {incident_id} already", agency=agency) from None
    _record(session, ticket, actor, "sent", None, {"agency": agency, "status": "sent"})
    if note:
        _record(session, ticket, actor, "note", None, {"text": note})
    return ticket


def forward_by_category(session: Session, incident: Incident, actor: str) -> list[Ticket]:
    """Send a new incident to every agency its category forwards to at once (``auto_forward``)."""
    routes = session.scalars(
        select(CategoryAgency.agency_code).where(
            CategoryAgency.category_code == incident.category_code, CategoryAgency.auto_forward
        )
    ).all()
    if incident.handoff is not None:
        return []
    return [forward(session, incident.id, agency, actor) for agency in routes]


def _text_for(action: str, text: str | None) -> str | None:
    needs_text = TRANSITIONS[action][2]
    if needs_text and not (text and text.strip()):
        what = {"note": "the note", "done": "what was done (the resolution)", "return": "why it is returned"}[action]
        raise InvalidInput(f"{action} needs a text: {what}")
    return text.strip() if text else None


def act(
    session: Session,
    ticket: Ticket,
    action: str,
    text: str | None,
    actor: str,
    sms: SmsGateway | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Do ``action`` on a ticket (see :data:`TRANSITIONS`), recorded as ``ticket.<action>``.

    ``done`` texts the caller through ``sms`` when the category's route asks for it and a phone is known.

    Raises
    ------
    InvalidInput
        For an unknown action, or one that needs a text without it.
    Conflict
        When the ticket's state does not allow the action (closed, or acknowledged already).
    """
    if action not in TRANSITIONS:
        raise InvalidInput(f"action must be one of {', '.join(TRANSITIONS)}")
    starts, to, _ = TRANSITIONS[action]
    text = _text_for(action, text)
    if ticket.status not in starts:
        raise Conflict(f"ticket {ticket.id} is {ticket.status}: it cannot {action}", status=ticket.status)
    if to is None:
        _record(session, ticket, actor, "note", None, {"text": text})
        return ticket
    before = audit.snapshot(ticket, _FIELDS)
    now = now or database_now(session)
    ticket.status = to
    if ticket.acknowledged_at is None and to != "returned":
        ticket.acknowledged_at, ticket.acknowledged_by = now, actor
    if to == "in_progress":
        ticket.started_at = now
    if to in CLOSED:
        ticket.closed_at, ticket.closed_by = now, actor
        ticket.resolution, ticket.return_reason = (text, None) if to == "done" else (None, text)
    session.flush()
    after = audit.snapshot(ticket, _FIELDS)
    changed = {k: v for k, v in after.items() if before[k] != v}
    _record(session, ticket, actor, {"acknowledge": "acknowledged", "start": "started", "return": "returned"}.get(
        action, action), {k: before[k] for k in changed}, changed)  # fmt: skip
    if to == "done" and sms is not None:
        notify_caller(session, ticket, sms, actor)
    return ticket


def notify_caller(session: Session, ticket: Ticket, sms: SmsGateway, actor: str) -> str | None:
    """Text the caller that their report was handled, when the category's route asks for it; the reference."""
    incident = ticket.incident
    route = _route_of(session, incident.category_code, ticket.agency_code)
    if route is None or not route.notify_caller or not incident.caller_phone:
        return None
    body = (f"112 Kab. Mojokerto: laporan Anda #{incident.id} ({incident.category.name}) telah ditangani oleh "
            f"{ticket.agency.name}. Terima kasih.")  # fmt: skip
    sent = sms.send(session, incident.caller_phone, body, actor, incident.id)
    _record(session, ticket, actor, "caller_notified", None, {"sms": sent})
    return sent


def see_return(session: Session, ticket: Ticket, actor: str) -> Ticket:
    """A dispatcher saw that the agency returned the ticket (``ticket.return_seen``): no longer an alert.

    Raises
    ------
    Conflict
        When the ticket is not returned, or its return was seen already.
    """
    if ticket.status != "returned":
        raise Conflict(f"ticket {ticket.id} is {ticket.status}, not returned", status=ticket.status)
    if ticket.return_seen_at is not None:
        raise Conflict(f"{ticket.return_seen_by} saw the return of ticket {ticket.id} already",
                       seen_by=ticket.return_seen_by)  # fmt: skip
    ticket.return_seen_by, ticket.return_seen_at = actor, database_now(session)
    session.flush()
    _record(session, ticket, actor, "return_seen", None, {"reason": ticket.return_reason})
    return ticket


def escalate(session: Session, ticket: Ticket, how: str, note: str | None, actor: str) -> Ticket:
    """112 chased the agency: sent the ticket again (every earlier link stops working), phoned it, or noted
    something (``ticket.escalated``).

    Raises
    ------
    Conflict
        For a closed ticket.
    """
    if ticket.status in CLOSED:
        raise Conflict(f"ticket {ticket.id} is {ticket.status}: nothing to chase", status=ticket.status)
    if how == "noted" and not note:
        raise InvalidInput("a noted escalation needs the note")
    before = audit.snapshot(ticket, ("escalations", "escalated_at", "link_version"))
    values = {"escalations": Ticket.escalations + 1, "escalated_at": func.now()}
    if how == "resent":
        values["link_version"] = Ticket.link_version + 1
    session.execute(update(Ticket).where(Ticket.id == ticket.id).values(values))
    session.refresh(ticket)
    after = audit.snapshot(ticket, ("escalations", "escalated_at", "link_version")) | {"how": how, "note": note}
    _record(session, ticket, actor, "escalated", before, after)
    return ticket
