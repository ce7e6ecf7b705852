"""The supervisor's live view of the phones: calls ringing now, operators on calls or free, today's counts by
class, answer-time compliance, and the abandoned calls to call back.

Answer-time compliance follows NFPA 1225's call-answering standard (90 % of calls answered within 15 s, 95 %
within 20 s): the shares of today's answered calls answered within 15 and 20 seconds of ringing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from geo112.dispatch.telephony import CLASS_SQL, LOST_END_S, shown
from geo112.store.models import Call

#: The local day starts at midnight WIB.
_TODAY = "date_trunc('day', now() AT TIME ZONE 'Asia/Jakarta') AT TIME ZONE 'Asia/Jakarta'"
_COUNTS = text(f"""
    SELECT count(*) AS calls,
           avg((answered_at - received_at <= interval '15 seconds')::int) FILTER (WHERE answered_at IS NOT NULL) AS s15,
           avg((answered_at - received_at <= interval '20 seconds')::int) FILTER (WHERE answered_at IS NOT NULL) AS s20
      FROM call WHERE sip_call_id IS NOT NULL AND received_at >= {_TODAY}
""")
_BY_CLASS = text(f"""
    SELECT {CLASS_SQL} AS class, count(*) AS n
      FROM call c WHERE c.sip_call_id IS NOT NULL AND c.received_at >= {_TODAY} GROUP BY 1 ORDER BY 1
""")
_OPERATORS = text(f"""
    SELECT p.username, array_agg(DISTINCT p.extension ORDER BY p.extension) AS extensions,
           coalesce(bool_or(c.answered_at > now() - interval '{LOST_END_S} seconds' AND c.ended_at IS NULL),
                    false) AS busy,
           count(DISTINCT c.id) FILTER (WHERE c.received_at >= {_TODAY}) AS answered_today
      FROM operator_phone p LEFT JOIN call c ON c.taken_by = p.username AND c.sip_call_id IS NOT NULL
  GROUP BY p.username ORDER BY p.username
""")
_CLASSED_TODAY = text(f"""
    SELECT taken_by, classification, count(*) AS n FROM call
     WHERE sip_call_id IS NOT NULL AND classification IS NOT NULL AND received_at >= {_TODAY}
  GROUP BY 1, 2
""")
# An abandoned or unanswered call is to be called back until the number called again and was answered.
_CALL_BACK = text("""
    SELECT c.id FROM call c
     WHERE c.sip_call_id IS NOT NULL AND c.outcome IN ('abandoned', 'unanswered') AND c.caller_number IS NOT NULL
       AND c.received_at >= now() - interval '24 hours'
       AND NOT EXISTS (SELECT 1 FROM call later WHERE later.caller_number = c.caller_number
                          AND later.received_at > c.received_at AND later.answered_at IS NOT NULL)
  ORDER BY c.received_at DESC LIMIT 50
""")


def call_board(session: Session) -> dict[str, Any]:
    """The board (:class:`geo112.dispatch.schemas.CallBoard`), numbers unmasked (the web layer masks)."""
    ringing = select(Call).where(Call.sip_call_id.is_not(None), Call.answered_at.is_(None), Call.ended_at.is_(None))
    counts = session.execute(_COUNTS).one()
    classed: dict[str, dict[str, int]] = {}
    for row in session.execute(_CLASSED_TODAY):
        classed.setdefault(row.taken_by, {})[row.classification] = row.n
    operators = [row._asdict() | {"classified_today": classed.get(row.username, {})}
                 for row in session.execute(_OPERATORS)]  # fmt: skip
    back = list(session.scalars(_CALL_BACK))
    call_back = session.scalars(select(Call).where(Call.id.in_(back)).order_by(Call.received_at.desc())).all()
    return {
        "ringing": [shown(c) for c in session.scalars(ringing.order_by(Call.watch_listed, Call.received_at))],
        "operators": operators,
        "today_by_class": {row[0]: row[1] for row in session.execute(_BY_CLASS)},
        "today_calls": counts.calls,
        "answered_within_15s": None if counts.s15 is None else float(counts.s15),
        "answered_within_20s": None if counts.s20 is None else float(counts.s20),
        "call_back": [shown(c) for c in call_back],
    }
