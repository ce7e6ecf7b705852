"""The watch list: numbers with repeated prank or silent calls, listed for a while.

A number with :attr:`~geo112.config.Settings.watch_calls` calls classed prank or silent (or incidents closed as
prank or ghost calls) within :attr:`~geo112.config.Settings.watch_window_s` is listed for
:attr:`~geo112.config.Settings.watch_listed_s`. The phone system asks at every ring (the ``ringing`` event's
answer): under the default policy the call still rings, flagged on the pop and after the other waiting calls; a
real emergency from a listed number must still reach someone. A supervisor may lift a listing; who and why are
in the audit trail.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from geo112.config import Settings
from geo112.dispatch.calls import NUMBER_SQL
from geo112.errors import Conflict
from geo112.store import audit
from geo112.store.db import database_now, get_or_not_found
from geo112.store.models import WatchListing

_FIELDS = ("number", "until", "calls", "lifted_at", "lifted_by", "lift_reason")
_NORMALISED = text(f"SELECT {NUMBER_SQL}")
_NUISANCE_CALLS = text(f"""
    SELECT count(*) FROM call c LEFT JOIN incident i ON i.id = c.incident_id
     WHERE c.caller_number = {NUMBER_SQL} AND c.received_at >= now() - CAST(:window AS float8) * interval '1 second'
       AND (c.classification IN ('prank', 'silent') OR i.disposition IN ('prank', 'ghost_call'))
""")


def current(session: Session, phone: str) -> WatchListing | None:
    """The listing of ``phone`` (any way of writing it) in force now, or None."""
    number = session.scalar(_NORMALISED, {"phone": phone})
    query = select(WatchListing).where(
        WatchListing.number == number, WatchListing.until > func.now(), WatchListing.lifted_at.is_(None)
    )
    return session.scalars(query.order_by(WatchListing.until.desc())).first()


def listed(session: Session) -> list[WatchListing]:
    """Every listing in force now, the newest first."""
    query = select(WatchListing).where(WatchListing.until > func.now(), WatchListing.lifted_at.is_(None))
    return list(session.scalars(query.order_by(WatchListing.listed_at.desc())))


def consider(session: Session, phone: str, settings: Settings, actor: str) -> WatchListing | None:
    """List ``phone`` when it has reached the count (``watch_list.listed``); the listing, or None."""
    if current(session, phone) is not None:
        return None
    calls = session.scalar(_NUISANCE_CALLS, {"phone": phone, "window": settings.watch_window_s}) or 0
    if calls < settings.watch_calls:
        return None
    now = database_now(session)
    listing = WatchListing(number=session.scalar(_NORMALISED, {"phone": phone}), listed_at=now, calls=calls,
                           until=now + timedelta(seconds=settings.watch_listed_s))  # fmt: skip
    session.add(listing)
    session.flush()
    audit.record(session, actor, "watch_list.listed", "watch_list", listing.id, None, audit.snapshot(listing, _FIELDS))
    return listing


def lift(session: Session, listing_id: int, reason: str, actor: str) -> WatchListing:
    """A supervisor lifts a listing (``watch_list.lifted``, with who and why).

    Raises
    ------
    NotFound
    Conflict
        When it was lifted already or has run out.
    """
    listing = get_or_not_found(session, WatchListing, listing_id, "watch list entry", lock=True)
    now = database_now(session)
    if listing.lifted_at is not None or listing.until <= now:
        raise Conflict(f"watch list entry {listing_id} is not in force", reason="not_listed")
    before = audit.snapshot(listing, _FIELDS)
    listing.lifted_at, listing.lifted_by, listing.lift_reason = now, actor, reason
    session.flush()
    audit.record(
        session, actor, "watch_list.lifted", "watch_list", listing.id, before, audit.snapshot(listing, _FIELDS)
    )
    return listing
