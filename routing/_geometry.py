"""Small geometry helpers shared by snapping, routes and service areas."""

from __future__ import annotations

import bisect
import itertools
import math

import numpy as np
import shapely


def cut_segments(lengths: np.ndarray, max_len: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cut segments into equal pieces no longer than ``max_len``.

    Why: a KD-tree over piece midpoints finds nearby roads, and points spaced
    at most ``max_len`` apart trace roads onto a raster.

    Parameters
    ----------
    lengths
        Segment lengths.
    max_len
        Longest piece.

    Returns
    -------
    segment : ndarray of int64
        The segment each piece belongs to.
    t0, t1 : ndarray of float64
        Start and end of each piece as fractions of its segment.
    """
    pieces = np.maximum(np.ceil(lengths / max_len), 1).astype(np.int64)
    segment = np.repeat(np.arange(len(lengths)), pieces)
    k = np.arange(len(segment)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    return segment, k / pieces[segment], (k + 1) / pieces[segment]


def raster_polygons(mask: np.ndarray, x0: float, y0: float, cell: float) -> shapely.Geometry:
    """Return the filled cells of a boolean raster as valid (Multi)Polygon geometry.

    Why: unioning thousands of buffered road lines takes GEOS seconds; tracing
    the boundary of a raster and polygonizing it takes milliseconds.  Boundary
    edges separate filled from empty cells, so every face of the arrangement is
    wholly filled or wholly empty, and filled faces meet at points only.

    Parameters
    ----------
    mask
        (rows, cols) raster; row ``r`` spans y from ``y0 + r*cell``, column
        ``c`` spans x from ``x0 + c*cell``.
    x0, y0
        Lower-left corner of cell (0, 0).
    cell
        Cell size.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
    """
    padded = np.pad(mask, 1)
    # in padded indices, cell (i, j) spans x0 + (j-1)*cell .. x0 + j*cell
    vi, vj = np.nonzero(padded[:, 1:] != padded[:, :-1])
    hi, hj = np.nonzero(padded[1:, :] != padded[:-1, :])
    start = np.concatenate([np.column_stack([vj, vi - 1]), np.column_stack([hj - 1, hi])])
    end = np.concatenate([np.column_stack([vj, vi]), np.column_stack([hj, hi])])
    if len(start) == 0:
        return shapely.Polygon()
    coords = np.stack([start, end], axis=1) * cell + np.array([x0, y0])
    edges = shapely.line_merge(shapely.multilinestrings(shapely.linestrings(coords)))
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(edges)))
    inside = shapely.get_coordinates(shapely.point_on_surface(faces))
    rows = np.floor((inside[:, 1] - y0) / cell).astype(np.int64)
    cols = np.floor((inside[:, 0] - x0) / cell).astype(np.int64)
    filled = faces[mask[rows, cols]]
    return filled[0] if len(filled) == 1 else shapely.MultiPolygon(list(filled))


def line_stretch(points: list[list[float]], lo: float, hi: float, kx: float, ky: float) -> list[list[float]]:
    """The part of a lon/lat polyline between fractions ``lo <= hi`` of its length.

    Why plain Python: a road edge has a handful of vertices, where each numpy call costs more than the
    whole loop (a route cuts two edges, a service area every edge it ends on).

    Parameters
    ----------
    points
        The vertices, [lon, lat] each, at least two.
    lo, hi
        Fractions of the length, ``0 <= lo <= hi <= 1``.
    kx, ky
        Metres per degree of longitude and latitude (an equirectangular projection: lengths are exact up to
        its scale, and interpolating in degrees equals interpolating in metres).

    Returns
    -------
    list of [lon, lat]
        The cut ends interpolated, the vertices strictly between them kept; at least two points.
    """
    cum = [0.0]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        cum.append(cum[-1] + math.hypot((x1 - x0) * kx, (y1 - y0) * ky))
    start, end = lo * cum[-1], hi * cum[-1]
    inner = [p for p, c in zip(points, cum, strict=True) if start < c < end]
    return [_point_at(points, cum, start), *inner, _point_at(points, cum, end)]


def _point_at(points: list[list[float]], cum: list[float], at: float) -> list[float]:
    """The point ``at`` metres along a polyline whose vertices lie ``cum`` metres along it."""
    i = min(max(bisect.bisect_right(cum, at) - 1, 0), len(points) - 2)
    span = cum[i + 1] - cum[i]
    t = (at - cum[i]) / span if span > 0 else 0.0
    (x0, y0), (x1, y1) = points[i], points[i + 1]
    return [x0 + t * (x1 - x0), y0 + t * (y1 - y0)]
