"""Road network engine for geo112: OSM extract -> compiled travel-time graph -> dispatch answers.

Knows nothing of the database or the web: it takes coordinates and unit
positions and returns ETAs (seconds), distances (metres), paths and polygons
(EPSG:4326).  Build or load with :func:`load_engine`; see ``docs/routing.md``.
"""

from .compiled import CompiledGraph, compile_graph
from .distance import Snap
from .engine import Engine, Route, Step
from .io import (
    build_compiled,
    cache_path,
    load_compiled,
    load_engine,
    save_compiled,
    source_key,
)
from .settings import PROFILE_VERSION, SPEED_PROFILE, UNIT_SPEED_FACTORS, speed_factor
from .units import RankedUnit, UnitTable

__all__ = [
    "PROFILE_VERSION",
    "SPEED_PROFILE",
    "UNIT_SPEED_FACTORS",
    "CompiledGraph",
    "Engine",
    "RankedUnit",
    "Route",
    "Snap",
    "Step",
    "UnitTable",
    "build_compiled",
    "cache_path",
    "compile_graph",
    "load_compiled",
    "load_engine",
    "save_compiled",
    "source_key",
    "speed_factor",
]
