"""Request and response models of the agencies' API: routes of report categories, tickets and scorecards."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from geo112.dispatch.schemas import Code, Point, Time

TicketStatus = Literal["sent", "acknowledged", "in_progress", "done", "returned"]
#: What an agency (or 112 on its behalf) does with a ticket.
TicketAction = Literal["acknowledge", "start", "note", "done", "return"]
#: How 112 chased an overdue ticket.
EscalationKind = Literal["resent", "phoned", "noted"]
TicketView = Literal["all", "new", "mine", "overdue", "open", "closed"]
Remark = Annotated[str, Field(min_length=1, max_length=2000)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Route(_Request):
    """An agency that gets a ticket for a category's incidents, and what it may see."""

    agency: Code
    caller_visible: bool = Field(False, description="the agency sees the caller's name and phone, to call back")
    auto_forward: bool = Field(False, description="the ticket goes out as soon as the incident is recorded")
    notify_caller: bool = Field(False, description="the caller gets a text message when the ticket is done")
    source: Annotated[str, Field(min_length=1, max_length=500)] = "set by an administrator"


class Routes(_Request):
    """Every agency of a category (replaces the category's list; empty: none)."""

    agencies: Annotated[list[Route], Field(max_length=20)]


class CategoryRoutes(BaseModel):
    """A category with the agencies its incidents go to."""

    category: str
    name: str
    default_priority: int
    agencies: list[Route]


class CategoryRoutesList(BaseModel):
    """Every category and its agencies (categories without any included: units only)."""

    items: list[CategoryRoutes]


class TicketForward(_Request):
    """Forward an incident to an agency."""

    agency: Code
    note: Annotated[str, Field(max_length=2000)] | None = Field(None, description="a word for the agency")


class TicketActionBody(_Request):
    """What an agency did: acknowledge, start, note (text), done (resolution text), return (reason text)."""

    action: TicketAction
    text: Annotated[str, Field(max_length=2000)] | None = None


class Escalation(_Request):
    """How 112 chased an overdue ticket: sent it again (a new link), phoned the agency, or noted something."""

    how: EscalationKind
    note: Annotated[str, Field(max_length=2000)] | None = None


class Agency(BaseModel):
    """An agency: its code and name."""

    code: str
    name: str


class TicketNote(BaseModel):
    """A note on a ticket, from the audit trail."""

    at: Time
    by: str
    text: str


class TicketIncident(BaseModel):
    """What an agency sees of the incident: the caller only when the category allows it."""

    id: int
    category: str
    category_name: str
    priority: int
    description: str | None
    address: str | None
    desa: str | None
    kecamatan: str | None
    location: Point
    caller_name: str | None
    caller_phone: str | None
    caller_visible: bool


class Ticket(BaseModel):
    """A report forwarded to an agency, with its deadlines and what the agency may see of the incident."""

    id: int
    agency: Agency
    status: TicketStatus
    sent_by: str
    sent_at: Time
    acknowledged_by: str | None
    acknowledged_at: Time | None
    started_at: Time | None
    closed_by: str | None
    closed_at: Time | None
    resolution: str | None
    return_reason: str | None
    escalations: int
    escalated_at: Time | None
    return_seen_by: str | None = Field(None, description="a returned ticket: the dispatcher who saw the return")
    return_seen_at: Time | None = None
    acknowledge_due_at: Time | None = Field(description="the deadline to acknowledge (none: no target)")
    done_due_at: Time | None = Field(description="the deadline to be done (none: no target)")
    overdue: Literal["ticket_acknowledge", "ticket_done"] | None = Field(description="the deadline passed, if any")
    incident: TicketIncident
    notes: list[TicketNote]
    synthetic: bool


class TicketWithLink(Ticket):
    """A ticket with a signed link the agency opens without an account (to share by WhatsApp)."""

    link: str
    link_expires_at: Time


class TicketPage(BaseModel):
    """One page of tickets, newest first (overdue first for the ``overdue`` view)."""

    items: list[Ticket]
    total: int
    limit: int
    offset: int


class OverdueTicket(BaseModel):
    """A ticket whose deadline passed: which, by how long."""

    ticket_id: int
    incident_id: int
    agency: Agency
    category: str
    priority: int
    status: TicketStatus
    phase: Literal["ticket_acknowledge", "ticket_done", "returned"] = Field(
        description="the deadline missed, or returned: the agency handed the report back and no dispatcher has "
        "seen it yet (POST /tickets/{id}/return-seen)"
    )
    due_at: Time = Field(description="when the deadline passed, or when the ticket was returned")
    over_s: float = Field(description="seconds since due_at")
    escalations: int
    escalated_at: Time | None
    return_reason: str | None = Field(None, description="a returned ticket: the agency's reason")


class OverdueTickets(BaseModel):
    """The overdue tickets at a time (the database's clock unless a test gives one)."""

    at: Time
    items: list[OverdueTicket]


class ScoreRow(BaseModel):
    """How one agency did in one period (tickets sent in it; the backlog at its end)."""

    agency: str
    agency_name: str
    period_start: Time
    received: int
    acknowledged: int
    done: int
    returned: int
    ack_median_s: float | None
    ack_p90_s: float | None
    done_median_s: float | None
    done_p90_s: float | None
    ack_within_share: float | None = Field(description="acknowledged within the deadline, of those with one")
    done_within_share: float | None = Field(description="done within the deadline, of those with one")
    open_backlog: int = Field(description="tickets sent by the period's end and not closed by then")
    synthetic: bool = Field(description="the period's tickets include generated demo history")


class Scorecard(BaseModel):
    """Per agency and week or month: tickets received, acknowledged, done, returned, times, deadlines."""

    period: Literal["week", "month"]
    timezone: str
    items: list[ScoreRow]


class LaporExport(BaseModel):
    """A report filed with SP4N-LAPOR!: the exporter's reference (``file:<name>`` for the file outbox)."""

    ticket_id: int
    reference: str
