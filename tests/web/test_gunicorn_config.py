"""What gunicorn's master does before it forks the workers (web.gunicorn_config)."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from geo112 import network
from geo112.config import Settings
from web import gunicorn_config


def test_the_master_loads_the_road_network_its_workers_inherit(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEO112_CACHE_DIR", str(settings.cache_dir))
    key = (str(settings.osm_path), str(settings.cache_dir))
    monkeypatch.setattr(network, "_networks", {})  # as in a new master
    gunicorn_config.when_ready(SimpleNamespace(log=logging.getLogger("test")))
    assert network._networks[key].n_nodes > 20_000  # loaded, and where a forked worker's network_for finds it


def test_a_master_that_cannot_load_the_network_still_starts_and_says_why(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("GEO112_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("GEO112_OSM_FILE", str(tmp_path / "missing.osm"))
    monkeypatch.setattr(network, "_networks", {})
    monkeypatch.setattr(network, "_failures", {})
    with caplog.at_level(logging.WARNING, "test"):
        gunicorn_config.when_ready(SimpleNamespace(log=logging.getLogger("test")))
    assert "road network not loaded before the workers" in caplog.text and "missing.osm" in caplog.text
    assert not network._networks
