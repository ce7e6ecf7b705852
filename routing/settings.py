"""All routing settings in one place: speed profile, limits, street-name prefixes.

The speed profile is part of the cache key (see :data:`PROFILE_VERSION`): a graph
compiled with other speeds must never be served from the cache, so the version
is derived from the values themselves and changes whenever one of them does.
"""

from __future__ import annotations

import hashlib
import json

#: Typical free-flow speed (km/h) per OSM ``highway`` class on Indonesian roads,
#: with the reason for each value.  These are *achievable* speeds in mixed
#: traffic (motorcycles, angkot, trucks, market days), deliberately below the
#: legal limits of PM Perhubungan 111/2015 (toll roads 60-100 km/h, inter-city
#: roads 80 km/h, urban areas 50 km/h, settlements 30 km/h).  Classes absent
#: from this table are not drivable and are removed when a graph is built.
SPEED_PROFILE: dict[str, tuple[float, str]] = {
    "motorway": (80.0, "jalan tol: legal 60-100 km/h, trucks and toll-gate queues bring the mean to ~80"),
    "motorway_link": (40.0, "toll ramps with gerbang tol (toll gates) where vehicles stop"),
    "trunk": (55.0, "national arterial: 80 km/h allowed between towns, slowed by trucks and towns"),
    "trunk_link": (30.0, "slip roads and U-turn gaps (putaran balik) on national roads"),
    "primary": (45.0, "provincial arterial through kecamatan towns, pasar and angkot stops"),
    "primary_link": (30.0, "slip roads of primary roads"),
    "secondary": (40.0, "district (kabupaten) road, two lanes, mixed motorcycle traffic"),
    "secondary_link": (25.0, "slip roads of secondary roads"),
    "tertiary": (35.0, "collector between desa, often narrow asphalt"),
    "tertiary_link": (25.0, "slip roads of tertiary roads"),
    "unclassified": (30.0, "jalan desa: single carriageway, pedestrians, livestock, drying crops"),
    "residential": (20.0, "kampung and perumahan streets: 30 km/h settlement limit and speed bumps"),
    "living_street": (10.0, "shared space: walking pace"),
    "road": (25.0, "unknown class: assume a village road"),
    "service": (15.0, "access roads: gates, parking, turns at walking pace"),
    "busway": (40.0, "bus lanes usable under siren, like a secondary road"),
}

#: Road classes from highest to lowest (the speed profile's order): compiled graphs store each edge's class as
#: an index into this tuple, so that maps can draw roads by class.
ROAD_CLASSES: tuple[str, ...] = tuple(SPEED_PROFILE)

#: Implicit ``maxspeed`` values (km/h) used in Indonesia (PM Perhubungan 111/2015).
IMPLICIT_MAXSPEEDS: dict[str, float] = {
    "ID:motorway": 100.0,
    "ID:rural": 80.0,
    "ID:urban": 50.0,
    "ID:zone30": 30.0,
    "ID:living_street": 20.0,
    "walk": 5.0,
}

#: ``service=*`` values excluded from the drive network (as in osmnx's "drive"
#: filter), but ``emergency_access`` is kept: 112 units may use it.
EXCLUDED_SERVICE: frozenset[str] = frozenset({"parking", "parking_aisle", "driveway", "private"})

#: ``access=*`` values that close a way to motor traffic.
EXCLUDED_ACCESS: frozenset[str] = frozenset({"no", "private"})

#: Vehicle keys of turn restrictions that bind 112 units (``restriction:<key>``, and ``except=<key>`` lifts one),
#: as in OSRM's car profile: ambulances and fire trucks obey them like any car.
RESTRICTION_VEHICLES: tuple[str, ...] = ("motorcar", "motor_vehicle", "vehicle")

#: Points farther than this from every road are flagged ``too_far`` by snapping.
DEFAULT_MAX_SNAP_M: float = 2000.0

#: A contraction hierarchy weighs arcs in integer ticks (RoutingKit's weights are 31-bit): 0.1 ms ticks keep
#: the rounding far below a second on any route and hold paths of up to 59 hours.
HIERARCHY_TICKS_PER_S: int = 10_000

#: Edges are cut into pieces no longer than this for the snapping index; the
#: search is exact whatever the value, it only trades memory against speed.
SNAP_SEGMENT_M: float = 60.0

#: Half-width (m) of the band drawn around reached roads in service areas.
SERVICE_AREA_BUFFER_M: float = 60.0

#: Smallest edge travel time (s): scipy's csgraph ignores zero-weight edges.
MIN_EDGE_SECONDS: float = 1e-3

#: A snapped point closer than this (m) to an edge end is at that node, so it
#: may leave or be reached through the node whatever the edge direction.
AT_NODE_M: float = 0.01

#: Road kinds that start Indonesian street names and that callers leave out or abbreviate ("Jl. Raya Gedeg").
STREET_PREFIXES: tuple[str, ...] = ("jalan ", "jl ", "jln ", "gang ", "gg ")

#: Default place for the opt-in online build.
DEFAULT_PLACE: str = "Kabupaten Mojokerto, Jawa Timur, Indonesia"

#: Bump the label by hand when the *pipeline* changes; values change the hash.
PROFILE_LABEL: str = "id-3"


def _profile_version() -> str:
    """Return the label plus a digest of every value that shapes a compiled graph."""
    payload = json.dumps(
        [
            SPEED_PROFILE,
            IMPLICIT_MAXSPEEDS,
            sorted(EXCLUDED_SERVICE),
            sorted(EXCLUDED_ACCESS),
            MIN_EDGE_SECONDS,
            RESTRICTION_VEHICLES,
        ],
        sort_keys=True,
    )
    return f"{PROFILE_LABEL}-{hashlib.sha256(payload.encode()).hexdigest()[:8]}"


#: Cache key part for the profile: changes whenever a value above does.
PROFILE_VERSION: str = _profile_version()
