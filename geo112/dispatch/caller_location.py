"""The caller's location from the caller's own phone: a signed, short-lived link for one incident.

Many desa have no street addresses, so the dispatcher sends the caller a link (SMS through
:mod:`geo112.dispatch.sms`, WhatsApp, or a QR code read out). Opened on the caller's phone, it asks the
browser for its position and posts latitude, longitude and accuracy; the incident moves there (located,
snapped and audited like any move: old and new place), and the accuracy is kept for the console's circle.
A phone that refuses, times out or cannot locate itself says so, and the incident's timeline shows it.

The token carries the incident id and its expiry, signed with the app's secret under a salt of its own (a
responder token cannot be used here, nor the other way round): altered → 403, expired → 410, closed
incident → 409. Positions outside Jawa Timur are refused; a position less precise than
:data:`MAX_ACCURACY_M` is refused as useless, one above :data:`LOW_ACCURACY_M` is taken and flagged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo112.config import SLIVER_TOLERANCE_M
from geo112.dispatch import schemas
from geo112.dispatch.incidents import Snapper, open_incident, update_incident
from geo112.dispatch.sms import SmsGateway
from geo112.errors import Unprocessable
from geo112.geography.locate import locate
from geo112.region import current_region
from geo112.signed_links import sign, unsign
from geo112.store import audit
from geo112.store.db import database_now
from geo112.store.models import Assignment

SALT = "geo112.caller-location"
#: A position less precise than this (metres) does not move the incident.
MAX_ACCURACY_M = 5000.0
#: A position less precise than this is taken, and both sides are told it is rough.
LOW_ACCURACY_M = 200.0


def issue(secret: str, incident_id: int, ttl_s: float, now: float | None = None) -> tuple[str, datetime]:
    """Sign a caller link token for an incident; returns the token and when it expires (UTC)."""
    return sign(secret, SALT, {"i": incident_id}, ttl_s, now)


def verify(secret: str, token: str, now: float | None = None) -> int:
    """The incident a valid token names.

    Raises
    ------
    Forbidden
        For a token that was not signed here (or was altered).
    Gone
        For an expired token.
    """
    claims = unsign(secret, SALT, token, {"i"}, "location", "112", now)
    return int(claims["i"])


def message(url: str) -> str:
    """The text sent to the caller (Indonesian, short enough for one SMS with the link), in the region's name."""
    return f"{current_region().call_centre}: buka tautan ini untuk mengirim lokasi Anda ke petugas: {url}"


def whatsapp_url(text: str, phone: str | None = None) -> str:
    """A ``wa.me`` link that opens WhatsApp with ``text``, to ``phone`` (an Indonesian number) when given."""
    digits = "".join(c for c in phone or "" if c.isdigit())
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return f"https://wa.me/{digits}?text={quote(text)}"


def send_link(
    session: Session, incident_id: int, url: str, expires: datetime, actor: str, sms: SmsGateway | None
) -> dict[str, Any]:
    """Record that a link went out (``incident.caller_link_sent``), texting it to the caller through ``sms``
    when given; returns the link, its expiry, the message, the WhatsApp link and the SMS reference.

    Raises
    ------
    NotFound
    Conflict
        When the incident is closed.
    Unprocessable
        When an SMS is asked for an incident without the caller's phone.
    """
    incident = open_incident(session, incident_id, lock=False)
    text = message(url)
    sent = None
    if sms is not None:
        if not incident.caller_phone:
            raise Unprocessable("the incident has no caller phone to text the link to; add it, or use WhatsApp or QR")
        sent = sms.send(session, incident.caller_phone, text, actor, incident_id)
    after = {"expires_at": expires.isoformat(), "sms": sent}
    audit.record(session, actor, "incident.caller_link_sent", "incident", incident_id, None, after,
                 incident_id=incident_id)  # fmt: skip
    return {"url": url, "expires_at": expires.isoformat(), "message": text, "sms": sent,
            "whatsapp_url": whatsapp_url(text, incident.caller_phone)}  # fmt: skip


def receive(
    session: Session,
    incident_id: int,
    position: schemas.CallerPosition,
    snap: Snapper | None = None,
    sliver_tolerance_m: float = SLIVER_TOLERANCE_M,
) -> dict[str, Any]:
    """Move the incident to the caller's position (``incident.updated`` with the old and new place, then
    ``incident.caller_located`` with the accuracy); returns what the caller's page says.

    Raises
    ------
    Conflict
        When the incident is closed.
    Unprocessable
        For a position outside Jawa Timur or less precise than :data:`MAX_ACCURACY_M`.
    """
    open_incident(session, incident_id)
    if position.accuracy_m > MAX_ACCURACY_M:
        raise Unprocessable(
            f"the position is too imprecise (±{position.accuracy_m:.0f} m, more than {MAX_ACCURACY_M:.0f} m); "
            "turn on GPS/location and try again",
            reason="imprecise",
        )
    if not locate(session, position.lon, position.lat, sliver_tolerance_m).in_province:
        raise Unprocessable("the position is outside Jawa Timur; if you are elsewhere, call 112 where you are",
                            reason="outside_province")  # fmt: skip
    move = schemas.IncidentUpdate(lon=position.lon, lat=position.lat)
    incident = update_incident(session, incident_id, move, "caller", snap, sliver_tolerance_m)
    incident.caller_accuracy_m, incident.caller_located_at = position.accuracy_m, database_now(session)
    session.flush()
    low = position.accuracy_m > LOW_ACCURACY_M
    after = {"lon": position.lon, "lat": position.lat, "accuracy_m": position.accuracy_m, "low_accuracy": low}
    audit.record(session, "caller", "incident.caller_located", "incident", incident_id, None, after,
                 incident_id=incident_id)  # fmt: skip
    # The caller is told help is coming only when a unit is: a phone that answers first is not promised one.
    sent = session.scalar(select(func.count()).where(Assignment.incident_id == incident_id,
                                                     Assignment.ended_at.is_(None)))  # fmt: skip
    return {"incident_id": incident_id, "accuracy_m": position.accuracy_m, "low_accuracy": low,
            "desa": incident.desa.name if incident.desa else None, "units_sent": sent or 0}  # fmt: skip


def failed(session: Session, incident_id: int, failure: schemas.CallerLocationFailure) -> None:
    """Record that the caller's phone gave no position (``incident.caller_location_failed``: denied,
    timeout, unavailable or unsupported), so the dispatcher knows to ask otherwise."""
    open_incident(session, incident_id, lock=False)
    audit.record(session, "caller", "incident.caller_location_failed", "incident", incident_id, None,
                 {"reason": failure.reason}, incident_id=incident_id)  # fmt: skip
