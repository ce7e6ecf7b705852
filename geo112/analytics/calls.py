"""The recap of calls from the phone system, as the Bupati and the ministry ask for it: calls by class per day
or month, by hour of the day, real reports (darurat) by kecamatan, and answer times per operator.

Over the calls of the phone system (``call.sip_call_id``) rung within the :class:`~geo112.analytics.figures.Filters`'
period (days in WIB); the category filter applies to the real reports only. A call's class is the operator's
(``darurat``, ``informasi``, ``prank``, ``silent``, ``salah_sambung``, ``tes``), or what became of it when it was
never classed: ``abandoned`` (the caller hung up while it rang), ``unanswered``, ``rejected`` (watch list),
``unclassed``. No caller's number is read. Answer time: from ringing to answered.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from geo112.analytics.figures import Filters
from geo112.dispatch.telephony import CLASS_SQL
from geo112.store.audit import jsonable

_WHERE = """c.sip_call_id IS NOT NULL
        AND (CAST(:since AS timestamptz) IS NULL OR c.received_at >= CAST(:since AS timestamptz))
        AND (CAST(:until AS timestamptz) IS NULL OR c.received_at < CAST(:until AS timestamptz))"""
_LOCAL = "(c.received_at AT TIME ZONE 'Asia/Jakarta')"
#: The classes' names in the report (Indonesian, as the report is).
CLASS_NAMES = {
    "darurat": "Darurat",
    "informasi": "Informasi",
    "prank": "Iseng",
    "silent": "Kosong/hantu",
    "salah_sambung": "Salah sambung",
    "tes": "Tes",
    "abandoned": "Ditutup saat berdering",
    "unanswered": "Tidak dijawab",
    "rejected": "Ditolak (daftar pantau)",
    "unclassed": "Belum diklasifikasi",
}


def _params(filters: Filters) -> dict[str, Any]:
    return {"since": filters.since, "until": filters.until, "category": filters.category}


def by_class(session: Session, filters: Filters, period: str = "day") -> list[dict[str, Any]]:
    """Calls per local day (or month) and class: ``period`` (the first day), ``class``, ``calls``."""
    unit = "month" if period == "month" else "day"
    query = text(f"""
        SELECT date_trunc('{unit}', {_LOCAL})::date AS period, {CLASS_SQL} AS class, count(*) AS calls
          FROM call c WHERE {_WHERE} GROUP BY 1, 2 ORDER BY 1, 2""")
    return [row._asdict() | {"period": row.period.isoformat()} for row in session.execute(query, _params(filters))]


def by_hour(session: Session, filters: Filters) -> list[dict[str, Any]]:
    """Calls per hour of the local day (0–23) and class."""
    query = text(f"""
        SELECT extract(hour FROM {_LOCAL})::int AS hour, {CLASS_SQL} AS class, count(*) AS calls
          FROM call c WHERE {_WHERE} GROUP BY 1, 2 ORDER BY 1, 2""")
    return [row._asdict() for row in session.execute(query, _params(filters))]


def real_reports_by_kecamatan(session: Session, filters: Filters) -> list[dict[str, Any]]:
    """Calls classed darurat that became incidents, per kecamatan of the incident (category filter applies)."""
    query = text(f"""
        SELECT coalesce(k.name, '–') AS kecamatan, count(*) AS calls
          FROM call c JOIN incident i ON i.id = c.incident_id LEFT JOIN kecamatan k ON k.code = i.kecamatan_code
         WHERE {_WHERE} AND c.classification = 'darurat'
           AND (CAST(:category AS text) IS NULL OR i.category_code = CAST(:category AS text))
      GROUP BY 1 ORDER BY 2 DESC, 1""")
    return [row._asdict() for row in session.execute(query, _params(filters))]


def answer_times(session: Session, filters: Filters) -> list[dict[str, Any]]:
    """Per operator: calls answered, median and 90th percentile of the answer time (s), shares answered within
    15 s and 20 s (NFPA 1225: 90 % and 95 %), and calls classed."""
    query = text(f"""
        SELECT c.taken_by AS operator, count(*) AS answered,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.answered_at - c.received_at))
                   AS median_answer_s,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM c.answered_at - c.received_at))
                   AS p90_answer_s,
               avg((c.answered_at - c.received_at <= interval '15 seconds')::int) AS within_15s,
               avg((c.answered_at - c.received_at <= interval '20 seconds')::int) AS within_20s,
               count(c.classification) AS classed
          FROM call c WHERE {_WHERE} AND c.answered_at IS NOT NULL GROUP BY 1 ORDER BY 1""")
    return [
        {name: _rounded(value) for name, value in row._asdict().items()}
        for row in session.execute(query, _params(filters))
    ]


def _rounded(value: Any) -> Any:
    return round(float(value), 3) if value is not None and not isinstance(value, int | str) else jsonable(value)


def totals_by_class(session: Session, filters: Filters) -> list[dict[str, Any]]:
    """Calls of the whole period per class, most first, with the class's name (the report's table)."""
    totals: dict[str, int] = {}
    for row in by_class(session, filters, "month"):
        totals[row["class"]] = totals.get(row["class"], 0) + row["calls"]
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [{"class": code, "name": CLASS_NAMES.get(code, code), "calls": n} for code, n in ranked]


def recap(session: Session, filters: Filters, period: str = "day") -> dict[str, list[dict[str, Any]]]:
    """Every table of the recap."""
    return {
        "by_class": by_class(session, filters, period),
        "by_hour": by_hour(session, filters),
        "real_reports_by_kecamatan": real_reports_by_kecamatan(session, filters),
        "answer_times": answer_times(session, filters),
    }
