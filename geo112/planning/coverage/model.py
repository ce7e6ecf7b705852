"""Coverage of road nodes and desa by emergency units, computed on arrays.

The routing engine gives travel times as a matrix ``times[n_sources, n_nodes]``
in seconds, ``np.inf`` where a node is unreachable, or as a sparse matrix of
the nodes each source reaches (:func:`reach_matrix`: what a province's
network needs); a source is a live unit or a station. Everything here is a
pure function of such arrays, so it serves both live dispatch (available
units only) and planning (stations), and it never touches the database.
Methods and references: docs/coverage.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from geo112.planning.thresholds import Threshold

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int_]
BoolArray = npt.NDArray[np.bool_]


#: Travel times, dense (``np.inf`` where unreachable) or sparse (:func:`reach_matrix`).
Times = FloatArray | sp.csr_array


def reach_matrix(times: Times) -> sp.csr_array:
    """
    Travel times as a sparse matrix of the nodes each source reaches.

    A source covers the nodes it reaches within a threshold, a few of a large
    network's: kept sparse, what coverage holds grows with the sources' reach,
    not with the network (a province's roads hold a million nodes).

    Parameters
    ----------
    times
        Seconds from each source to each node, ``(n_sources, n_nodes)``: dense
        with ``np.inf`` where unreachable, or already sparse, where an absent
        entry is unreachable and an explicit zero a source on the node.

    Returns
    -------
    scipy.sparse.csr_array
        The finite entries (a sparse input as it is).
    """
    if isinstance(times, sp.csr_array):
        return times
    dense = _dense(times)
    return _where(np.isfinite(dense), dense)


def _dense(times: FloatArray) -> FloatArray:
    """A dense matrix of times, checked."""
    dense = np.asarray(times, dtype=float)
    if dense.ndim != 2:
        msg = f"times must be a [n_sources, n_nodes] matrix, got shape {dense.shape}"
        raise ValueError(msg)
    return dense


def _where(keep: BoolArray, values: npt.NDArray[np.generic]) -> sp.csr_array:
    """The entries of a dense matrix where ``keep``, as a sparse one."""
    kept = np.flatnonzero(keep)
    row_starts = np.arange(keep.shape[0] + 1) * keep.shape[1]
    nodes = kept % max(keep.shape[1], 1)
    return sp.csr_array((values.ravel()[kept], nodes, np.searchsorted(kept, row_starts)), shape=keep.shape)


def _entries(matrix: sp.csr_array, keep: BoolArray, data: npt.NDArray[np.generic]) -> sp.csr_array:
    """The entries of ``matrix`` where ``keep`` (one flag per stored entry), holding ``data`` instead."""
    kept = np.flatnonzero(keep)
    return sp.csr_array((data, matrix.indices[kept], np.searchsorted(kept, matrix.indptr)), shape=matrix.shape)


def dense_times(times: Times) -> FloatArray:
    """The dense matrix of :func:`reach_matrix`'s times: ``np.inf`` where unreachable."""
    reach = reach_matrix(times)
    dense = np.full(reach.shape, np.inf)
    rows = np.repeat(np.arange(reach.shape[0]), np.diff(reach.indptr))
    dense[rows, reach.indices] = reach.data
    return dense


def _available_mask(n_sources: int, available: npt.ArrayLike | None) -> BoolArray:
    """The source mask (all sources by default), checked against the number of sources."""
    if available is None:
        return np.ones(n_sources, dtype=bool)
    mask = np.asarray(available, dtype=bool)
    if mask.shape != (n_sources,):
        msg = f"available must have one flag per source ({n_sources}), got {mask.shape}"
        raise ValueError(msg)
    return mask


def nearest_times(times: Times, available: npt.ArrayLike | None = None) -> FloatArray:
    """
    Travel time from the nearest available source to every node.

    This is the map layer "how long until help arrives here": the minimum
    over sources, skipping units that are busy or off duty.

    Parameters
    ----------
    times
        Seconds from each source to each node, shape ``(n_sources, n_nodes)``,
        ``np.inf`` where unreachable (or sparse, :func:`reach_matrix`).
    available
        One boolean per source; ``None`` means all sources are available.

    Returns
    -------
    numpy.ndarray
        Seconds per node, ``np.inf`` where no available source reaches it.
    """
    reach = reach_matrix(times)
    counted = np.repeat(_available_mask(reach.shape[0], available), np.diff(reach.indptr))
    nearest = np.full(reach.shape[1], np.inf)
    np.minimum.at(nearest, reach.indices[counted], reach.data[counted])
    return nearest


def within_threshold(times: Times, threshold_s: float, available: npt.ArrayLike | None = None) -> sp.csr_array:
    """
    Which available sources reach which nodes within the threshold.

    The boolean matrix is the coverage relation a_ij of the covering models
    (MCLP, MEXCLP), sparse; unavailable sources get an empty row so that row
    indices keep matching the caller's unit list.

    Parameters
    ----------
    times
        Seconds from each source to each node, shape ``(n_sources, n_nodes)``
        (dense or sparse, :func:`reach_matrix`).
    threshold_s
        Largest travel time in seconds that counts as covered (inclusive).
    available
        One boolean per source; ``None`` means all sources are available.

    Returns
    -------
    scipy.sparse.csr_array
        Boolean matrix of shape ``(n_sources, n_nodes)``.
    """
    if not isinstance(times, sp.csr_array):
        dense = _dense(times)
        keep = (dense <= threshold_s) & _available_mask(dense.shape[0], available)[:, None]
        return _where(keep, keep)
    counted = np.repeat(_available_mask(times.shape[0], available), np.diff(times.indptr))
    keep = (times.data <= threshold_s) & counted
    return _entries(times, keep, np.ones(int(keep.sum()), dtype=bool))


def relation(within: BoolArray | sp.csr_array) -> sp.csr_array:
    """A coverage relation (who reaches which node within the threshold), sparse as :func:`within_threshold`
    gives it: a dense one (a caller's) converted."""
    if isinstance(within, sp.csr_array):
        return within
    given = np.asarray(within, dtype=bool)
    return _where(given, given)


def relation_counts(within: BoolArray | sp.csr_array) -> IntArray:
    """How many sources of a coverage relation (:func:`within_threshold`) reach each node."""
    relation_ = relation(within)
    return np.bincount(relation_.indices[relation_.data], minlength=relation_.shape[1]).astype(np.int32)


def coverage_counts(times: Times, threshold_s: float, available: npt.ArrayLike | None = None) -> IntArray:
    """
    How many available sources reach each node within the threshold.

    ``counts >= 1`` is coverage and ``counts >= 2`` is double coverage, the
    backup that matters when the nearest unit is already out on a call.

    Parameters
    ----------
    times, threshold_s, available
        As in :func:`within_threshold`.

    Returns
    -------
    numpy.ndarray
        Integer count per node.
    """
    return relation_counts(within_threshold(times, threshold_s, available))


def expected_coverage(within: BoolArray | sp.csr_array, busy_fraction: float | npt.ArrayLike) -> FloatArray:
    """
    Probability that at least one covering unit is free (MEXCLP).

    Daskin's (1983) maximum expected covering location problem treats every
    unit as busy with the same probability q, independently, so a node
    covered by k units is served within the threshold with probability
    ``1 - q**k``. Per-unit busy fractions generalise this under the same
    independence assumption to ``1 - prod(q_i)`` over the covering units.

    Parameters
    ----------
    within
        The coverage relation, shape ``(n_sources, n_nodes)``
        (:func:`within_threshold`, or dense).
    busy_fraction
        Share of time a unit is busy, in ``[0, 1]``: one number for all
        units (Daskin), or one per source.

    Returns
    -------
    numpy.ndarray
        Probability per node in ``[0, 1]``.
    """
    given = relation(within)
    q = np.asarray(busy_fraction, dtype=float)
    if np.any((q < 0) | (q > 1)):
        raise ValueError("busy fractions must lie in [0, 1]")
    if q.ndim == 0:
        return np.asarray(1.0 - q ** relation_counts(given), dtype=np.float64)
    if q.shape != (given.shape[0],):
        msg = f"busy_fraction must be a scalar or one per source ({given.shape[0]}), got {q.shape}"
        raise ValueError(msg)
    # A product of many q_i is a sum of logs: one matrix-vector product. A unit that is never busy (q_i = 0)
    # has log -inf, so it is handled apart.
    always_free = q == 0
    all_busy = np.exp(np.asarray(given.T.astype(float) @ np.log(np.where(always_free, 1.0, q))))
    all_busy[relation_counts(given[np.flatnonzero(always_free)]) > 0] = 0.0
    return np.asarray(1.0 - all_busy, dtype=np.float64)


@dataclass(frozen=True)
class Demand:
    """
    Where demand sits: road nodes grouped into desa, with weights.

    A desa's coverage is the weighted share of its nodes that are covered;
    with uniform weights that is the share of its road nodes, with settlement
    weights (e.g. nodes inside built-up land) it follows where people live.

    Attributes
    ----------
    node_desa
        Desa index per node, ``-1`` for nodes outside every desa.
    node_weight
        Non-negative weight per node.
    desa_population
        Population per desa (see `geo112.planning.population.spread_population`).
    """

    node_desa: IntArray
    node_weight: FloatArray
    desa_population: FloatArray

    def __post_init__(self) -> None:
        """Freeze the arrays and check that they fit together."""
        node_desa = np.asarray(self.node_desa, dtype=np.int64)
        node_weight = np.asarray(self.node_weight, dtype=float)
        population = np.asarray(self.desa_population, dtype=float)
        if node_desa.ndim != 1 or node_desa.shape != node_weight.shape:
            raise ValueError("node_desa and node_weight must be 1-d arrays of equal length")
        if np.any(node_weight < 0) or np.any(population < 0):
            raise ValueError("weights and populations must be non-negative")
        if node_desa.size and node_desa.max() >= population.size:
            raise ValueError("node_desa refers to a desa beyond desa_population")
        for name, value in (("node_desa", node_desa), ("node_weight", node_weight), ("desa_population", population)):
            value.flags.writeable = False
            object.__setattr__(self, name, value)

    @property
    def n_desa(self) -> int:
        """Number of desa."""
        return int(self.desa_population.size)

    def desa_share(self, node_value: npt.ArrayLike) -> FloatArray:
        """
        Weighted mean of a per-node value within each desa.

        Parameters
        ----------
        node_value
            Per-node value: a boolean (covered or not) or a probability.

        Returns
        -------
        numpy.ndarray
            Value per desa; ``NaN`` for a desa with no weighted node.
        """
        inside = self.node_desa >= 0
        desa = self.node_desa[inside]
        weight = self.node_weight[inside]
        value = np.asarray(node_value, dtype=float)[inside]
        total = np.bincount(desa, weights=weight, minlength=self.n_desa)
        hit = np.bincount(desa, weights=weight * value, minlength=self.n_desa)
        with np.errstate(invalid="ignore", divide="ignore"):
            return hit / total


@dataclass(frozen=True)
class CoverageSummary:
    """
    Coverage of one set of sources at one threshold, per node and per desa.

    Attributes
    ----------
    threshold_s
        The threshold in seconds.
    nearest
        Seconds from the nearest available source, per node, or a function that gives them when first read
        (:attr:`nearest_s`): a province's take a search a proposal of move-up never reads.
    counts
        Number of available sources within the threshold, per node.
    share
        Weighted share of each desa covered at least once.
    share_double
        Weighted share of each desa covered at least twice.
    share_expected
        MEXCLP expected share of each desa, or ``None`` without busy fractions.
    desa_population
        Population per desa.
    """

    threshold_s: float
    nearest: FloatArray | Callable[[], FloatArray]
    counts: IntArray
    share: FloatArray
    share_double: FloatArray
    share_expected: FloatArray | None
    desa_population: FloatArray

    @cached_property
    def nearest_s(self) -> FloatArray:
        """Seconds from the nearest available source, per node (computed on first read when given as such)."""
        return np.asarray(self.nearest() if callable(self.nearest) else self.nearest, dtype=float)

    @property
    def nbytes(self) -> int:
        """Memory of the arrays, in bytes (per node and per desa; the nearest times counted read or not)."""
        arrays = (self.counts, self.share, self.share_double, self.share_expected)
        return self.counts.size * 8 + sum(a.nbytes for a in arrays if a is not None)

    def population_covered(self, share: FloatArray | None = None) -> FloatArray:
        """
        Population per desa inside the covered share.

        A desa without road nodes (share ``NaN``) cannot be reached and
        counts as uncovered, which errs on the side of showing a gap.

        Parameters
        ----------
        share
            A per-desa share (default: `share`, single coverage); pass
            `share_double` or `share_expected` for the other measures.

        Returns
        -------
        numpy.ndarray
            Persons per desa.
        """
        share = self.share if share is None else share
        return np.nan_to_num(share, nan=0.0) * self.desa_population


def summarize(
    times: Times,
    threshold_s: float,
    demand: Demand,
    available: npt.ArrayLike | None = None,
    busy_fraction: float | npt.ArrayLike | None = None,
    nearest_s: FloatArray | Callable[[], FloatArray] | None = None,
) -> CoverageSummary:
    """
    Coverage, double coverage and expected coverage of sources over demand.

    One call gives every figure the coverage map and planning tables show for
    one unit type at one threshold.

    Parameters
    ----------
    times
        Seconds from each source to each node, shape ``(n_sources, n_nodes)``,
        ``np.inf`` where unreachable (or sparse, :func:`reach_matrix`).
    threshold_s
        Largest travel time in seconds that counts as covered (inclusive).
    demand
        Nodes grouped into desa, with weights and desa populations.
    available
        One boolean per source; ``None`` means all sources are available.
    busy_fraction
        Busy fraction for `expected_coverage` (scalar or per source);
        ``None`` skips the expected coverage.
    nearest_s
        Seconds from the nearest available source per node, or a function
        giving them when first read, when the caller has them from elsewhere
        (`times` reaching only as far as the threshold); default
        `nearest_times` of `times`.

    Returns
    -------
    CoverageSummary
    """
    reach = reach_matrix(times)
    if reach.shape[1] != demand.node_desa.size:
        raise ValueError("times and demand cover different numbers of nodes")
    within = within_threshold(reach, threshold_s, available)
    counts = relation_counts(within)
    expected = None if busy_fraction is None else demand.desa_share(expected_coverage(within, busy_fraction))
    return CoverageSummary(
        threshold_s=float(threshold_s),
        nearest=nearest_times(reach, available) if nearest_s is None else nearest_s,
        counts=counts,
        share=demand.desa_share(counts >= 1),
        share_double=demand.desa_share(counts >= 2),
        share_expected=expected,
        desa_population=demand.desa_population,
    )


def reach_curve(nearest_s: FloatArray, demand: Demand, minutes: npt.ArrayLike) -> FloatArray:
    """
    Share of the population reached within each travel time T.

    The curve planners read a threshold off: each desa counts with the
    weighted share of its nodes whose nearest source is within T, times its
    population, as in `CoverageSummary.population_covered`.

    Parameters
    ----------
    nearest_s
        Seconds from the nearest available source, per node
        (`CoverageSummary.nearest_s`).
    demand
        Nodes grouped into desa, with weights and desa populations.
    minutes
        The travel times T, in minutes.

    Returns
    -------
    numpy.ndarray
        Share of the total population (0–1) per T; zeros without population.
    """
    total = float(demand.desa_population.sum())
    grid = np.asarray(minutes, dtype=float)
    if not total:
        return np.zeros(grid.shape)
    reached = [
        np.nansum(demand.desa_share(nearest_s <= 60.0 * t) * demand.desa_population) / total for t in grid.ravel()
    ]
    return np.asarray(reached).reshape(grid.shape)


def summarize_unit_types(
    times_by_type: Mapping[str, Times],
    thresholds: Mapping[str, Sequence[Threshold]],
    demand: Demand,
    available_by_type: Mapping[str, npt.ArrayLike] | None = None,
    busy_by_type: Mapping[str, float | npt.ArrayLike] | None = None,
) -> dict[tuple[str, float], CoverageSummary]:
    """
    Coverage summaries for every unit type at each of its thresholds.

    This is the periodic "recompute everything" of the coverage dashboard:
    one travel-time matrix per unit type, one summary per (type, threshold).

    Parameters
    ----------
    times_by_type
        Unit type code -> seconds matrix ``(n_units_of_type, n_nodes)``.
    thresholds
        Unit type code -> thresholds, e.g. from
        `geo112.planning.thresholds.resolve_thresholds`.
    demand
        Nodes grouped into desa, with weights and desa populations.
    available_by_type
        Unit type code -> availability mask; missing types are all available.
    busy_by_type
        Unit type code -> busy fraction; missing types skip expected coverage.

    Returns
    -------
    dict
        ``(unit type, threshold minutes)`` -> `CoverageSummary`.

    Raises
    ------
    KeyError
        If a unit type in `times_by_type` has no thresholds.
    """
    available_by_type = available_by_type or {}
    busy_by_type = busy_by_type or {}
    return {
        (unit_type, t.minutes): summarize(
            times, t.seconds, demand, available_by_type.get(unit_type), busy_by_type.get(unit_type)
        )
        for unit_type, times in times_by_type.items()
        for t in thresholds[unit_type]
    }


@dataclass(frozen=True)
class WhatIf:
    """
    Coverage before and after a hypothetical change, with the differences.

    Attributes
    ----------
    before, after
        The two summaries being compared.
    """

    before: CoverageSummary
    after: CoverageSummary

    @property
    def nodes_gained(self) -> BoolArray:
        """Nodes covered after the change but not before."""
        return np.asarray((self.after.counts >= 1) & (self.before.counts == 0))

    @property
    def nodes_lost(self) -> BoolArray:
        """Nodes covered before the change but not after."""
        return np.asarray((self.before.counts >= 1) & (self.after.counts == 0))

    @property
    def delta_population(self) -> FloatArray:
        """Change in covered persons per desa."""
        return self.after.population_covered() - self.before.population_covered()


def whatif(before: CoverageSummary, after: CoverageSummary) -> WhatIf:
    """
    Compare coverage before and after adding, moving or removing a source.

    The change itself is an edit of the travel-time matrix the caller makes
    before summarising: adding a station stacks its row from the routing
    engine (``np.vstack``), removing one drops its row or clears it in
    ``available``, moving one replaces its row. Keeping the comparison apart
    from the edit lets any two scenarios be compared.

    Parameters
    ----------
    before, after
        Summaries at the same threshold over the same demand.

    Returns
    -------
    WhatIf

    Raises
    ------
    ValueError
        If the two summaries are not comparable.
    """
    if before.threshold_s != after.threshold_s or before.counts.shape != after.counts.shape:
        raise ValueError("before and after must share the threshold and the nodes")
    if not np.array_equal(before.desa_population, after.desa_population):
        raise ValueError("before and after must share the desa populations")
    return WhatIf(before, after)
