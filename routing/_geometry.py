"""Small vectorised geometry helpers shared by snapping and service areas."""

from __future__ import annotations

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
