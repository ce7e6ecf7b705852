"""A simulation's result as a document: what the API answers, what ``geo112 simulate --save`` writes and what
``geo112 report`` puts in its *Simulasi* section (read back with :func:`read_result`); the API keeps its runs
(:func:`save_result`) for the web report's section (:func:`kept_result`).

The report runs :data:`REPORT_POLICIES` itself when no saved result is given, so that every report shows
today's rule against the one the simulation found to help (docs/coverage.md, "Measured on the Mojokerto demo").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from geo112.analytics.charts import names
from geo112.errors import InvalidInput, NotFound
from geo112.network import Network
from geo112.simulation import chart
from geo112.simulation.service import Outcome, compare_policies, from_database
from geo112.store.models import SimulationResult

#: The comparison a report runs when it is given no saved one: closest idle against the best policy measured
#: (closest idle with move-up), a year, three replications, the CLI's seed.
REPORT_POLICIES = ("closest", "closest+moveup")
REPORT_DAYS, REPORT_REPLICATIONS, REPORT_SEED = 365, 3, 112
#: How many planners' runs are kept for the web report.
KEPT_RESULTS = 20
#: Keys a saved result must have for the report to read it.
_REQUIRED = ("policies", "comparison", "history", "days", "replications", "seed", "units", "chart")


def result_document(session: Session, outcome: Outcome) -> dict[str, Any]:
    """The outcome's figures (:meth:`Outcome.as_dict`) with the chart of late shares, unit types by name."""
    unit_names, _ = names(session)
    return outcome.as_dict() | {"chart": chart.late_by_type(outcome, unit_names), "unit_names": unit_names}


def report_run(session: Session, network: Network, data_dir: Path) -> dict[str, Any]:
    """The report's own comparison (:data:`REPORT_POLICIES`) as a result document."""
    inputs = from_database(session, network, data_dir=data_dir)
    outcome = compare_policies(inputs, list(REPORT_POLICIES), REPORT_DAYS, REPORT_REPLICATIONS, REPORT_SEED)
    return result_document(session, outcome)


def save_result(session: Session, document: dict[str, Any], actor: str) -> int:
    """Keep a run's result document for the web report (the newest :data:`KEPT_RESULTS`); its id."""
    row = SimulationResult(created_by=actor, document=document)
    session.add(row)
    session.flush()
    newest = select(SimulationResult.id).order_by(SimulationResult.id.desc()).limit(KEPT_RESULTS)
    session.execute(delete(SimulationResult).where(SimulationResult.id.not_in(newest)))
    return row.id


def kept_result(session: Session, result_id: int | None = None) -> SimulationResult:
    """A kept result (the newest without an id).

    Raises
    ------
    NotFound
        When there is none of that id (older ones are dropped), or none at all.
    """
    query = select(SimulationResult).order_by(SimulationResult.id.desc()).limit(1)
    row = session.scalar(query if result_id is None else query.where(SimulationResult.id == result_id))
    if row is None:
        which = "no simulation was run yet" if result_id is None else f"no kept simulation {result_id}"
        raise NotFound(f"{which}: run one on the simulation page (only the newest {KEPT_RESULTS} are kept)")
    return row


def read_result(path: Path) -> dict[str, Any]:
    """A result document saved by ``geo112 simulate --save``.

    Raises
    ------
    InvalidInput
        When the file cannot be read, is not JSON, or is not such a document.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"cannot read the simulation result {path}: {exc}") from None
    missing = [key for key in _REQUIRED if not isinstance(document, dict) or key not in document]
    if missing:
        raise InvalidInput(f"{path} is not a result of `geo112 simulate --save` (no {', '.join(missing)})")
    return dict(document)
