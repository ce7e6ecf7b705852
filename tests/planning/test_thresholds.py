"""Threshold defaults and overrides."""

from __future__ import annotations

import pytest

from geo112.planning.thresholds import DEFAULT_THRESHOLDS, UNIT_TYPES, resolve_thresholds


def test_defaults_cover_every_unit_type_with_a_source() -> None:
    assert set(DEFAULT_THRESHOLDS) == set(UNIT_TYPES)
    assert [t.minutes for t in DEFAULT_THRESHOLDS["ambulance"]] == [8, 15]
    assert DEFAULT_THRESHOLDS["fire_truck"][0].seconds == 900
    assert "11/KPTS/2000" in DEFAULT_THRESHOLDS["fire_truck"][0].source
    assert "NFPA 1710" in DEFAULT_THRESHOLDS["ambulance"][0].source


def test_overrides_replace_defaults_and_add_types() -> None:
    resolved = resolve_thresholds({"ambulance": [20, 10], "boat": [30]})
    assert [t.minutes for t in resolved["ambulance"]] == [10, 20]
    assert resolved["ambulance"][0].source == "configured override"
    assert resolved["boat"][0].seconds == 1800
    assert resolved["fire_truck"] == DEFAULT_THRESHOLDS["fire_truck"]


@pytest.mark.parametrize("bad", [[], [0], [-5], [float("inf")]])
def test_bad_overrides_are_rejected(bad) -> None:
    with pytest.raises(ValueError, match="positive"):
        resolve_thresholds({"ambulance": bad})
