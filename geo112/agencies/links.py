"""Ticket links: a signed, expiring token per ticket for an agency that has no accounts yet (``/t/<token>``),
shared with it by WhatsApp as the responder link is shared with a crew.

The token carries the ticket and agency ids, the link's version and its expiry, signed with the app's secret
(itsdangerous, a salt of its own, so a responder or caller token is never a ticket token). A tampered token is
refused (403), an expired one or one replaced by a newer link is gone (410). A token acts on its one ticket,
as ``link:<agency>`` in the audit trail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from geo112.errors import Forbidden, Gone
from geo112.signed_links import sign, unsign
from geo112.store.models import Ticket

SALT = "geo112.ticket-link"


def issue(secret: str, ticket: Ticket, ttl_s: float, now: float | None = None) -> tuple[str, datetime]:
    """Sign a link token for a ticket; returns the token and when it expires (UTC).

    Parameters
    ----------
    secret
        The app's secret key.
    ticket
        The ticket (its id, agency and link version go into the token).
    ttl_s
        Seconds the link stays valid.
    now
        The issuing time as a Unix timestamp (tests pass their own clock); default the current time.
    """
    claims = {"t": ticket.id, "g": ticket.agency_code, "v": ticket.link_version}
    return sign(secret, SALT, claims, ttl_s, now)


def resolve(session: Session, secret: str, token: str, now: float | None = None) -> Ticket:
    """The ticket a valid token names.

    Raises
    ------
    Forbidden
        (403) For a token altered or signed with another key, or naming another agency's ticket.
    Gone
        (410) For an expired token, or one a newer link replaced (112 re-sent the ticket).
    """
    claims = unsign(secret, SALT, token, {"t", "g", "v"}, "ticket", "112", now)
    ticket = session.get(Ticket, claims["t"])
    if ticket is None or ticket.agency_code != claims["g"]:
        raise Forbidden("this ticket link does not match a ticket")
    if claims["v"] != ticket.link_version:
        raise Gone("this ticket link was replaced by a newer one; use the latest link from 112")
    return ticket


def actor(ticket: Ticket) -> str:
    """Who acts through a ticket's link, in the audit trail."""
    return f"link:{ticket.agency_code}"
