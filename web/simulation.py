"""The simulation API: a planner replays the calls fitted from the incident history on the fleet with a
dispatch policy, or two compared on the same calls (``geo112.simulation``; method in docs/coverage.md)."""

from __future__ import annotations

from typing import Any

from geo112.errors import Unprocessable
from geo112.simulation.schemas import MAX_DAY_REPLICATIONS, SimulationRequest
from web.api import PLAN, actor, blueprint
from web.db import get_session, settings
from web.fleet import fleet

bp = blueprint("simulation", "/api/v1/simulation")


@bp.operation("post", "", roles=PLAN)
def simulate(json: SimulationRequest) -> dict[str, Any]:
    """Late arrivals, response times, waiting, utilisation and coverage per unit type and priority of a policy
    (95 % intervals over replications), and the paired difference of a second one on the same calls; what-if
    units may be added at any station. The result is kept (``result_id``) for the PDF report's Simulasi section."""
    if json.days * json.replications > MAX_DAY_REPLICATIONS:
        raise Unprocessable(f"days × replications must be at most {MAX_DAY_REPLICATIONS}, got "
                            f"{json.days * json.replications}")  # fmt: skip
    # scipy.stats, Altair and pandas load when a planner first asks, not with the app (docs/performance.md).
    from geo112.simulation.service import ExtraUnits, compare_policies, from_database
    from geo112.simulation.stored import result_document, save_result

    extra = [ExtraUnits(a.station_id, a.unit_type, a.units) for a in json.add_units]
    session = get_session()
    inputs = from_database(session, fleet().network, data_dir=settings().data_dir, add_units=extra)
    names: list[str] = [json.policy] if json.compare is None else [json.policy, json.compare]
    outcome = compare_policies(
        inputs, names, json.days, json.replications, json.seed, json.load, json.mutual_aid_after_min * 60.0
    )
    document = result_document(session, outcome)
    # Kept for the web report's Simulasi section (report.pdf?simulation=<id> or latest).
    return document | {"result_id": save_result(session, document, actor())}
