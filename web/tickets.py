"""Tickets for the agencies behind 112: the API (forwarding, the agencies' answers, escalation, deadlines,
the scorecard, the categories' routes) and the officers' phone pages (``/opd``) and signed links (``/t/…``).

An officer (role ``officer``) is scoped to their agency in every operation: another agency's ticket is not
found, lists and scorecards are their agency's whatever the query asks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from geo112.agencies import lapor, links, schemas, scorecard, tickets
from geo112.config import WIB
from geo112.dispatch import sms
from geo112.dispatch.responder import navigation_links
from geo112.store.models import Ticket
from web.api import ADMIN, DISPATCH, READ, actor, blueprint, paginated
from web.auth import csrf, current_user, require_role
from web.db import get_session, settings
from web.params import Integer, Page, Query, Time

bp = blueprint("tickets")
pages = Blueprint("opd", __name__)
links_bp = Blueprint("ticket_links", __name__, url_prefix="/t")
csrf.exempt(links_bp)  # the token is the credential, as for responder links

OFFICER = ("officer",)
#: Who reads tickets: 112 (dispatchers, planners) and the agencies' officers (their own only).
TICKET_READERS = (*READ, *OFFICER)
#: Who changes a ticket's state: the agency, or a dispatcher on its behalf (an agency that phoned).
TICKET_WRITERS = (*DISPATCH, *OFFICER)


class TicketsQuery(Page):
    """Which tickets: a view, an agency (officers: always their own), an incident."""

    view: schemas.TicketView = "all"
    agency: str | None = None
    incident_id: Integer(1, 2**31 - 1) | None = None  # type: ignore[valid-type]


class ScorecardQuery(Query):
    """The span and period of the scorecard; officers see their own agency's."""

    period: Literal["week", "month"] = "week"
    since: Time | None = None
    until: Time | None = None
    agency: str | None = None


def _scope() -> str | None:
    """The agency the current user is held to (an officer's), or None (112 sees every agency)."""
    user = current_user()
    return user.agency if user is not None and user.role == "officer" else None


def _gateway() -> sms.SmsGateway:
    return sms.gateway(settings().sms_gateway)


def _one(ticket: Ticket) -> dict[str, Any]:
    return tickets.views(get_session(), [ticket])[0]


def _with_link(ticket: Ticket) -> schemas.TicketWithLink:
    token, expires = links.issue(current_app.config["SECRET_KEY"], ticket, settings().ticket_link_ttl_s)
    url = url_for("ticket_links.page", token=token, _external=True)
    return schemas.TicketWithLink.model_validate(_one(ticket) | {"link": url, "link_expires_at": expires})


# --- API ----------------------------------------------------------------------------------------------


@bp.operation("get", "/report-categories", roles=READ, response=schemas.CategoryRoutesList)
def routes() -> schemas.CategoryRoutesList:
    """Every incident category with the agencies its incidents go to (and what each may see)."""
    return schemas.CategoryRoutesList.model_validate({"items": tickets.list_routes(get_session())})


@bp.operation("put", "/report-categories/<category>", roles=ADMIN, response=schemas.CategoryRoutes)
def set_routes(category: str, json: schemas.Routes) -> schemas.CategoryRoutes:
    """Replace the agencies a category's incidents go to (admin; recorded in the audit trail)."""
    return schemas.CategoryRoutes.model_validate(tickets.set_routes(get_session(), category, json.agencies, actor()))


@bp.operation(
    "post", "/incidents/<int:incident_id>/tickets", roles=DISPATCH, response=schemas.TicketWithLink, status=201
)
def forward(incident_id: int, json: schemas.TicketForward) -> tuple[schemas.TicketWithLink, int]:
    """Forward an incident to an agency: 201 with the ticket and a link for an agency without accounts."""
    ticket = tickets.forward(get_session(), incident_id, json.agency, actor(), json.note)
    return _with_link(ticket), 201


@bp.operation("get", "/tickets", roles=TICKET_READERS, response=schemas.TicketPage)
def list_(query: TicketsQuery) -> schemas.TicketPage:
    """Tickets, newest first (``overdue``: the most late first); an officer's are their agency's only."""
    user = current_user()
    items, total = tickets.list_tickets(
        get_session(), _scope() or query.agency, query.view, query.incident_id,
        user.username if user else None, query.limit, query.offset,
    )  # fmt: skip
    return schemas.TicketPage(**paginated(items, total, query.limit, query.offset))


@bp.operation("get", "/tickets/<int:ticket_id>", roles=TICKET_READERS, response=schemas.Ticket)
def read(ticket_id: int) -> schemas.Ticket:
    """One ticket (404 for another agency's, to an officer)."""
    return schemas.Ticket.model_validate(_one(tickets.get_ticket(get_session(), ticket_id, _scope())))


@bp.operation("post", "/tickets/<int:ticket_id>/actions", roles=TICKET_WRITERS, response=schemas.Ticket)
def act(ticket_id: int, json: schemas.TicketActionBody) -> schemas.Ticket:
    """Acknowledge, start, note, done (with the resolution) or return (with the reason) a ticket."""
    session = get_session()
    ticket = tickets.get_ticket(session, ticket_id, _scope(), lock=True)
    tickets.act(session, ticket, json.action, json.text, actor(), _gateway())
    return schemas.Ticket.model_validate(_one(ticket))


@bp.operation("post", "/tickets/<int:ticket_id>/escalate", roles=DISPATCH, response=schemas.TicketWithLink)
def escalate(ticket_id: int, json: schemas.Escalation) -> schemas.TicketWithLink:
    """Chase an agency: re-send (a new link; older ones stop working), phoned, or noted; recorded."""
    session = get_session()
    ticket = tickets.escalate(session, tickets.get_ticket(session, ticket_id, lock=True), json.how, json.note, actor())
    return _with_link(ticket)


