"""Export to SP4N-LAPOR!, the national public-service complaint system: an adapter interface and the
file outbox geo112 ships with (no network here).

Only reports that are not emergencies go there (priority 3: a street light, a damaged road, water), as a
complaint to the agency their ticket went to, after 112 forwarded it: LAPOR! tracks the follow-up
nationally. The complaint never carries the caller's name or phone (it is filed as anonymous and
confidential), only what was reported, where (desa, kecamatan), when, and the ticket's state.

An exporter implements :class:`LaporExporter`; :class:`FileOutbox` writes one JSON file per complaint into a
directory (``GEO112_LAPOR_OUTBOX``) for an operator or a sender process with network access to submit.
Each export is recorded as ``ticket.lapor_exported`` with the exporter's reference; a ticket is exported once.
"""

from __future__ import annotations

import json
import logging
import os
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from geo112.errors import Conflict, Unprocessable
from geo112.store import audit
from geo112.store.models import Event, Ticket

log = logging.getLogger(__name__)
#: The priority of reports that are complaints, not emergencies.
COMPLAINT_PRIORITY = 3
EXPORTED = "ticket.lapor_exported"


class LaporExporter(ABC):
    """Something that files a complaint with SP4N-LAPOR!."""

    @abstractmethod
    def submit(self, complaint: dict[str, Any]) -> str:
        """File ``complaint`` (:func:`complaint`); returns the exporter's reference of it."""


class FileOutbox(LaporExporter):
    """Writes each complaint as ``<directory>/ticket-<id>.json`` (written whole, then renamed into place)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def submit(self, complaint: dict[str, Any]) -> str:
        """See :meth:`LaporExporter.submit`; the reference is ``file:<name>``."""
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"ticket-{complaint['reference']['ticket_id']}.json"
        partial = self.directory / f".{name}.partial"
        partial.write_text(json.dumps(complaint, ensure_ascii=False, indent=2, sort_keys=True))
        os.replace(partial, self.directory / name)
        log.info("LAPOR! complaint written to the outbox: %s", name)
        return f"file:{name}"


def complaint(ticket: Ticket) -> dict[str, Any]:
    """The complaint of a ticket as LAPOR!'s form asks for it (title, text, category, place, date, agency,
    anonymous and confidential), without the caller's details."""
    incident = ticket.incident
    place = ", ".join(p for p in (
        f"Desa {incident.desa.name}" if incident.desa else None,
        f"Kec. {incident.kecamatan.name}" if incident.kecamatan else None,
    ) if p)  # fmt: skip
    return {
        "judul": f"{incident.category.name} — {place or 'lokasi pada peta'}",
        "isi": incident.description or incident.category.name,
        "kategori": incident.category.name,
        "lokasi": {
            "alamat": incident.address,
            "desa": incident.desa.name if incident.desa else None,
            "kecamatan": incident.kecamatan.name if incident.kecamatan else None,
            "koordinat": audit.jsonable(incident.geom),
        },
        "tanggal_kejadian": incident.received_at.isoformat(),
        "instansi_tujuan": ticket.agency.name,
        "anonim": True,
        "rahasia": True,
        "tindak_lanjut": {"status": ticket.status, "penyelesaian": ticket.resolution},
        "reference": {"incident_id": incident.id, "ticket_id": ticket.id, "source": "Call Center 112"},
    }


def export(session: Session, ticket: Ticket, exporter: LaporExporter, actor: str) -> str:
    """File a ticket's report with LAPOR! through ``exporter`` and record it; returns the reference.

    Raises
    ------
    Unprocessable
        For an emergency (priority 1 or 2): LAPOR! is for complaints.
    Conflict
        When the ticket was exported already.
    """
    if ticket.incident.priority != COMPLAINT_PRIORITY:
        raise Unprocessable(f"only reports of priority {COMPLAINT_PRIORITY} (not emergencies) go to SP4N-LAPOR!")
    done = session.scalar(
        select(Event.after).where(Event.action == EXPORTED, Event.entity == "ticket", Event.entity_id == str(ticket.id))
    )
    if done is not None:
        raise Conflict(f"ticket {ticket.id} was exported already ({done.get('reference')})")
    reference = exporter.submit(complaint(ticket))
    audit.record(session, actor, EXPORTED, "ticket", ticket.id, None, {"reference": reference},
                 incident_id=ticket.incident_id)  # fmt: skip
    return reference
