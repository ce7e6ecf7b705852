"""How each agency answers its tickets, per week or month: the monitoring the Bupati asked for.

Per agency and period (the tickets sent in it, periods in the call centre's time zone, WIB): tickets received,
acknowledged, done, returned; median and 90th percentile of the time to acknowledge and to be done; the share
acknowledged and done within their deadlines (``phase_target``, as :mod:`geo112.agencies.tickets` reads
them; a ticket still open counts as missed once its deadline has passed, and not at all before; a returned
one not at all); and the open backlog at the period's end (sent by then, not closed by then). One statement.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.config import WIB
from geo112.errors import InvalidInput
from geo112.store.db import database_now

PERIODS = ("week", "month")
#: The span shown when none is asked for: this many weeks back from now.
RECENT_WEEKS = 12

_TARGET = """(SELECT t.seconds FROM phase_target t
               WHERE t.phase = '{phase}' AND (t.category_code IS NULL OR t.category_code = i.category_code)
                 AND (t.priority IS NULL OR t.priority = i.priority)
               ORDER BY t.category_code IS NULL, t.priority IS NULL LIMIT 1)"""
_SCORES = text(f"""
    WITH tickets AS (
        SELECT k.agency_code, k.status, k.synthetic, k.closed_at,
               date_trunc(:period, k.sent_at AT TIME ZONE :tz) AT TIME ZONE :tz AS period_start,
               k.sent_at,
               extract(epoch FROM k.acknowledged_at - k.sent_at) AS ack_s,
               CASE WHEN k.status = 'done' THEN extract(epoch FROM k.closed_at - k.sent_at) END AS done_s,
               extract(epoch FROM now() - k.sent_at) AS age_s,
               {_TARGET.format(phase="ticket_acknowledge")} AS ack_target_s,
               {_TARGET.format(phase="ticket_done")} AS done_target_s
          FROM ticket k JOIN incident i ON i.id = k.incident_id
         WHERE k.sent_at >= :start AND k.sent_at < :end
           AND (CAST(:agency AS text) IS NULL OR k.agency_code = :agency)
           AND (CAST(:category AS text) IS NULL OR i.category_code = :category)
           AND (:synthetic OR NOT k.synthetic)
    ),
    scores AS (
        SELECT agency_code, period_start,
               count(*) AS received,
               count(ack_s) AS acknowledged,
               count(*) FILTER (WHERE status = 'done') AS done,
               count(*) FILTER (WHERE status = 'returned') AS returned,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY ack_s) AS ack_median_s,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY ack_s) AS ack_p90_s,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY done_s) AS done_median_s,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY done_s) AS done_p90_s,
               avg(CASE WHEN ack_s IS NOT NULL THEN (ack_s <= ack_target_s)::int
                        WHEN status <> 'returned' AND age_s > ack_target_s THEN 0 END)
                   FILTER (WHERE ack_target_s IS NOT NULL) AS ack_within_share,
               avg(CASE WHEN done_s IS NOT NULL THEN (done_s <= done_target_s)::int
                        WHEN status NOT IN ('returned', 'done') AND age_s > done_target_s THEN 0 END)
                   FILTER (WHERE done_target_s IS NOT NULL) AS done_within_share,
               bool_or(synthetic) AS synthetic
          FROM tickets GROUP BY agency_code, period_start
    )
    SELECT s.*, a.name AS agency_name,
           (SELECT count(*) FROM ticket b JOIN incident bi ON bi.id = b.incident_id
             WHERE b.agency_code = s.agency_code
               AND (CAST(:category AS text) IS NULL OR bi.category_code = :category)
               AND b.sent_at < s.period_start + CAST('1 ' || :period AS interval)
               AND (b.closed_at IS NULL OR b.closed_at >= s.period_start + CAST('1 ' || :period AS interval))
           ) AS open_backlog
      FROM scores s JOIN agency a ON a.code = s.agency_code
     ORDER BY s.period_start, s.agency_code
""")
_ROUNDED = ("ack_median_s", "ack_p90_s", "done_median_s", "done_p90_s")
_SHARES = ("ack_within_share", "done_within_share")


def scorecard(
    session: Session,
    start: datetime,
    end: datetime,
    period: str = "week",
    agency: str | None = None,
    synthetic: bool = True,
    category: str | None = None,
) -> list[dict[str, Any]]:
    """The scores of every agency (or of ``agency``) per ``period`` for the tickets sent in ``[start, end)``.

    Parameters
    ----------
    start, end
        Timezone-aware bounds of the tickets' sending time.
    period
        ``week`` (from Monday, WIB) or ``month``.
    agency
        Only this agency's scores.
    synthetic
        Count the tickets of the generated demo history too (rows that do say so).
    category
        Only the tickets of this category's incidents (the backlog too).

    Returns
    -------
    list of dict
        The fields of :class:`geo112.agencies.schemas.ScoreRow`, by period then agency; an agency with no
        ticket in a period has no row for it.

    Raises
    ------
    InvalidInput
        For another period, or ``end`` not after ``start``.
    """
    if period not in PERIODS:
        raise InvalidInput(f"period must be one of {', '.join(PERIODS)}")
    if end <= start:
        raise InvalidInput("end must be after start")
    rows = session.execute(
        _SCORES,
        {
            "period": period,
            "tz": str(WIB),
            "start": start,
            "end": end,
            "agency": agency,
            "synthetic": synthetic,
            "category": category,
        },
    ).mappings()
    return [
        dict(row)
        | {
            "agency": row["agency_code"],
            **{k: None if row[k] is None else round(float(row[k]), 1) for k in _ROUNDED},
            **{k: None if row[k] is None else round(float(row[k]), 3) for k in _SHARES},
        }
        for row in rows
    ]


def recent(
    session: Session,
    period: str = "week",
    since: datetime | None = None,
    until: datetime | None = None,
    agency: str | None = None,
) -> dict[str, Any]:
    """The scorecard as pages and the API show it: ``until`` now, ``since`` :data:`RECENT_WEEKS` before, unless
    given; the fields of :class:`geo112.agencies.schemas.Scorecard`."""
    until = until or database_now(session) + timedelta(seconds=1)
    since = since or until - timedelta(weeks=RECENT_WEEKS)
    return {"period": period, "timezone": str(WIB), "items": scorecard(session, since, until, period, agency)}
