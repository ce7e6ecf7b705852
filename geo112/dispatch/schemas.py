"""Request and response schemas of the dispatch API (pydantic v2).

The API's operations (:mod:`web.api`) validate request bodies with these models and answer with the response
models, made from the database rows; the OpenAPI document is made from the same models, so it cannot drift
from what the server accepts and answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self, TypeVar

from geoalchemy2 import WKBElement
from pydantic import (
    AliasChoices,
    AliasPath,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    model_validator,
)

from geo112.errors import InvalidInput, Unprocessable
from geo112.geography.coordinates import LAT_LIMIT, LON_LIMIT
from geo112.store.geometry import point_geojson

Lon = Annotated[
    float, Field(strict=True, ge=-LON_LIMIT, le=LON_LIMIT, allow_inf_nan=False, description="WGS84 longitude")
]
Lat = Annotated[
    float, Field(strict=True, ge=-LAT_LIMIT, le=LAT_LIMIT, allow_inf_nan=False, description="WGS84 latitude")
]
Priority = Annotated[int, Field(strict=True, ge=1, le=3, description="1 = life at risk, 2 = urgent, 3 = not urgent")]
Code = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,29}$", description="lower-case code, e.g. fire_truck")]
Phone = Annotated[str, Field(pattern=r"^\+?[0-9][0-9 ()\-]{2,30}$", description="digits, spaces, (), -, leading +")]
Text = Annotated[str, Field(max_length=4000)]
Id = Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)]
UnitStatus = Literal[
    "available", "dispatched", "en_route", "on_scene", "transporting", "returning", "out_of_service", "relocating"
]
Disposition = Literal[
    "handled",
    "transported",
    "no_action_needed",
    "false_alarm",
    "prank",
    "ghost_call",
    "duplicate",
    "handed_off",
    "cancelled",
]
Precision = Literal["surveyed", "desa", "kecamatan", "jurisdiction"]
MutualAidReason = Literal["nearest_unit", "requested_by_neighbour", "other"]
ResponderAction = Literal["acknowledged", "en_route", "on_scene", "transporting", "cleared"]

M = TypeVar("M", bound=BaseModel)


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Changes(_Request):
    """Changes to a row: omitted fields stay; only the fields in ``clearable`` may be sent as null."""

    clearable: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _no_null_where_a_value_is_needed(self) -> Self:
        nulls = sorted(f for f in self.model_fields_set if getattr(self, f) is None and f not in self.clearable)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null; leave a field out to keep it")
        return self


class IncidentCreate(_Request):
    """A new incident, as the dispatcher places it on the map."""

    category: Code
    priority: Priority | None = Field(None, description="default: the category's priority")
    lon: Lon
    lat: Lat
    caller_name: Annotated[str, Field(max_length=200)] | None = None
    caller_phone: Phone | None = None
    description: Text | None = None
    address: Annotated[str, Field(max_length=500)] | None = None
    phone_call: Id | None = Field(None, description="the phone system's call it was taken on (classed darurat)")


class CallCreate(_Request):
    """Another call about an open incident (*Gabungkan*: the new call joins it)."""

    caller_name: Annotated[str, Field(max_length=200)] | None = None
    caller_phone: Phone | None = None
    description: Text | None = None
    lon: Lon | None = Field(None, description="where this caller says it is; with lat")
    lat: Lat | None = None
    phone_call: Id | None = Field(None, description="the phone system's call that joins (instead of a new row)")

    @model_validator(mode="after")
    def _lon_and_lat_together(self) -> Self:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("send lon and lat together, or neither")
        return self


class DuplicateSearch(_Request):
    """A call being taken: where it is and the number it comes from (each optional), an incident not to propose."""

    lon: Lon | None = None
    lat: Lat | None = None
    caller_phone: Annotated[str, Field(max_length=40)] | None = None
    exclude: Annotated[int, Field(strict=True, ge=1, le=2**31 - 1)] | None = None

    @model_validator(mode="after")
    def _lon_and_lat_together(self) -> Self:
        if (self.lon is None) != (self.lat is None):
            raise ValueError("send lon and lat together, or neither")
        return self


class IncidentMerge(_Request):
    """Two incidents that turned out to be one: this one joins ``into`` and is closed as its duplicate."""

    into: Annotated[int, Field(strict=True, ge=1, description="the incident that stays")]


class CategoryRules(_Changes):
    """When a new call may be a duplicate of an open incident of the category."""

    duplicate_radius_m: Annotated[int, Field(strict=True, ge=0, le=20_000)] | None = None
    duplicate_window_min: Annotated[int, Field(strict=True, ge=0, le=24 * 60)] | None = None


class CallerLinkCreate(_Request):
    """Send the caller a link that asks their phone for its position."""

    send_sms: bool = Field(False, description="also text the link to the incident's caller phone")


class CallerPosition(_Request):
    """The position the caller's phone gave (the browser's geolocation)."""

    lon: Lon
    lat: Lat
    accuracy_m: Annotated[float, Field(gt=0, le=1e7, allow_inf_nan=False, description="95% radius, metres")]


class CallerLocationFailure(_Request):
    """Why the caller's phone gave no position."""

    reason: Literal["denied", "timeout", "unavailable", "unsupported"]


