"""Settings in one place: every variable is read by ``geo112.config`` and listed in the README."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

import geo112.config
from geo112.config import REPO_ROOT, WIB, Settings, get_settings

DOCUMENTED = set(re.findall(r"``(GEO112_[A-Z_]+)``", geo112.config.__doc__ or ""))


def test_every_variable_is_documented_and_in_the_readme() -> None:
    source = (REPO_ROOT / "geo112" / "config.py").read_text()
    assert set(re.findall(r'"(GEO112_[A-Z_]+)"', source)) == DOCUMENTED
    readme = (REPO_ROOT / "README.md").read_text()
    assert {name for name in DOCUMENTED if f"| `{name}` |" not in readme} == set()


def test_the_environment_sets_each_field(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in DOCUMENTED:
        monkeypatch.delenv(name, raising=False)
    assert get_settings() == Settings(data_dir=get_settings().data_dir)
    monkeypatch.setenv("GEO112_SECRET_KEY", "s3cret")
    monkeypatch.setenv("GEO112_SECURE_COOKIES", "1")
    monkeypatch.setenv("GEO112_SERVER_TIMING", "0")
    monkeypatch.setenv("GEO112_TILE_URL", "/raster/{z}/{x}/{y}.png")
    monkeypatch.setenv("GEO112_AVL_STALE_S", "300")
    settings = get_settings(avl_stale_s=None, cap_sender="112.example")
    assert (settings.secret_key, settings.secure_cookies, settings.server_timing) == ("s3cret", True, False)
    assert settings.tile_url == "/raster/{z}/{x}/{y}.png"
    assert (settings.avl_stale_s, settings.cap_sender) == (300.0, "112.example")
    assert "s3cret" not in repr(settings)


def test_wib_is_utc_plus_seven() -> None:
    assert datetime(2026, 12, 1, 16, 5, tzinfo=WIB).isoformat() == "2026-12-01T16:05:00+07:00"


def test_dispatch_policy_offers_only_what_the_simulation_backs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEO112_DISPATCH_POLICY", "closest+moveup")
    assert get_settings().dispatch_policy == "closest+moveup"
    monkeypatch.setenv("GEO112_DISPATCH_POLICY", "mexclp")  # answered more calls late in the simulation
    with pytest.raises(ValueError, match="must be one of closest, closest\\+moveup"):
        get_settings()
