"""A simulation's result as a document: what the API answers, what ``geo112 simulate --save`` writes and what
``geo112 report`` puts in its *Simulasi* section (read back with :func:`read_result`).

The report runs :data:`REPORT_POLICIES` itself when no saved result is given, so that every report shows
today's rule against the one the simulation found to help (docs/coverage.md, "Measured on the Mojokerto demo").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from geo112.analytics.charts import names
from geo112.errors import InvalidInput
from geo112.network import Network
from geo112.simulation import chart
from geo112.simulation.service import Outcome, compare_policies, from_database

#: The comparison a report runs when it is given no saved one: closest idle against the best policy measured
#: (closest idle with move-up), a year, three replications, the CLI's seed.
REPORT_POLICIES = ("closest", "closest+moveup")
REPORT_DAYS, REPORT_REPLICATIONS, REPORT_SEED = 365, 3, 112
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