TimerPhase = Literal["dispatch", "acknowledge", "en_route", "on_scene", "on_scene_time"]


class AlertAcknowledge(_Request):
    """A dispatcher saw an overdue phase."""

    incident_id: Annotated[int, Field(strict=True, ge=1)]
    phase: TimerPhase
    assignment_id: Annotated[int, Field(strict=True, ge=1)] | None = Field(
        None, description="for a unit's phase (acknowledge, en_route)"
    )


#: Phases with a target: the incident's and its units' (:data:`TimerPhase`), and an agency's ticket's (sent →
#: acknowledged, sent → done: :mod:`geo112.agencies.tickets`).
TargetPhase = TimerPhase | Literal["ticket_acknowledge", "ticket_done"]


class PhaseTargetSet(_Request):
    """How long a phase may take, for a category and/or priority (none: every incident)."""

    phase: TargetPhase
    category: Code | None = None
    priority: Priority | None = None
    # An agency may have days to repair a road (SP4N-LAPOR! allows 60 for a complaint that needs a visit).
    seconds: Annotated[int, Field(strict=True, ge=10, le=60 * 24 * 3600)]
    source: Annotated[str, Field(min_length=1, max_length=500)] = "set by an administrator"


class IncidentUpdate(_Changes):
    """Changes to an open incident; omitted fields stay. Moving it (lon and lat together) re-locates it."""

    clearable = ("caller_name", "caller_phone", "description", "address")

    category: Code | None = None
    priority: Priority | None = None
    lon: Lon | None = None
    lat: Lat | None = None
    caller_name: Annotated[str, Field(max_length=200)] | None = None
    caller_phone: Phone | None = None
    description: Text | None = None
    address: Annotated[str, Field(max_length=500)] | None = None


class IncidentClose(_Request):
    """Closing an incident: the disposition is required (prank and ghost calls included)."""

    disposition: Disposition
    note: Text | None = None


class AssignmentCreate(_Request):
    """Send a unit to the incident."""

    unit_id: Annotated[int, Field(strict=True, ge=1)]
    mutual_aid: bool = Field(False, description="required to send a unit to an incident of another call centre")
    mutual_aid_reason: MutualAidReason | None = Field(
        None, description="why the unit goes as mutual aid; required with mutual_aid"
    )

    @model_validator(mode="after")
    def _a_reason_with_mutual_aid(self) -> Self:
        if self.mutual_aid != (self.mutual_aid_reason is not None):
            raise ValueError("mutual_aid and mutual_aid_reason go together: send both, or neither")
        return self


