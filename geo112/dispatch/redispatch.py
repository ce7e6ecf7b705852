"""Sending the next unit when one did not acknowledge: the silent unit is replaced, never only stood down.

A re-dispatch must not leave an incident with fewer units than before unless the dispatcher says so: the
silent unit is stood down and the best other unit of its type assigned in one transaction, and when no other
unit can go, nothing changes and the answer says so (the silent unit stays assigned; standing it down alone
is the dispatcher's explicit status change).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from geo112.config import AVL_STALE_S
from geo112.dispatch.assignments import assign, change_status, get_assignment
from geo112.dispatch.recommend import recommend
from geo112.errors import Conflict
from geo112.network import RoutedFleet
from geo112.store.models import Assignment

#: Proposals asked for, to find one that is not the silent unit.
_CANDIDATES = 3


def replace_unit(
    session: Session,
    fleet: RoutedFleet,
    assignment_id: int,
    actor: str,
    note: str | None = None,
    stale_after_s: float = AVL_STALE_S,
) -> Assignment:
    """Stand down an assignment's unit that has not acknowledged and assign the best other unit of its type.

    Parameters
    ----------
    session
        Session on the database; the caller commits (both changes, or neither).
    fleet
        The routed fleet, to rank the other units.
    assignment_id
        The silent unit's assignment.
    actor
        Who asks, for the audit trail.
    note
        Why the unit is stood down (the console sends it in its language).
    stale_after_s
        AVL positions older than this do not count (:data:`geo112.config.AVL_STALE_S`).

    Returns
    -------
    Assignment
        The new unit's assignment.

    Raises
    ------
    Conflict
        (409) When the assignment has ended or was acknowledged, or when no other unit of the type can be
        proposed (``reason = "no_other_unit"``): then nothing changed.
    """
    silent = get_assignment(session, assignment_id, lock=True)
    unit = silent.unit
    if silent.ended_at is not None:
        raise Conflict(f"assignment {assignment_id} has ended: there is no unit to replace")
    if silent.acknowledged_at is not None:
        raise Conflict(f"{unit.call_sign} acknowledged already: there is no reason to replace it")
    proposals = recommend(session, fleet, silent.incident_id, _CANDIDATES, stale_after_s, [unit.unit_type_code])
    proposed = [c for r in proposals["requirements"] for c in r["proposed"] if c["unit_id"] != unit.id]
    if not proposed:
        raise Conflict(
            f"no other {unit.unit_type_code} unit is available: {unit.call_sign} stays assigned to incident "
            f"{silent.incident_id}",
            reason="no_other_unit",
            unit_type=unit.unit_type_code,
        )
    best = proposed[0]
    change_status(session, unit.id, "available", actor, note)
    return assign(session, silent.incident_id, best["unit_id"], actor, best["eta_s"], best["distance_m"])
