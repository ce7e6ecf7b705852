"""Routing fixtures: graphs built from the OSM files once per session, into a tmp cache.

The data directory is ``$GEO112_DATA_DIR`` or ``<repo>/../shared/geodata``.
No database is needed.
"""

from __future__ import annotations

import os
from pathlib import Path

import networkx as nx
import pytest

from routing import Engine, compile_graph, load_engine
from routing.graph import graph_from_file, prepare_graph

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("GEO112_DATA_DIR", REPO.parent / "shared" / "geodata"))
MOJOKERTO_OSM = DATA_DIR / "kab_mojokerto" / "osm" / "kab_mojokerto_synthetic.osm.bz2"
OAKLAND_OSM = DATA_DIR / "osm_samples" / "West-Oakland.osm.bz2"

#: 1e-3 degree of longitude on the equator, in metres (osmnx's earth radius).
MILLIDEGREE_M = 6_371_009.0 * 3.141592653589793 / 180.0 * 1e-3
#: Every tiny way has maxspeed 18 km/h (below the residential 20): 5 m/s.
TINY_SPEED_MS = 5.0

# A one-way street W -> E (1 km on the equator) and a two-way loop E -> NE -> NW -> W
# (2 km) back; a one-way spur E -> S that no one can leave (dropped with its
# component) and a footway W -> F (not drivable).
TINY_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="hand">
  <node id="1" lat="0.0" lon="0.0"/>
  <node id="2" lat="0.0" lon="0.01"/>
  <node id="3" lat="0.005" lon="0.01"/>
  <node id="4" lat="0.005" lon="0.0"/>
  <node id="5" lat="0.0" lon="0.02"/>
  <node id="6" lat="0.0" lon="-0.005"/>
  <way id="10"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="18"/>
    <tag k="name" v="Jalan Satu Arah"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="highway" v="residential"/><tag k="maxspeed" v="18"/><tag k="name" v="Jalan Lingkar"/></way>
  <way id="12"><nd ref="2"/><nd ref="5"/>
    <tag k="highway" v="residential"/><tag k="oneway" v="yes"/><tag k="maxspeed" v="18"/></way>
  <way id="13"><nd ref="1"/><nd ref="6"/><tag k="highway" v="footway"/></way>
</osm>
"""


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"data file missing: {path} (set GEO112_DATA_DIR)")
    return path


@pytest.fixture(scope="session")
def routing_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache directory shared by the session's graph builds."""
    return tmp_path_factory.mktemp("routing-cache")


@pytest.fixture(scope="session")
def tiny_osm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The hand-written OSM file of :data:`TINY_OSM`."""
    path = tmp_path_factory.mktemp("tiny") / "tiny.osm"
    path.write_text(TINY_OSM, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny(tiny_osm: Path, routing_cache: Path) -> Engine:
    """The tiny graph through the whole pipeline (file -> cache -> engine)."""
    return load_engine(tiny_osm, routing_cache)


@pytest.fixture(scope="session")
def oakland() -> tuple[nx.MultiDiGraph, Engine]:
    """West Oakland (real OSM): the prepared osmnx graph and its engine."""
    G, report = prepare_graph(graph_from_file(_require(OAKLAND_OSM)), source=str(OAKLAND_OSM))
    return G, Engine(compile_graph(G, meta={"report": report.as_dict()}))


@pytest.fixture(scope="session")
def mojokerto(routing_cache: Path) -> Engine:
    """The synthetic Mojokerto engine, built once per session (~15 s)."""
    return load_engine(_require(MOJOKERTO_OSM), routing_cache)
