"""Analytics tables as CSV for planners: counts, intervals, compliance and the heat map of the filters, and the
recap of calls from the phone system (:mod:`geo112.analytics.calls`).

None of the tables holds a caller's name or phone; every row says whether synthetic history is included.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from geo112.analytics import calls, figures
from geo112.errors import InvalidInput

#: Options of a table beyond the filters: ``by`` (intervals) and ``cell_m`` (heat map).
Options = dict[str, Any]


def _heatmap_rows(session: Session, filters: figures.Filters, options: Options) -> list[dict[str, Any]]:
    cells = figures.heatmap(session, filters, options.get("cell_m", 1000.0))["cells"]
    return [dict(zip(("south", "west", "north", "east"), c["bounds"]), count=c["count"]) for c in cells]


#: Exportable tables: name → rows of the filters.
TABLES: dict[str, Callable[[Session, figures.Filters, Options], list[dict[str, Any]]]] = {
    "counts_desa": lambda s, f, _: figures.counts(s, "desa", f),
    "counts_kecamatan": lambda s, f, _: figures.counts(s, "kecamatan", f),
    "counts_category": lambda s, f, _: figures.counts(s, "category", f),
    "intervals": lambda s, f, o: figures.intervals(s, f, o.get("by")),
    "compliance": lambda s, f, _: figures.compliance(s, f),
    "heatmap": _heatmap_rows,
    "calls_by_day": lambda s, f, _: calls.by_class(s, f, "day"),
    "calls_by_month": lambda s, f, _: calls.by_class(s, f, "month"),
    "calls_by_hour": lambda s, f, _: calls.by_hour(s, f),
    "calls_kecamatan": lambda s, f, _: calls.real_reports_by_kecamatan(s, f),
    "answer_times": lambda s, f, _: calls.answer_times(s, f),
}


def _cell(value: Any) -> Any:
    # A text starting like a formula would run in a spreadsheet: quote it (OWASP "CSV injection").
    return f"'{value}" if isinstance(value, str) and value[:1] in ("=", "+", "-", "@") else value


def table_csv(session: Session, table: str, filters: figures.Filters, options: Options) -> tuple[str, str]:
    """One analytics table as CSV text, with ``includes_synthetic`` on every row, and a file name for it.

    Raises
    ------
    InvalidInput
        For a table that is not one of :data:`TABLES`.
    """
    if table not in TABLES:
        raise InvalidInput(f"table must be one of {', '.join(TABLES)}, got {table[:40]!r}")
    rows = TABLES[table](session, filters, options)
    included = figures.summary(session, filters)["synthetic_included"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*(rows[0] if rows else {}), "includes_synthetic"], lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()} | {"includes_synthetic": included})
    return out.getvalue(), f"geo112-{table}{'-synthetic' if included else ''}.csv"