class HandoffCreate(_Request):
    """Hand the incident to the 112 of another kabupaten/kota."""

    reason: Annotated[str, Field(min_length=1, max_length=500)]
    to_code: Annotated[str, Field(pattern=r"^[0-9]{2}\.[0-9]{2}$")] | None = Field(
        None, description="kabupaten/kota code, e.g. 35.17; default the one the incident lies in"
    )


class HandoffAnswer(_Request):
    """The other call centre's answer to a hand-off."""

    outcome: Literal["accepted", "declined"]
    note: Text | None = None


class UnitStatusChange(_Request):
    """A unit's new status (see the state machine in docs/dispatch.md)."""

    status: UnitStatus
    note: Text | None = None


class UnitReplace(_Request):
    """Replace a unit that did not acknowledge by the best other unit of its type."""

    note: Text | None = Field(None, description="why the silent unit is stood down (shown in the timeline)")


CallSign = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}$")]


class UnitCreate(_Request):
    """A new unit, standing by at a station (of whose agency it is)."""

    call_sign: CallSign
    unit_type: Code
    station_id: Id


class UnitChange(_Changes):
    """Changes to a unit: its call sign, type or home station (whose agency it then belongs to)."""

    call_sign: CallSign | None = None
    unit_type: Code | None = None
    station_id: Id | None = None


class UnitRelocate(_Request):
    """Order an available unit to stand by at another station (move-up)."""

    station_id: Annotated[int, Field(strict=True, ge=1)]


class UnitPosition(_Request):
    """An AVL fix of a unit."""

    lon: Lon
    lat: Lat
    at: AwareDatetime | None = Field(None, description="when the fix was taken, with time zone; default now")


class StationPosition(_Request):
    """A planner's correction of a station's position."""

    lon: Lon
    lat: Lat
    precision: Precision = "surveyed"
    note: Text | None = None


Name = Annotated[str, Field(min_length=1, max_length=200)]


class AgencyCreate(_Request):
    """A new agency (OPD)."""

    code: Code
    name: Name


class AgencyChange(_Changes):
    """Changes to an agency."""

    name: Name | None = None


class StationChange(_Changes):
    """Changes to a station's details (its position has :class:`StationPosition`)."""

    clearable = ("address", "phone", "note")

    name: Name | None = None
    agency: Code | None = None
    kind: Code | None = None
    status: Annotated[str, Field(min_length=1, max_length=60)] | None = None
    address: Text | None = None
    phone: Phone | None = None
    note: Text | None = None


class StationCreate(StationPosition):
    """A new station at a position."""

    code: Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$", description="e.g. P01")]
    name: Name
    agency: Code
    kind: Code
    status: Annotated[str, Field(min_length=1, max_length=60)] = "existing"
    address: Text | None = None
    phone: Phone | None = None


class UnitTypeCreate(_Request):
    """A new unit type."""

    code: Code
    name: Annotated[str, Field(min_length=1, max_length=100)]
    speed_factor: Annotated[float, Field(gt=0, le=3)] = 1.0
    description: Text | None = None


class UnitTypeUpdate(_Changes):
    """Changes to a unit type."""

    clearable = ("description",)

    name: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    speed_factor: Annotated[float, Field(gt=0, le=3)] | None = None
    description: Text | None = None


class Requirement(_Request):
    """One cell of the category → unit type matrix."""

    unit_type: Code
    count: Annotated[int, Field(strict=True, ge=1, le=20)] = 1
    optional: bool = False


class CategoryRequirements(_Request):
    """All unit types one category needs (replaces the category's row of the matrix)."""

    requirements: Annotated[list[Requirement], Field(max_length=20)]


class ResponderStatus(_Request):
    """A responder's button press."""

    action: ResponderAction


# --- responses ---------------------------------------------------------------------------------------------
# Made from ORM rows with ``model_validate(row)`` (from_attributes); a field whose column has another name says
# so with ``_column``, so the same model also reads the JSON it wrote (tests and clients validate answers).


