"""Road network engine for geo112: OSM extract -> compiled travel-time graph -> dispatch answers.

Knows nothing of the database or the web: it takes coordinates and unit
positions and returns ETAs (seconds), distances (metres), paths and polygons
(EPSG:4326).  Build or load with :func:`load_engine`; see ``docs/routing.md``.
"""

from ._errors import GraphMismatchError, GraphSourceError, RoutingError, SpeedFactorError, UnreachableError
from ._validate import speed_factor
from .compiled import CompiledGraph, compile_graph
from .distance import Snap
from .engine import Engine, Route, Step
from .io import build_compiled, cache_path, load_compiled, load_engine, save_compiled, source_key
from .nearest_units import RankedUnit, UnitRows, UnitTable
from .service_area import RoadGap, service_area, unreached_roads
from .settings import PROFILE_VERSION, SPEED_PROFILE
from .streets import Street, find_streets

__all__ = [
    "PROFILE_VERSION",
    "SPEED_PROFILE",
    "CompiledGraph",
    "Engine",
    "GraphMismatchError",
    "GraphSourceError",
    "RankedUnit",
    "RoadGap",
    "Route",
    "RoutingError",
    "Snap",
    "SpeedFactorError",
    "Step",
    "Street",
    "UnitRows",
    "UnitTable",
    "UnreachableError",
    "build_compiled",
    "cache_path",
    "compile_graph",
    "find_streets",
    "load_compiled",
    "load_engine",
    "save_compiled",
    "service_area",
    "source_key",
    "speed_factor",
    "unreached_roads",
]
