"""Request body of the simulation API (pydantic v2): a small simulation a planner runs from the page."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from geo112.dispatch.schemas import Code

#: Policy names (:data:`geo112.simulation.service.POLICIES`).
PolicyName = Literal["closest", "mexclp", "mexclp-safe", "closest+moveup", "mexclp+moveup"]
#: A request answers within seconds: at most this many simulated days × replications (three years; two move-up
#: policies over three years take about 10 s of CPU).
MAX_DAY_REPLICATIONS = 1100


class AddUnits(BaseModel):
    """What-if: more units of a type at a station (a planned post too)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    station_id: Annotated[int, Field(strict=True, ge=1)]
    unit_type: Code
    units: Annotated[int, Field(strict=True, ge=1, le=10)] = 1


class SimulationRequest(BaseModel):
    """Replay the demand fitted from the incident history on the fleet with one policy, or two compared."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    policy: PolicyName = "closest"
    compare: PolicyName | None = "mexclp"
    days: Annotated[int, Field(strict=True, ge=1, le=366)] = 365
    replications: Annotated[int, Field(strict=True, ge=1, le=10)] = 3
    seed: Annotated[int, Field(strict=True, ge=0, le=2**31 - 1)] = 112
    load: Annotated[float, Field(gt=0, le=50, allow_inf_nan=False, description="calls × the history's rate")] = 1.0
    mutual_aid_after_min: Annotated[float, Field(ge=0, le=240, allow_inf_nan=False)] = 15.0
    add_units: Annotated[list[AddUnits], Field(max_length=10)] = []
