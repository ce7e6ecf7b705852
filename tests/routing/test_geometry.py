"""The cut of a road edge between two fractions of its length, against shapely's substring in metres."""

from __future__ import annotations

import numpy as np
import shapely
from hypothesis import given
from hypothesis import strategies as st
from shapely.ops import substring

from routing._geometry import line_stretch

KX, KY = 110_000.0, 111_000.0  # metres per degree, roughly those of Mojokerto
coordinate = st.floats(-0.01, 0.01, allow_nan=False)


@given(
    points=st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=8, unique=True),
    fractions=st.tuples(st.floats(0, 1), st.floats(0, 1)),
)
def test_a_stretch_is_the_substring_in_metres(
    points: list[tuple[float, float]], fractions: tuple[float, float]
) -> None:
    lo, hi = sorted(fractions)
    metres = shapely.LineString([(x * KX, y * KY) for x, y in points])
    stretch = np.array(line_stretch([list(p) for p in points], lo, hi, KX, KY))
    expected = substring(metres, lo, hi, normalized=True)
    ends = (
        np.asarray(expected.coords)[[0, -1]]
        if expected.geom_type == "LineString"
        else np.array([expected.coords[0]] * 2)
    )
    np.testing.assert_allclose(stretch[[0, -1]] * [KX, KY], ends, atol=1e-6)
    # the stretch follows the line: its length in metres is the share of the whole
    assert np.isclose(shapely.LineString(stretch * [KX, KY]).length, metres.length * (hi - lo), atol=1e-6)