def _geojson(value: Any) -> Any:
    """A point column (WKB) as a GeoJSON point; a GeoJSON dict, None or anything else as it is."""
    return point_geojson(value) if isinstance(value, WKBElement) else value


def _column(name: str, column: str | AliasPath) -> Any:
    """Read the field ``name`` from JSON, or from a row's ``column`` (the row's attribute of another name)."""
    return AliasChoices(column, name)


#: A time as ISO 8601 with its offset, as Python writes it (``2026-12-07T05:16:00.1+00:00``).
Time = Annotated[datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")]


class _Row(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PointGeometry(BaseModel):
    """A GeoJSON point."""

    type: Literal["Point"]
    coordinates: Annotated[list[float], Field(min_length=2, max_length=2)]


Point = Annotated[PointGeometry, BeforeValidator(_geojson)]


class Area(_Row):
    """A desa or kecamatan: its code and name."""

    code: str
    name: str


class Jurisdiction(Area):
    """A kabupaten/kota and whether this call centre serves it."""

    served: bool


class Incident(_Row):
    """An incident with its location, phases, response intervals (seconds) and disposition."""

    id: int
    category: str = Field(validation_alias=_column("category", "category_code"))
    priority: int
    status: Literal["open", "closed"]
    caller_name: str | None
    caller_phone: str | None
    description: str | None
    address: str | None
    location: Point = Field(validation_alias=_column("location", "geom"))
    road_point: Point | None = Field(validation_alias=_column("road_point", "road_geom"))
    road_distance_m: float | None
    location_match: Literal["inside", "nearest", "outside"]
    desa: Area | None
    kecamatan: Area | None
    jurisdiction: Jurisdiction | None
    handoff: str | None
    handoff_code: str | None = None
    phases: dict[str, Time | None]
    intervals_s: dict[str, float | None]
    disposition: Disposition | None
    disposition_note: str | None
    created_by: str
    merged_into: int | None = Field(None, description="closed as a duplicate of this incident")
    caller_accuracy_m: float | None = Field(None, description="when the caller's phone placed it: its accuracy")
    caller_located_at: Time | None = None


class IncidentPage(BaseModel):
    """One page of incidents, newest first."""

    items: list[Incident]
    total: int
    limit: int
    offset: int


class Call(_Row):
    """One call about an incident."""

    id: int
    incident_id: int | None
    received_at: Time
    caller_name: str | None
    caller_phone: str | None
    description: str | None
    location: Point | None = Field(validation_alias=_column("location", "geom"))
    taken_by: str
    merged_from: int | None = Field(None, description="the incident it was taken for, before a merge")


class IncidentCalls(BaseModel):
    """The calls of an incident, oldest first."""

    incident_id: int
    items: list[Call]


class CallerHistory(BaseModel):
    """What 112 knows of a caller's number: calls, and how their incidents were closed."""

    calls: int
    incidents: int
    prank: int
    ghost_call: int
    last_call_at: Time | None


class Duplicate(BaseModel):
    """An open incident a new call may be about."""

    incident_id: int
    category: str
    priority: int
    received_at: Time
    last_call_at: Time
    calls: int
    desa: str | None
    distance_m: float | None
    same_caller: bool
    nearby: bool


class Duplicates(BaseModel):
    """Possible duplicates of a new call, most likely first, and the caller's history (dispatchers only)."""

    candidates: list[Duplicate]
    caller: CallerHistory | None


class Unit(_Row):
    """A unit with its status, the transitions it may take and its position."""

    id: int
    call_sign: str
    unit_type: str = Field(validation_alias=_column("unit_type", "unit_type_code"))
    agency: str = Field(validation_alias=_column("agency", "agency_code"))
    station_id: int | None
    status: UnitStatus
    status_at: Time
    allowed: list[UnitStatus]
    position: Point | None = Field(validation_alias=_column("position", "geom"))
    position_at: Time | None
    position_source: Literal["station", "avl"] | None
    stale: bool
    incident_id: int | None
    assignment_id: int | None
    demo: bool
    note: str | None
    relocation_station_id: int | None = Field(None, description="the station a relocating unit drives to")
    relocating_to: str | None = Field(
        None,
        description="that station's name",
        validation_alias=_column("relocating_to", AliasPath("relocation_station", "name")),
    )


class UnitPage(BaseModel):
    """One page of units, by call sign."""

    items: list[Unit]
    total: int
    limit: int
    offset: int


class Station(_Row):
    """A station with the precision of its position."""

    id: int
    code: str
    name: str
    agency: str = Field(validation_alias=_column("agency", "agency_code"))
    kind: str
    status: str
    address: str | None
    phone: str | None
    desa_code: str | None
    kecamatan_code: str | None
    location: Point = Field(validation_alias=_column("location", "geom"))
    precision: Precision
    source: str | None
    note: str | None


class Agency(_Row):
    """An agency (OPD) that owns stations and units."""

    code: str
    name: str


class StationPage(BaseModel):
    """One page of stations, by code."""

    items: list[Station]
    total: int
    limit: int
    offset: int


class UnitType(_Row):
    """A kind of unit and how fast it drives against the road's speed."""

    code: str
    name: str
    speed_factor: float
    description: str | None


class UnitTypes(BaseModel):
    """Every unit type, by code."""

    items: list[UnitType]


class Assignment(_Row):
    """A unit sent to an incident, with its responder link."""

    id: int
    incident_id: int
    unit_id: int
    call_sign: str = Field(validation_alias=_column("call_sign", AliasPath("unit", "call_sign")))
    assigned_by: str
    assigned_at: Time
    eta_s: float | None
    distance_m: float | None
    mutual_aid: bool = False
    mutual_aid_reason: MutualAidReason | None = None
    acknowledged_at: Time | None
    en_route_at: Time | None
    on_scene_at: Time | None
    transporting_at: Time | None
    ended_at: Time | None
    end_reason: Literal["cleared", "stood_down"] | None


class AssignmentWithLink(Assignment):
    """An assignment with a freshly signed responder link (when it is made, or its link issued anew)."""

    responder_url: str
    responder_expires_at: Time


class Assignments(BaseModel):
    """An incident's assignments, oldest first."""

    items: list[Assignment]


class Handoff(_Row):
    """A call passed to another 112, and its answer."""

    id: int
    incident_id: int
    to_code: str | None
    to_name: str
    reason: str
    status: Literal["pending", "accepted", "declined"]
    created_at: Time
    created_by: str
    answered_at: Time | None
    answered_by: str | None
    answer_note: str | None


class Handoffs(BaseModel):
    """Hand-offs, newest first."""

    items: list[Handoff]


class Candidate(BaseModel):
    """A unit ranked for an incident (proposed or explained)."""

    unit_id: int
    call_sign: str
    station_id: int | None
    eta_s: float | None
    distance_m: float | None
    reason: str | None = Field(None, description="why it is not proposed: busy, out_of_service, stale_position, ...")
    detail: str | None = Field(None, description="the reason in English words, or an out-of-service unit's note")
    status: str | None = Field(None, description="a unit not proposed: its status")
    held_for: int | None = Field(None, description="a unit not proposed: the incident it is assigned to")
    position_age_s: float | None = Field(None, description="a unit not proposed: age of its last position fix")
    beyond_bound: bool | None = Field(
        None,
        description="true when the unit is farther than its travel-time row's bound (GEO112_UNIT_ROW_LIMIT_S): "
        "its ETA comes from a contraction-hierarchy query instead",
    )
    why: Literal["closest", "closest_available", "slower"] | None = Field(
        None,
        description="a proposal against the closest unit: closest; closest_available (nearer ones cannot go, "
        "see not_proposed); slower (behind_s after the first proposal)",
    )
    behind_s: float | None = Field(None, description="seconds of ETA after the first proposal")
    closest_call_sign: str | None = Field(None, description="the nearer unit: the first proposal or one that cannot go")


class MoveAfter(BaseModel):
    """A relocation move-up orders once a proposed unit has left (``GEO112_DISPATCH_POLICY=closest+moveup``)."""

    unit_id: int
    call_sign: str | None
    station_id: int
    station: str
    net: int = Field(description="persons it brings back within the type's threshold, net of those it leaves")


class TypeRecommendation(BaseModel):
    """Proposals for one required unit type."""

    unit_type: str
    count: int
    optional: bool
    assigned: list[int]
    assigned_call_signs: list[str] = Field(default_factory=list, description="call signs of `assigned`, same order")
    proposed: list[Candidate]
    not_proposed: list[Candidate]
    target_s: float | None = Field(None, description="the incident's on-scene target (call → first unit on scene)")
    late_by_s: float | None = Field(
        None,
        description="the best proposal reaches the scene this long after the target, counting the time since the call",
    )
    moveup_after: list[MoveAfter] | None = Field(
        None, description="closest+moveup: the relocations that follow sending the first proposal (none: cover holds)"
    )


class Neighbour(BaseModel):
    """Another 112's kabupaten/kota."""

    code: str
    name: str
    call_centre: str


class Recommendation(BaseModel):
    """The nearest available units for each unit type the incident needs."""

    incident_id: int
    handoff: str | None
    handoff_code: str | None = None
    jurisdiction_name: str | None = Field(None, description="the kabupaten/kota of another call centre's incident")
    handoff_pending: bool | None = Field(
        None, description="another call centre's incident: handed over to it and awaiting its answer"
    )
    method: Literal["road", "straight_line"] = Field(
        "road", description="road: ranked by road ETA; straight_line: the road network is down, by distance only"
    )
    requirements: list[TypeRecommendation]
    mutual_aid: Neighbour | None = Field(
        None, description="a need our units meet late or not at all: the nearest neighbouring 112 to ask"
    )
    policy: Literal["closest", "closest+moveup"] = Field("closest", description="GEO112_DISPATCH_POLICY")


class Event(_Row):
    """One audit event."""

    id: int
    at: Time
    actor: str
    action: str
    entity: str
    entity_id: str
    incident_id: int | None
    unit_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class TimelineEvent(Event):
    """An event of an incident's timeline, with the call sign of its unit."""

    unit_call_sign: str | None


class Timeline(BaseModel):
    """Every event of an incident (and of those merged into it), in order."""

    incident_id: int
    events: list[TimelineEvent]


class Error(BaseModel):
    """Every error answer."""

    error: str
    detail: Any


def parse(model: type[M], data: Any) -> M:
    """Validate a request body against a schema.

    Parameters
    ----------
    model
        The request schema.
    data
        The decoded JSON body (None when the body was not JSON).

    Returns
    -------
    The validated model.

    Raises
    ------
    InvalidInput
        (400) When the body is not a JSON object.
    Unprocessable
        (422) When fields are missing, unknown or out of range; ``errors`` lists each with its location.
    """
    if not isinstance(data, dict):
        raise InvalidInput(f"send a JSON object ({model.__name__}); see /api/v1/openapi.json")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise unprocessable(exc) from None


def unprocessable(exc: ValidationError) -> Unprocessable:
    """The 422 of a body whose fields are missing, unknown or out of range; ``errors`` lists each."""
    errors = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in exc.errors()]
    summary = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in errors)
    return Unprocessable(summary, errors=errors)


