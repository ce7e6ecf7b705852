"""Tickets for the synthetic incident history (:mod:`geo112.analytics.synthetic_history`), so the scorecard
of the demo is not empty: every synthetic incident whose category routes to agencies gets a ticket per agency,
labelled ``synthetic`` like its incident.

Times are drawn, not measured (no agency's times are published for Kab. Mojokerto): log-normal times to
acknowledge and to be done with medians per priority (:data:`ACK_MEDIAN_S`, :data:`DONE_MEDIAN_S`, about half
the deadlines of migration 0014, spread so that some run over), and a share returned (:data:`RETURNED`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from geo112.store.models import CategoryAgency, Ticket

ACK_MEDIAN_S = {1: 8 * 60.0, 2: 30 * 60.0, 3: 2 * 3600.0}
DONE_MEDIAN_S = {1: 2 * 3600.0, 2: 12 * 3600.0, 3: 30 * 3600.0}
SIGMA = 0.8
RETURNED = 0.08
#: Tickets go out this long after the call (the dispatcher reads the category and clicks).
SENT_AFTER_S = 120.0
SYNTHETIC_ACTOR = "synthetic-history"


def add_tickets(session: Session, rng: np.random.Generator, incidents: list[tuple[int, str, int, datetime]]) -> int:
    """Insert the synthetic tickets of ``incidents`` (id, category, priority, received) and return how many.

    Parameters
    ----------
    session
        The session the history is written in.
    rng
        The history's random generator (the same seed gives the same tickets).
    incidents
        The synthetic incidents just written.
    """
    routes: dict[str, list[str]] = {}
    for category, agency in session.execute(
        select(CategoryAgency.category_code, CategoryAgency.agency_code).order_by(CategoryAgency.agency_code)
    ):
        routes.setdefault(category, []).append(agency)
    pairs = [(i, p, at, a) for i, c, p, at in incidents for a in routes.get(c, [])]
    if not pairs:
        return 0
    n = len(pairs)
    ack = rng.lognormal(0.0, SIGMA, n) * np.array([ACK_MEDIAN_S[p] for _, p, _, _ in pairs])
    done = ack + rng.lognormal(0.0, SIGMA, n) * np.array([DONE_MEDIAN_S[p] for _, p, _, _ in pairs])
    returned = rng.random(n) < RETURNED
    rows = []
    for k, (incident_id, _, received, agency) in enumerate(pairs):
        sent = received + timedelta(seconds=SENT_AFTER_S)
        acknowledged = sent + timedelta(seconds=round(float(ack[k])))
        closed = sent + timedelta(seconds=round(float(done[k])))
        rows.append({
            "incident_id": incident_id, "agency_code": agency, "sent_by": SYNTHETIC_ACTOR, "sent_at": sent,
            "status": "returned" if returned[k] else "done", "closed_at": closed, "closed_by": SYNTHETIC_ACTOR,
            "acknowledged_at": None if returned[k] else acknowledged,
            "acknowledged_by": None if returned[k] else SYNTHETIC_ACTOR,
            "resolution": None if returned[k] else "synthetic history",
            "return_reason": "synthetic history" if returned[k] else None, "synthetic": True,
        })  # fmt: skip
    session.execute(insert(Ticket), rows)
    return n
