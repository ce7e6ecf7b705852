"""Sending text messages: a small gateway interface, and the outbox gateway geo112 ships with.

The outbox keeps every message in ``sms_outbox`` (in the caller's transaction, so a message is recorded
exactly when the change that sent it is) and logs that one was queued, never its number or text (callers'
details stay out of the logs). A real SMS gateway implements :class:`SmsGateway` and is named in
:data:`GATEWAYS`; an operator picks it with ``GEO112_SMS_GATEWAY``.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from sqlalchemy.orm import Session

from geo112.errors import Unprocessable
from geo112.store.models import SmsMessage

log = logging.getLogger(__name__)


class SmsGateway(ABC):
    """Something that sends a text message to a phone number."""

    @abstractmethod
    def send(self, session: Session, to: str, body: str, actor: str, incident_id: int | None = None) -> str:
        """Send (or queue) ``body`` to ``to``; returns the gateway's reference of the message."""


class OutboxGateway(SmsGateway):
    """Keeps messages in ``sms_outbox`` for a sender process or an operator to pick up."""

    def send(self, session: Session, to: str, body: str, actor: str, incident_id: int | None = None) -> str:
        """See :meth:`SmsGateway.send`; the reference is ``outbox:<id>``."""
        message = SmsMessage(incident_id=incident_id, to_number=to, body=body, created_by=actor)
        session.add(message)
        session.flush()
        log.info("sms queued in the outbox: message %s for incident %s", message.id, incident_id)
        return f"outbox:{message.id}"


GATEWAYS: dict[str, type[SmsGateway]] = {"outbox": OutboxGateway}


def gateway(name: str) -> SmsGateway:
    """The gateway called ``name``.

    Raises
    ------
    Unprocessable
        For a name no gateway has.
    """
    if name not in GATEWAYS:
        raise Unprocessable(f"no SMS gateway {name!r}; the gateways are {', '.join(GATEWAYS)}")
    return GATEWAYS[name]()