CallClass = Literal["darurat", "informasi", "prank", "silent", "salah_sambung", "tes"]
CallState = Literal["ringing", "answered", "ended"]
_CallId = Annotated[str, Field(min_length=1, max_length=200)]
#: A phone's extension (its SIP account's user): what the PBX's events name a phone by.
EXTENSION_PATTERN = r"^[A-Za-z0-9_.]{1,40}$"
_Extension = Annotated[str, Field(pattern=EXTENSION_PATTERN)]


class CallEvent(_Request):
    """A call event from the phone system, contract version 1 (docs/telephony.md)."""

    version: Literal[1]
    event: Literal["ringing", "answered", "ended", "abandoned"]
    call_id: _CallId = Field(description="the PBX's id of the call (SIP Call-ID), the same in all its events")
    caller: Annotated[str, Field(pattern=r"^(anonymous|\+?[0-9]{3,20})$")] | None = Field(
        None, description="ringing: the caller's number, or anonymous"
    )
    phones: list[_Extension] | None = Field(
        None, max_length=100, description="ringing: the phones the PBX rings (absent: geo112 names them)"
    )
    phone: _Extension | None = Field(None, description="answered: the phone that took the call")
    by: Literal["caller", "operator"] | None = Field(None, description="ended: who hung up")
    reason: Literal["caller_hung_up", "unanswered"] | None = Field(None, description="abandoned: why")


