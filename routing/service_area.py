"""Service areas (isochrones): what is reachable within T minutes, as valid polygons.

The area is the band of :data:`routing.settings.SERVICE_AREA_BUFFER_M` metres
around every road stretch reachable in time (edges cut where the time runs
out).  The stretches are traced onto a raster of half the band width in a
local metric projection, widened by the band, and the raster's boundary is
polygonized: GEOS unions of thousands of buffered lines took seconds.  Roads,
not convex hulls: a hull would claim rice fields and the far bank of the
Brantas that no unit can reach in time.

:func:`unreached_roads` is the other side of the same question: the roads no source reaches in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely

from . import settings
from ._geometry import cut_segments, raster_polygons
from ._validate import speed_factor
from .compiled import CompiledGraph, concat_ranges

if TYPE_CHECKING:
    from .engine import Engine


def service_area(
    engine: Engine,
    lons: npt.ArrayLike,
    lats: npt.ArrayLike,
    minutes: float,
    factor: float = 1.0,
    buffer_m: float = settings.SERVICE_AREA_BUFFER_M,
) -> shapely.Geometry:
    """Return the area reachable from any of the sources within ``minutes``.

    Why: coverage maps (who is within 10 minutes of a Damkar post) and the
    dispatcher's view of a unit's reach.

    Parameters
    ----------
    engine
        A :class:`routing.engine.Engine`.
    lons, lats
        Source points (scalars or arrays), degrees.
    minutes
        Time budget.
    factor
        Speed factor of the units.
    buffer_m
        Half-width of the band around reached roads.

    Returns
    -------
    shapely.Polygon or shapely.MultiPolygon
        Valid geometry in lon/lat; empty when the budget is zero.
    """
    factor = speed_factor(factor)
    g = engine.graph
    budget = float(minutes) * 60.0 * factor  # in profile seconds
    if budget <= 0:
        return shapely.Polygon()
    times = engine.travel_times_from(
        np.atleast_1d(lons), np.atleast_1d(lats), min_only=True, limit_s=minutes * 60.0, factor=factor
    )
    times = times * factor
    t_tail = times[g.edge_u]
    reach = np.clip((budget - t_tail) / g.edge_tt, 0.0, 1.0)
    full = np.flatnonzero(reach >= 1.0)
    partial = np.flatnonzero((reach > 0.0) & (reach < 1.0))
    counts = np.diff(g.geom_ptr)[full]
    idx = concat_ranges(g.geom_ptr[full], counts)
    pieces = [engine.edge_piece(int(e), 0.0, float(r)) for e, r in zip(partial, reach[partial])]
    # the sources' own roads, from the point toward each end it may drive to
    snap = engine.snap(np.atleast_1d(lons), np.atleast_1d(lats))
    _, costs = engine.ends(snap, g.edge_tt, leaving=True)
    for i in range(len(snap)):
        f = float(snap.fraction[i])
        for end, cost in ((1.0, costs[i, 0]), (0.0, costs[i, 1])):
            if np.isfinite(cost) and abs(end - f) > 0:
                share = min(1.0, budget / cost) if cost > 0 else 1.0
                pieces.append(engine.edge_piece(int(snap.edge[i]), f, f + (end - f) * share))
    blocks = [np.column_stack([g.geom_lon[idx], g.geom_lat[idx]]), *pieces]
    owners = [np.repeat(np.arange(len(full)), counts), *[np.full(len(p), len(full) + k) for k, p in enumerate(pieces)]]
    lonlat, line_of = np.concatenate(blocks), np.concatenate(owners)
    x, y = engine.projection.to_xy(lonlat[:, 0], lonlat[:, 1])
    # trace reached roads onto a raster at half the band width, widen by the band
    cell = buffer_m / 2.0
    same = line_of[1:] == line_of[:-1]
    ax, ay, bx, by = x[:-1][same], y[:-1][same], x[1:][same], y[1:][same]
    seg, t0, _ = cut_segments(np.hypot(bx - ax, by - ay), cell / 2.0)
    px = np.concatenate([ax[seg] + t0 * (bx - ax)[seg], x])
    py = np.concatenate([ay[seg] + t0 * (by - ay)[seg], y])
    reach = int(np.ceil(buffer_m / cell))
    # a grid aligned on the projection's origin: areas of nested budgets nest
    x0 = (np.floor(px.min() / cell) - reach - 1) * cell
    y0 = (np.floor(py.min() / cell) - reach - 1) * cell
    cols, rows = ((px - x0) // cell).astype(np.int64), ((py - y0) // cell).astype(np.int64)
    mask = np.zeros((rows.max() + reach + 2, cols.max() + reach + 2), dtype=bool)
    mask[rows, cols] = True
    disk = np.hypot(*np.mgrid[-reach : reach + 1, -reach : reach + 1]) <= reach
    # scipy.ndimage (and scipy.special with it, ~8 MB a process) only when an area is drawn: a worker
    # serving dispatch never does
    from scipy import ndimage

    mask = ndimage.binary_dilation(mask, structure=disk)
    area = shapely.simplify(raster_polygons(mask, x0, y0, cell), cell / 2.0)
    area = shapely.transform(area, engine.projection.coords_to_lonlat)
    return area if shapely.is_valid(area) else shapely.make_valid(area)


@dataclass(frozen=True)
class RoadGap:
    """The roads beyond reach, and how much of the network they are.

    Attributes
    ----------
    geometry : shapely.Geometry
        The unreached roads, lon/lat rounded to 1e-5 degrees (line-merged).
    gap_length_m, network_length_m : float
        Length of the unreached roads and of the whole network, each road counted once.
    gap_share : float
        ``gap_length_m / network_length_m``.
    """

    geometry: shapely.Geometry
    gap_length_m: float
    network_length_m: float
    gap_share: float


def unreached_roads(graph: CompiledGraph, reached: npt.NDArray[np.bool_]) -> RoadGap:
    """Return the roads whose two ends are both unreached.

    Why: the dispatcher's gap layer draws the roads no available unit reaches within T. A road counts as
    reached when either end is, so the gap errs on the side of fewer roads.

    Parameters
    ----------
    graph
        The compiled graph.
    reached
        One flag per node: reached in time (e.g. ``nearest seconds <= T``).

    Returns
    -------
    RoadGap
    """
    g = graph
    # A two-way road is two directed edges: keep one edge per pair of nodes.
    pair = np.minimum(g.edge_u, g.edge_v).astype(np.int64) * g.n_nodes + np.maximum(g.edge_u, g.edge_v)
    once = np.unique(pair, return_index=True)[1]
    gap = once[~reached[g.edge_u[once]] & ~reached[g.edge_v[once]]]
    total, length = float(g.edge_len[once].sum()), float(g.edge_len[gap].sum())
    if not len(gap):
        return RoadGap(shapely.MultiLineString(), 0.0, total, 0.0)
    merged = shapely.line_merge(shapely.multilinestrings(g.edge_lines(np.sort(gap)).tolist()))
    return RoadGap(shapely.set_precision(merged, 1e-5), length, total, length / total if total else 0.0)
