"""Request bodies of the coverage API: what-if scenarios, station siting and thresholds (pydantic v2)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from geo112.dispatch.schemas import Code, Lat, Lon
from geo112.planning.thresholds import MAX_MINUTES, MIN_MINUTES

Minutes = Annotated[
    float, Field(ge=MIN_MINUTES, le=MAX_MINUTES, allow_inf_nan=False, description="threshold T in minutes")
]
Busy = Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False, description="MEXCLP busy fraction of each unit")]
Id = Annotated[int, Field(strict=True, ge=1)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Change(_Request):
    """One edit of a scenario: add hypothetical units at a point, or move or remove a station's or a unit's."""

    action: Literal["add", "move", "remove"]
    station_id: Id | None = Field(None, description="move/remove every unit of the type at this station")
    unit_id: Id | None = Field(None, description="move/remove this unit")
    lon: Lon | None = None
    lat: Lat | None = None
    count: Annotated[int, Field(strict=True, ge=1, le=10)] = Field(1, description="units added (add only)")

    @model_validator(mode="after")
    def _complete(self) -> Change:
        refs = (self.station_id is not None) + (self.unit_id is not None)
        if self.action == "add" and refs:
            raise ValueError("add takes lon and lat, not station_id or unit_id")
        if self.action != "add" and refs != 1:
            raise ValueError(f"{self.action} needs exactly one of station_id or unit_id")
        if self.action == "remove" and (self.lon is not None or self.lat is not None):
            raise ValueError("remove takes no lon/lat")
        if self.action != "remove" and (self.lon is None or self.lat is None):
            raise ValueError(f"{self.action} needs lon and lat")
        return self


class WhatIfRequest(_Request):
    """A scenario: changes to the units of one type, compared with coverage as it is."""

    unit_type: Code
    minutes: Minutes
    mode: Literal["live", "stations"] = "stations"
    busy: Busy | None = Field(None, description="default: measured from the incident history (geo112.busy)")
    changes: Annotated[list[Change], Field(min_length=1, max_length=20)]


class SitingRequest(_Request):
    """Where to put ``p`` new posts of a unit type on top of the stations it has."""

    unit_type: Code = "fire_truck"
    minutes: Minutes = 15
    method: Literal["mclp", "p_median"] = "mclp"
    p: Annotated[int, Field(strict=True, ge=1, le=10)] = 3
    candidates: Annotated[list[Literal["existing", "planned", "desa"]], Field(min_length=1, max_length=3)] = [
        "existing",
        "planned",
        "desa",
    ]


class ThresholdUpdate(_Request):
    """The thresholds of one unit type (replacing its current ones)."""

    minutes: Annotated[list[Minutes], Field(min_length=1, max_length=5)]