class CallEventAnswer(BaseModel):
    """What the phone system does next: ring these phones, or reject with a SIP status (``ringing`` only)."""

    call: int = Field(description="geo112's id of the call")
    action: Literal["ring", "reject", "none"]
    phones: list[str]
    status: int | None = None
    reason: str | None = None
    watch_listed: bool = False


class PhoneCall(_Row):
    """A call from the phone system: ringing, answered or ended, and its class once an operator gave one."""

    id: int
    state: CallState
    caller_phone: str | None
    received_at: Time
    answered_at: Time | None
    ended_at: Time | None
    rang_phones: list[str] | None
    answered_phone: str | None
    taken_by: str
    ended_by: str | None
    outcome: str | None
    classification: str | None
    classification_note: str | None
    incident_id: int | None
    watch_listed: bool


class PhoneCalls(BaseModel):
    """Calls from the phone system."""

    items: list[PhoneCall]


class CallClassify(_Request):
    """The operator's class of a call (one key); a note is optional."""

    classification: CallClass
    note: Text | None = None


class WatchListing(_Row):
    """A number on the watch list (lifted or not)."""

    id: int
    number: str
    listed_at: Time
    until: Time
    calls: int
    lifted_at: Time | None
    lifted_by: str | None
    lift_reason: str | None