@bp.operation("post", "/tickets/<int:ticket_id>/return-seen", roles=DISPATCH, response=schemas.Ticket)
def see_return(ticket_id: int) -> schemas.Ticket:
    """A dispatcher saw that the agency returned the ticket: it leaves the alerts (409 if not returned or seen)."""
    session = get_session()
    ticket = tickets.see_return(session, tickets.get_ticket(session, ticket_id, lock=True), actor())
    return schemas.Ticket.model_validate(_one(ticket))


@bp.operation("post", "/tickets/<int:ticket_id>/lapor", roles=DISPATCH, response=schemas.LaporExport, status=201)
def export_lapor(ticket_id: int) -> tuple[schemas.LaporExport, int]:
    """File a report that is not an emergency (priority 3) with SP4N-LAPOR!, without the caller's details."""
    session = get_session()
    ticket = tickets.get_ticket(session, ticket_id, lock=True)
    reference = lapor.export(session, ticket, lapor.FileOutbox(settings().lapor_outbox), actor())
    return schemas.LaporExport(ticket_id=ticket_id, reference=reference), 201


@bp.operation("get", "/tickets/overdue", roles=DISPATCH, response=schemas.OverdueTickets)
def overdue() -> schemas.OverdueTickets:
    """Open tickets past their deadline to acknowledge or to be done, the most late first."""
    return schemas.OverdueTickets.model_validate(tickets.overdue(get_session()))


@bp.operation("get", "/agencies/scorecard", roles=TICKET_READERS, response=schemas.Scorecard)
def scores(query: ScorecardQuery) -> schemas.Scorecard:
    """Per agency and week or month: received, acknowledged, done, returned, times, deadlines met, backlog."""
    return schemas.Scorecard.model_validate(_scorecard(query.period, query.since, query.until, query.agency))


def _scorecard(period: str, since: datetime | None, until: datetime | None, agency: str | None) -> dict[str, Any]:
    return scorecard.recent(get_session(), period, since, until, _scope() or agency)


# --- Officers' pages (phone first, no script needed) ---------------------------------------------------

QUEUE_VIEWS = ("new", "mine", "overdue", "closed")


@pages.app_template_filter("wib")
def wib(value: datetime | str | None) -> str:
    """A time as the call centre's clock shows it: ``2026-12-07 15:20 WIB``."""
    if value is None:
        return "–"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M WIB")


@pages.get("/opd")
@require_role(*OFFICER)
def queue() -> ResponseReturnValue:
    """The officer's queue: new, mine, overdue and closed tickets of their agency."""
    view = request.args.get("view", "new")
    view = view if view in QUEUE_VIEWS else "new"
    user = current_user()
    items, total = tickets.list_tickets(get_session(), _scope(), view, user=user.username if user else None, limit=100)
    counts = {v: tickets.list_tickets(get_session(), _scope(), v, user=user.username if user else None, limit=1)[1]
              for v in QUEUE_VIEWS if v != "closed"}  # fmt: skip
    return render_template("opd/queue.html", items=items, total=total, view=view, views=QUEUE_VIEWS, counts=counts)


def _ticket_page(ticket: Ticket, action_url: str, back: str | None) -> ResponseReturnValue:
    data = _one(ticket)
    lon, lat = data["incident"]["location"]["coordinates"]
    actions = [a for a, (starts, _, _) in tickets.TRANSITIONS.items() if ticket.status in starts]
    return render_template("opd/ticket.html", ticket=data, actions=actions, action_url=action_url, back=back,
                           navigation=navigation_links(lon, lat))  # fmt: skip


@pages.get("/opd/tickets/<int:ticket_id>")
@require_role(*OFFICER)
def ticket_page(ticket_id: int) -> ResponseReturnValue:
    """One ticket of the officer's agency, with its buttons."""
    ticket = tickets.get_ticket(get_session(), ticket_id, _scope())
    return _ticket_page(ticket, url_for(".ticket_action", ticket_id=ticket_id), url_for(".queue"))


@pages.post("/opd/tickets/<int:ticket_id>")
@require_role(*OFFICER)
def ticket_action(ticket_id: int) -> ResponseReturnValue:
    """A button of the ticket page (a form post), then back to the ticket."""
    session = get_session()
    ticket = tickets.get_ticket(session, ticket_id, _scope(), lock=True)
    tickets.act(session, ticket, request.form.get("action", ""), request.form.get("text"), actor(), _gateway())
    return redirect(url_for(".ticket_page", ticket_id=ticket_id), 303)


@pages.get("/opd/scorecard")
@require_role(*OFFICER)
def scorecard_page() -> ResponseReturnValue:
    """The agency head's page: how the agency answered its tickets, week by week (admins: every agency)."""
    period = request.args.get("period", "week")
    data = _scorecard(period if period in scorecard.PERIODS else "week", None, None, None)
    return render_template("opd/scorecard.html", data=data)


@links_bp.get("/<token>")
def page(token: str) -> ResponseReturnValue:
    """A ticket opened by its signed link (an agency without accounts)."""
    ticket = links.resolve(get_session(), current_app.config["SECRET_KEY"], token)
    return _ticket_page(ticket, url_for(".action", token=token), None)


@links_bp.post("/<token>")
def action(token: str) -> ResponseReturnValue:
    """A button of the link's page, acting as ``link:<agency>``."""
    session = get_session()
    ticket = links.resolve(session, current_app.config["SECRET_KEY"], token)
    form = request.form
    tickets.act(session, ticket, form.get("action", ""), form.get("text"), links.actor(ticket), _gateway())
    return redirect(url_for(".page", token=token), 303)
