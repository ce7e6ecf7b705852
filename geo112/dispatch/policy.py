"""The live dispatch policy (``GEO112_DISPATCH_POLICY``): why each proposal stands where it does against the
closest unit, and, with ``closest+moveup``, the move-up that follows sending the first proposal.

Only the policies the simulator showed not to lose against closest idle on the regency's fleet are offered
(:data:`geo112.config.DISPATCH_POLICIES`; docs/coverage.md, "Measured on the Mojokerto demo"): closest idle
with geo112's move-up answered 6.5 % fewer requests late (−2.5 points [−3.2, −1.8]); MEXCLP dispatch answered
12.6 % more and its cautious variant the same as closest idle, so neither ranks live proposals. The winning
policy still sends the closest unit: what it adds is the relocations after each dispatch, shown with it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from geo112.config import MOVEUP_LEVEL
from geo112.network import RoutedFleet
from geo112.planning import moveup


def _why(need: dict[str, Any]) -> None:
    """Say of each proposed unit of a type why it is where it is against the closest unit (in place).

    ``closest``: no unit of the type is as near by road; ``closest_available``: nearer (or as near) ones cannot
    go (they are in ``not_proposed`` with their reason); ``slower``: ``behind_s`` seconds after the first one.
    """
    proposed = need["proposed"]
    if not proposed:
        return
    first = proposed[0]
    nearer = [u for u in need["not_proposed"] if u["eta_s"] is not None and u["eta_s"] <= first["eta_s"]]
    first |= {"why": "closest_available" if nearer else "closest", "behind_s": 0.0,
              "closest_call_sign": nearer[0]["call_sign"] if nearer else None}  # fmt: skip
    for unit in proposed[1:]:
        behind = round(unit["eta_s"] - first["eta_s"], 1)
        unit |= {"why": "slower", "behind_s": behind, "closest_call_sign": first["call_sign"]}


def _moves_after(session: Session, fleet: RoutedFleet, need: dict[str, Any], level: float) -> list[dict[str, Any]]:
    """The relocations move-up orders once the first proposal of a type has left (empty when cover holds)."""
    first = need["proposed"][0]
    after = moveup.relocations_after(session, fleet, need["unit_type"], first["unit_id"], level)
    return [{k: m[k] for k in ("unit_id", "call_sign", "station_id", "station", "net")} for m in after["moves"]]


def apply(
    session: Session,
    fleet: RoutedFleet,
    recommendation: dict[str, Any],
    policy: str = "closest",
    level: float = MOVEUP_LEVEL,
) -> dict[str, Any]:
    """Explain a road recommendation's proposals by ``policy`` and, with ``closest+moveup``, add to each open
    type the relocations that follow sending its first proposal (``moveup_after``).

    Parameters
    ----------
    session, fleet
        As for :func:`geo112.dispatch.recommend.recommend`.
    recommendation
        Its answer (changed in place and returned).
    policy
        One of :data:`geo112.config.DISPATCH_POLICIES`.
    level
        Move-up's level (``GEO112_MOVEUP_LEVEL``).

    Returns
    -------
    dict
        The recommendation with ``policy``, each proposal's ``why``, ``behind_s`` and ``closest_call_sign``.
    """
    recommendation["policy"] = policy
    for need in recommendation["requirements"]:
        _why(need)
        if policy == "closest+moveup" and need["proposed"] and len(need["assigned"]) < need["count"]:
            need["moveup_after"] = _moves_after(session, fleet, need, level)
    return recommendation
