"""Calls from the phone system: the PBX's events, the screen pop, the operator's one-key class.

The PBX (``scripts/sip.sh``'s Kamailio, or any other speaking the contract of docs/telephony.md) posts one
event per step of a call: ``ringing`` (geo112 records the call and names the free operators' phones to ring,
or, under the ``reject`` policy, the SIP status for a listed number), ``answered`` (by which phone, hence which
operator), ``ended`` (who hung up) and ``abandoned`` (the caller hung up first, or nobody answered). Events are
idempotent: a repeated one changes nothing.

The operator classes the call with one key: *darurat* goes on to the intake (the incident takes the call,
:func:`~geo112.dispatch.phone_calls.claim`), the other classes close it without an incident. Prank and silent
calls count towards the watch list (:mod:`geo112.dispatch.watchlist`). Every step is in the audit trail, so the
consoles' live cursor moves with it.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from geo112.config import Settings
from geo112.dispatch import schemas, watchlist
from geo112.dispatch.calls import NUMBER_SQL, caller_history, possible_duplicates
from geo112.dispatch.pbx import PbxControl
from geo112.dispatch.phone_calls import TRACKED, get_phone_call
from geo112.errors import Conflict, Forbidden, InvalidInput, NotFound, ServiceUnavailable
from geo112.store import audit
from geo112.store.db import database_now
from geo112.store.models import Call, OperatorPhone, User

#: Who is recorded as having taken a call nobody answered yet.
PBX_ACTOR = "pbx"
#: Classes that count towards the watch list.
NUISANCE = ("prank", "silent")
#: An ended call its operator has not classed stays on their screen this long.
UNCLASSED_S = 600
#: SQL of a call's class (``call`` as ``c``): the operator's, or what became of a call never classed.
CLASS_SQL = """coalesce(c.classification, CASE WHEN c.outcome IN ('abandoned', 'unanswered', 'rejected')
                                             THEN c.outcome ELSE 'unclassed' END)"""
#: A call answered longer ago than this without its end is taken to have ended (its event was lost).
LOST_END_S = 4 * 3600


def state(call: Call) -> str:
    """``ringing``, ``answered`` (talking) or ``ended``."""
    if call.ended_at is not None:
        return "ended"
    return "ringing" if call.answered_at is None else "answered"


def shown(call: Call) -> schemas.PhoneCall:
    """The call as the API answers it."""
    values = {name: getattr(call, name) for name in schemas.PhoneCall.model_fields if name != "state"}
    return schemas.PhoneCall.model_validate(values | {"state": state(call)})


def handle_event(session: Session, event: schemas.CallEvent, settings: Settings) -> schemas.CallEventAnswer:
    """Apply one PBX event and say what the PBX does next.

    Raises
    ------
    NotFound
        For an event other than ``ringing`` about a call geo112 never heard ring.
    """
    if event.event == "ringing":
        return _ringing(session, event, settings)
    call = session.scalar(select(Call).where(Call.sip_call_id == event.call_id).with_for_update())
    if call is None:
        raise NotFound(f"no ringing call {event.call_id!r}: the PBX posts ringing first")
    before = audit.snapshot(call, TRACKED)
    now = database_now(session)
    if event.event == "answered" and call.answered_at is None and call.ended_at is None:
        call.answered_at, call.answered_phone, call.outcome = now, event.phone, "answered"
        call.taken_by = _operator(session, event.phone) or PBX_ACTOR
    elif event.event == "ended" and call.ended_at is None:
        call.ended_at, call.ended_by = now, event.by
    elif event.event == "abandoned" and call.answered_at is None and call.ended_at is None:
        call.ended_at = now
        call.outcome = "unanswered" if event.reason == "unanswered" else "abandoned"
        call.ended_by = "caller" if call.outcome == "abandoned" else None
    else:
        return schemas.CallEventAnswer(call=call.id, action="none", phones=[])
    session.flush()
    audit.record(session, PBX_ACTOR, f"call.{event.event}", "call", call.id, before, audit.snapshot(call, TRACKED))
    return schemas.CallEventAnswer(call=call.id, action="none", phones=[], watch_listed=call.watch_listed)


def _ringing(session: Session, event: schemas.CallEvent, settings: Settings) -> schemas.CallEventAnswer:
    known = session.scalar(select(Call).where(Call.sip_call_id == event.call_id))
    if known is not None:  # the PBX asked again (a retransmitted INVITE): the same answer
        return schemas.CallEventAnswer(call=known.id, action="ring", phones=known.rang_phones or [],
                                       watch_listed=known.watch_listed)  # fmt: skip
    number = None if event.caller in (None, "anonymous") else event.caller
    listing = watchlist.current(session, number) if number else None
    reject = listing is not None and settings.watch_policy == "reject"
    phones = [] if reject else (event.phones if event.phones is not None else free_phones(session))
    # Two offers of one call at once (a PBX retrying while the first waits) insert one row; the second answers
    # as a repeated offer does.
    inserted = session.scalar(
        insert(Call).values(sip_call_id=event.call_id, caller_phone=number, taken_by=PBX_ACTOR, rang_phones=phones,
                            watch_listed=listing is not None)
        .on_conflict_do_nothing(index_elements=[Call.sip_call_id]).returning(Call.id)
    )  # fmt: skip
    if inserted is None:
        return _ringing(session, event, settings)
    call = get_phone_call(session, inserted)
    if reject:
        call.ended_at, call.outcome = database_now(session), "rejected"
        session.flush()
    after = {"rang_phones": phones, "watch_listed": call.watch_listed, "outcome": call.outcome}
    audit.record(session, PBX_ACTOR, "call.ringing", "call", call.id, None, after)
    if reject:
        return schemas.CallEventAnswer(call=call.id, action="reject", phones=[], status=settings.watch_reject_status,
                                       reason="Number On Watch List", watch_listed=True)  # fmt: skip
    return schemas.CallEventAnswer(call=call.id, action="ring", phones=phones, watch_listed=call.watch_listed)


def _operator(session: Session, extension: str | None) -> str | None:
    if extension is None:
        return None
    return session.scalar(select(OperatorPhone.username).where(OperatorPhone.extension == extension))


def _busy_operators() -> Any:
    """Usernames on a call now: answered and not ended, for less than :data:`LOST_END_S` (an ``ended`` event
    the PBX never delivered must not keep an operator's phone silent for good)."""
    return select(Call.taken_by).where(
        Call.answered_at > func.now() - timedelta(seconds=LOST_END_S), Call.ended_at.is_(None)
    )


def free_phones(session: Session) -> list[str]:
    """The extensions of active dispatchers (and admins) with a phone who are not on a call, in order."""
    query = (
        select(OperatorPhone.extension)
        .join(User, User.username == OperatorPhone.username)
        .where(User.active, User.role.in_(("dispatcher", "admin")), OperatorPhone.username.not_in(_busy_operators()))
        .order_by(OperatorPhone.extension)
    )
    return list(session.scalars(query))


def seat_operator(session: Session, username: str, extension: str) -> None:
    """Seat ``username`` at the phone ``extension`` (letters, digits, ``_`` and ``.``), replacing whoever sat there.

    Raises
    ------
    InvalidInput
        For an extension the PBX's events could not name.
    """
    if not re.match(schemas.EXTENSION_PATTERN, extension):
        raise InvalidInput(f"an extension is 1 to 40 letters, digits, _ or . (not {extension!r})")
    session.merge(OperatorPhone(extension=extension, username=username))
    session.flush()


def extensions(session: Session, username: str) -> list[str]:
    """The phones an operator sits at."""
    query = select(OperatorPhone.extension).where(OperatorPhone.username == username).order_by(OperatorPhone.extension)
    return list(session.scalars(query))


def my_calls(session: Session, username: str) -> list[Call]:
    """The calls an operator's console shows: ringing their phone, taken by them and not over (classed or not:
    a caller still on the line is hung up from the console), and theirs that ended without a class in the last
    :data:`UNCLASSED_S` seconds. Listed numbers after the others, then oldest first (the one waiting longest
    is taken first)."""
    phones = extensions(session, username)
    if not phones:
        return []
    ringing = and_(Call.answered_at.is_(None), Call.ended_at.is_(None), Call.rang_phones.overlap(phones))
    recent = or_(Call.ended_at.is_(None), Call.ended_at > func.now() - timedelta(seconds=UNCLASSED_S))
    talking = and_(Call.ended_at.is_(None), Call.answered_at > func.now() - timedelta(seconds=LOST_END_S))
    mine = and_(Call.taken_by == username, or_(and_(Call.classification.is_(None), recent), talking))
    query = (
        select(Call)
        .where(Call.sip_call_id.is_not(None), or_(ringing, mine))
        .order_by(Call.watch_listed, Call.received_at, Call.id)
    )
    return list(session.scalars(query))


_LAST_POSITIONS = text(f"""
    SELECT received_at AS at, ST_X(geom) AS lon, ST_Y(geom) AS lat, incident_id
      FROM call WHERE caller_number = {NUMBER_SQL} AND geom IS NOT NULL
  ORDER BY received_at DESC LIMIT 3
""")
_OPEN_INCIDENTS = text(f"""
    SELECT DISTINCT i.id FROM call c JOIN incident i ON i.id = c.incident_id
     WHERE c.caller_number = {NUMBER_SQL} AND i.status = 'open' ORDER BY i.id
""")


def screen_pop(session: Session, call_id: int, settings: Settings) -> schemas.ScreenPop:
    """What the operator sees while the call rings.

    Raises
    ------
    NotFound
    """
    call = get_phone_call(session, call_id)
    number = call.caller_phone
    if number is None:
        return schemas.ScreenPop(call=shown(call), history=None, open_incidents=[], last_positions=[], duplicates=[],
                                 watch=None)  # fmt: skip
    positions = [row._asdict() for row in session.execute(_LAST_POSITIONS, {"phone": number})]
    last = positions[0] if positions else {"lon": None, "lat": None}
    listing = watchlist.current(session, number)
    return schemas.ScreenPop.model_validate(
        {
            "call": shown(call),
            "history": caller_history(session, number, exclude=call.id),
            "open_incidents": list(session.scalars(_OPEN_INCIDENTS, {"phone": number})),
            "last_positions": positions,
            "duplicates": possible_duplicates(session, last["lon"], last["lat"], number, settings.same_caller_window_s),
            "watch": None if listing is None else schemas.WatchListing.model_validate(listing),
        }
    )


def hang_up(session: Session, call_id: int, actor: str, control: PbxControl | None, supervisor: bool = False) -> Call:
    """End the operator's call from the console: the PBX sends the BYEs, geo112 records the end
    (``call.hung_up``, ended by the operator; a BYE the PBX sends itself brings no ``ended`` event).

    The PBX is asked without the call's row locked, so that its events about the call (the caller hanging up
    at the same moment) are not held up; an end recorded meanwhile is kept.

    Raises
    ------
    NotFound
    Forbidden
        When the call is another operator's (a supervisor, ``supervisor``, may end any).
    Conflict
        When it still rings (answer it on the phone), has ended, or the PBX does not hold it (hang up on the
        phone): nothing changes.
    ServiceUnavailable
        When no PBX control is configured, or the PBX cannot be reached or refuses: nothing changes.
    """
    call = get_phone_call(session, call_id)
    _check_hang_up(call, actor, supervisor)
    if control is None:
        raise ServiceUnavailable("no phone system control is set (GEO112_PBX_CONTROL_URL): hang up on the phone")
    control.end_call(str(call.sip_call_id))
    session.refresh(call, with_for_update=True)
    if call.ended_at is None:
        before = audit.snapshot(call, TRACKED)
        call.ended_at, call.ended_by = database_now(session), "operator"
        session.flush()
        audit.record(session, actor, "call.hung_up", "call", call.id, before, audit.snapshot(call, TRACKED))
    return call


def _check_hang_up(call: Call, actor: str, supervisor: bool) -> None:
    if call.answered_at is None or call.ended_at is not None:
        reason = "ended" if call.ended_at is not None else "not_answered"
        raise Conflict("the call has ended" if reason == "ended" else "the call still rings: answer it first",
                       reason=reason)  # fmt: skip
    if call.taken_by != actor and not supervisor:
        raise Forbidden(f"the call is {call.taken_by}'s: only they (or a supervisor) hang it up")


def classify(session: Session, call_id: int, data: schemas.CallClassify, actor: str, settings: Settings) -> Call:
    """Class a call with one key (``call.classified``); prank and silent may put the number on the watch list.

    *darurat* only marks it: the incident saved from the intake takes the call
    (:func:`~geo112.dispatch.phone_calls.claim`).

    Raises
    ------
    NotFound
    Conflict
        When the call still rings (answer it first), or has a class already.
    """
    call = get_phone_call(session, call_id, lock=True)
    if call.answered_at is None:
        raise Conflict("answer the call before classing it", reason="not_answered")
    if call.classification is not None:
        raise Conflict(f"the call is classed {call.classification} already", reason="classified")
    before = audit.snapshot(call, TRACKED)
    call.classification, call.classified_at = data.classification, database_now(session)
    call.classification_note = data.note
    session.flush()
    audit.record(session, actor, "call.classified", "call", call.id, before, audit.snapshot(call, TRACKED))
    if data.classification in NUISANCE and call.caller_phone:
        watchlist.consider(session, call.caller_phone, settings, actor)
    return call