class WatchLift(_Request):
    """Why a supervisor lifts a listing (kept in the audit trail)."""

    reason: Annotated[str, Field(min_length=3, max_length=500)]


class WatchList(BaseModel):
    """The numbers listed now."""

    items: list[WatchListing]


class LastPosition(BaseModel):
    """Where a caller said they were on an earlier call."""

    at: Time
    lon: float
    lat: float
    incident_id: int | None


class ScreenPop(BaseModel):
    """What the operator sees while the phone rings: the number, its history, its open incidents, its last
    positions, possible duplicates near the last one, and whether it is on the watch list."""

    call: PhoneCall
    history: CallerHistory | None
    open_incidents: list[int]
    last_positions: list[LastPosition]
    duplicates: list[Duplicate]
    watch: WatchListing | None


class OperatorState(BaseModel):
    """An operator with a phone: on a call or free, and today's counts."""

    username: str
    extensions: list[str]
    busy: bool
    answered_today: int
    classified_today: dict[str, int]


class CallBoard(BaseModel):
    """The supervisor's live view: calls ringing now, operators, today's counts and answer-time compliance,
    the abandoned calls to call back."""

    ringing: list[PhoneCall]
    operators: list[OperatorState]
    today_by_class: dict[str, int]
    today_calls: int
    answered_within_15s: float | None = Field(description="share of today's answered calls, 0..1")
    answered_within_20s: float | None
    call_back: list[PhoneCall]
