"""The ``graph build`` and ``route`` commands on the tiny OSM file."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from geo112.cli.network import graph, route
from geo112.network import load_network
from geo112.store.db import session_factory
from geo112.store.models import UnitType


def test_graph_build_then_cached(tiny_osm: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(graph, ["build", "--osm", str(tiny_osm), "--cache-dir", str(tmp_path)])
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert report["nodes"] == 2 and report["cached"] is False and Path(report["cache"]).exists()
    again = runner.invoke(graph, ["build", "--osm", str(tiny_osm), "--cache-dir", str(tmp_path)])
    assert json.loads(again.stdout)["cached"] is True


def test_route_prints_geojson(tiny_osm: Path, tmp_path: Path) -> None:
    args = ["--from", "0.004,0.0", "--to", "0.0001,0.002", "--osm", str(tiny_osm), "--cache-dir", str(tmp_path)]
    result = CliRunner().invoke(route, args)
    assert result.exit_code == 0, result.output
    feature = json.loads(result.stdout)
    assert feature["geometry"]["type"] == "LineString"
    assert feature["properties"]["distance_m"] == pytest.approx(667.17, abs=0.1)
    assert feature["properties"]["too_far"] == [False, False]


def test_unit_type_speed_comes_from_the_database(tiny_osm: Path, tmp_path: Path, database: str) -> None:
    """``--unit-type`` takes the factor of the unit_type table (the one the web app routes with)."""
    obj = {"settings": SimpleNamespace(osm_path=tiny_osm, cache_dir=tmp_path, database_url=database)}
    args = ["--from", "0.004,0.0", "--to", "0.0001,0.002"]
    plain = json.loads(CliRunner().invoke(route, args, obj=obj).stdout)["properties"]
    ambulance = CliRunner().invoke(route, [*args, "--unit-type", "ambulance"], obj=obj)
    assert ambulance.exit_code == 0, ambulance.output
    with session_factory(database)() as session:
        factor = session.get(UnitType, "ambulance").speed_factor
    assert json.loads(ambulance.stdout)["properties"]["eta_s"] == pytest.approx(plain["eta_s"] / factor)
    unknown = CliRunner().invoke(route, [*args, "--unit-type", "hovercraft"], obj=obj)
    assert unknown.exit_code != 0 and "hovercraft" in str(unknown.exception)


def test_paths_from_main_group_settings(tiny_osm: Path, tmp_path: Path) -> None:
    obj = {"settings": SimpleNamespace(osm_path=tiny_osm, cache_dir=tmp_path)}
    result = CliRunner().invoke(route, ["--from", "0.004,0.0", "--to", "0.0001,0.002"], obj=obj)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args",
    [
        ["build", "--online", "--osm", "x.osm"],
        ["build", "--osm", "/nonexistent.osm", "--cache-dir", "/tmp"],
        ["build", "--osm", "x.osm"],
    ],
)
def test_build_argument_errors(args: list[str]) -> None:
    result = CliRunner().invoke(graph, args)
    assert result.exit_code == 2


def test_route_rejects_bad_coordinates(tiny_osm: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        route, ["--from", "0.004", "--to", "0,0", "--osm", str(tiny_osm), "--cache-dir", str(tmp_path)]
    )
    assert result.exit_code == 2 and "LAT,LON" in result.output


def test_online_uses_osmnx_place_query(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No internet here: check the online path asks osmnx for the drive network of the place."""
    import osmnx

    calls = []

    def fake(query: str, **kwargs: object) -> None:
        calls.append((query, kwargs))
        raise ConnectionError("offline")

    monkeypatch.setattr(osmnx, "graph_from_place", fake)
    with pytest.raises(ConnectionError):
        load_network(Path("unused"), tmp_path, online=True)
    assert calls[0][0].startswith("Kabupaten Mojokerto") and calls[0][1]["network_type"] == "drive"
