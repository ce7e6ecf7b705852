"""`geo112 region init --online` without the internet: osmnx's Overpass client pointed (through osmnx's settings)
at a local server answering with the offline West Oakland sample plus one turn restriction. The pack gets an OSM
file the road graph builds from, restriction kept; with no server, a clear error, exit code 1, nothing written."""

from __future__ import annotations

import bz2
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from xml.etree import ElementTree as ET

import osmnx as ox
import pytest
import shapely
from click.testing import CliRunner

from geo112.cli import main
from geo112.config import Settings
from geo112.region import load_region
from geodata.kab_mojokerto.boundaries import read_areas

SAMPLE = "osm_samples/West-Oakland.osm.bz2"
#: Ports of this test's servers (the helper range 18000–18199): the fake Overpass, and one nothing listens on.
PORT, CLOSED = 18131, 18132


def _elements(path: Path) -> list[dict[str, Any]]:
    """The sample as Overpass JSON elements, with a no-left-turn between two of its drive ways that share a node."""
    root = ET.fromstring(bz2.decompress(path.read_bytes()))
    tags = lambda e: {t.get("k"): t.get("v") for t in e.iter("tag")}  # noqa: E731
    nodes = [{"type": "node", "id": int(n.get("id")), "lat": float(n.get("lat")), "lon": float(n.get("lon")),
              "tags": tags(n)} for n in root.iter("node")]  # fmt: skip
    ways = [{"type": "way", "id": int(w.get("id")), "nodes": [int(nd.get("ref")) for nd in w.iter("nd")],
             "tags": tags(w)} for w in root.iter("way")]  # fmt: skip
    roads = [w for w in ways if w["tags"].get("highway") in {"residential", "secondary", "tertiary", "primary"}]
    a, b, via = next((a, b, a["nodes"][-1]) for a in roads for b in roads
                     if a is not b and a["nodes"][-1] == b["nodes"][0])  # fmt: skip
    restriction = {"type": "relation", "id": 1, "tags": {"type": "restriction", "restriction": "no_left_turn"},
                   "members": [{"type": "way", "ref": a["id"], "role": "from"},
                               {"type": "node", "ref": via, "role": "via"},
                               {"type": "way", "ref": b["id"], "role": "to"}]}  # fmt: skip
    return [*nodes, *ways, restriction]


@pytest.fixture
def overpass(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A local Overpass answering every query with the sample; osmnx pointed at it. Yields the queries asked."""
    answer = json.dumps({"elements": _elements(settings.data_dir / SAMPLE)}).encode()
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            asked.append(parse_qs(body)["data"][0])
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(ox.settings, "overpass_url", f"http://127.0.0.1:{PORT}/api")
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(ox.settings, "use_cache", False)
    try:
        yield asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _init(settings: Settings, out: Path, *extra: str):
    args = ["--cache-dir", str(settings.cache_dir), "region", "init", "35.76", "--out", str(out), *extra]
    return CliRunner().invoke(main, args)


def test_online_roads_keep_turn_restrictions(overpass: list[str], settings: Settings, tmp_path: Path) -> None:
    out = tmp_path / "kota"
    made = _init(settings, out, "--online")
    assert made.exit_code == 0, made.output
    report = json.loads(made.output)["roads"]
    assert report["restrictions"] == 1 and report["ways"] > 10 and report["queries"] == len(overpass) == 1
    # One query: osmnx's drive ways with their nodes, and the restrictions, in the outline grown by 5 km.
    (query,) = overpass
    assert query.startswith("[out:json]") and '"highway"' in query and 'relation["type"="restriction"]' in query
    poly = query.split('(poly:"')[1].split('"')[0].split()
    area = shapely.Polygon([(float(lon), float(lat)) for lat, lon in zip(poly[::2], poly[1::2], strict=True)])
    kota = shapely.union_all([a.geom for a in read_areas(settings.data_dir / load_region(out).desa_files["35.76"],
                                                         "35.76.")])  # fmt: skip
    assert area.contains(kota) and area.contains(kota.buffer(0.04)) and not area.contains(kota.buffer(0.06))
    osm = load_region(out).osm_path(settings.data_dir)
    assert osm == out / "osm" / "mojokertokota_osm.osm.bz2" and osm.exists()
    built = CliRunner().invoke(main, ["graph", "build", "--osm", str(osm), "--cache-dir", str(tmp_path / "cache")])
    assert built.exit_code == 0, built.output
    graph = json.loads(built.output[built.output.index("{") :])
    assert graph["restrictions"] == 1 and graph["forbidden_turns"] >= 1 and graph["nodes"] > 10


def test_without_a_network_the_error_is_clear(settings: Settings, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(ox.settings, "overpass_url", f"http://127.0.0.1:{CLOSED}/api")
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(ox.settings, "use_cache", False)
    out = tmp_path / "kota"
    failed = _init(settings, out, "--online")
    assert failed.exit_code == 1
    assert f"cannot download the roads from http://127.0.0.1:{CLOSED}/api" in failed.output
    assert "Nothing was written" in failed.output and "--osm FILE" in failed.output
    assert not out.exists()
    both = _init(settings, out, "--online", "--synthetic")
    assert both.exit_code == 2 and "one of --osm, --online and --synthetic" in both.output
