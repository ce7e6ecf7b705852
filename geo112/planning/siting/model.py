"""Station siting: maximal covering (MCLP) and p-median over candidate sites.

Both models choose ``p`` new sites among candidates (existing facilities,
the planned Damkar posts, desa centres) on top of the sites already open.
They take arrays only: a coverage relation or a travel-time matrix between
demand points and candidates, built by the caller from the routing engine.
The models are written with PuLP and solved with HiGHS (via ``highspy``),
after removing every demand point and variable whose value is already
decided, so that a kabupaten-sized instance stays small. See
docs/coverage.md for the formulations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pulp
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int_]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class SitingResult:
    """
    The sites a siting model opens.

    Attributes
    ----------
    new_sites
        Candidate indices chosen by the model, sorted.
    open_sites
        Fixed and new candidate indices, sorted.
    """

    new_sites: IntArray
    open_sites: IntArray


@dataclass(frozen=True)
class MclpResult(SitingResult):
    """
    Solution of a maximal covering problem (:class:`SitingResult` and the coverage).

    Attributes
    ----------
    covered
        Per demand point: covered by at least one open site.
    covered_weight
        Total weight of the covered demand points.
    total_weight
        Total weight of all demand points.
    """

    covered: BoolArray
    covered_weight: float
    total_weight: float


@dataclass(frozen=True)
class PMedianResult(SitingResult):
    """
    Solution of a p-median problem (:class:`SitingResult` and the assignment).

    Attributes
    ----------
    assignment
        Per demand point: the nearest open candidate, ``-1`` if none reaches it.
    total_cost
        Sum of weight times cost to the nearest open site over reachable demand.
    mean_cost
        `total_cost` divided by the weight of the reachable demand.
    """

    assignment: IntArray
    total_cost: float
    mean_cost: float


def _sparse(cover: npt.ArrayLike | sp.sparray) -> sp.csc_array:
    """A coverage relation (dense or sparse) as a boolean sparse matrix, columns by candidate."""
    matrix = cover if sp.issparse(cover) else np.asarray(cover)
    return sp.csc_array(matrix, dtype=bool)


def _check_sites(
    n_candidates: int, weights: npt.ArrayLike, n_demand: int, p: int, fixed: Sequence[int]
) -> tuple[FloatArray, IntArray, IntArray]:
    """Validate the common inputs; return weights, fixed and free candidate indices."""
    w = np.asarray(weights, dtype=float)
    if w.shape != (n_demand,) or np.any(w < 0):
        raise ValueError(f"weights must be {n_demand} non-negative numbers")
    fixed_idx = np.unique(np.asarray(fixed, dtype=np.int64))
    if fixed_idx.size and (fixed_idx[0] < 0 or fixed_idx[-1] >= n_candidates):
        raise ValueError("fixed holds an index outside the candidates")
    free_idx = np.setdiff1d(np.arange(n_candidates), fixed_idx)
    if not 0 <= p <= free_idx.size:
        raise ValueError(f"p must lie between 0 and the {free_idx.size} free candidates")
    return w, fixed_idx, free_idx


def _solve_sites(
    model: pulp.LpProblem, x: dict[int, pulp.LpVariable], p: int, solver: pulp.LpSolver | None
) -> IntArray:
    """Open exactly `p` of the site variables `x`, solve, and return the chosen indices."""
    model += pulp.lpSum(x.values()) == p, "open_p_sites"
    model.solve(solver or pulp.HiGHS(msg=False))
    if model.status != pulp.LpStatusOptimal:
        raise RuntimeError(f"siting model not solved: {pulp.LpStatus[model.status]}")
    return np.array(sorted(j for j, v in x.items() if v.value() > 0.5), dtype=np.int64)


def _site_variables(model: pulp.LpProblem, free_idx: IntArray) -> dict[int, pulp.LpVariable]:
    """One binary "open this candidate" variable per free candidate."""
    return {int(j): model.add_variable(f"x_{j}", cat=pulp.LpBinary) for j in free_idx}


def aggregate_cover(
    cover: npt.ArrayLike | sp.sparray, group: npt.ArrayLike, weights: npt.ArrayLike, min_share: float = 0.5
) -> tuple[BoolArray, FloatArray]:
    """
    Merge demand points into groups for a covering model.

    Node-level demand makes MCLP exact but slow: tens of thousands of distinct
    covering sets over a few hundred candidates is a hard LP. Grouping nodes
    (grid cells, desa) shrinks the model; a group counts as covered by a site
    when at least `min_share` of its weight is within the threshold of it.
    Evaluate the chosen sites on the nodes afterwards (``cover[:, sites]``)
    to report the true covered weight.

    Parameters
    ----------
    cover
        Boolean matrix ``(n_demand, n_candidates)``, dense or scipy sparse.
    group
        Group index per demand point, ``0 .. n_groups - 1``.
    weights
        Non-negative weight per demand point.
    min_share
        Share of a group's weight a site must reach to cover the group.

    Returns
    -------
    tuple
        Group cover matrix ``(n_groups, n_candidates)`` and weight per group.
    """
    g = np.asarray(group, dtype=np.int64)
    w = np.asarray(weights, dtype=float)
    n_groups = int(g.max()) + 1 if g.size else 0
    membership = sp.csr_array((w, (g, np.arange(g.size))), shape=(n_groups, g.size))
    group_weight = np.bincount(g, weights=w, minlength=n_groups).astype(np.float64)
    reached = (membership @ _sparse(cover).astype(np.float64)).toarray()
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(reached >= min_share * group_weight[:, None], dtype=bool), group_weight


def mclp(
    cover: npt.ArrayLike | sp.sparray,
    weights: npt.ArrayLike,
    p: int,
    fixed: Sequence[int] = (),
    solver: pulp.LpSolver | None = None,
) -> MclpResult:
    """
    Choose `p` new sites that cover the most demand weight (MCLP).

    Church and ReVelle's (1974) maximal covering location problem: maximise
    the weight of demand points within the threshold of at least one open
    site, opening `p` sites besides the `fixed` ones. Demand already covered
    by a fixed site, or coverable by no free site, is settled before the
    model is built, and demand points with the same covering sites are
    merged into one, which keeps node-level demand tractable.

    Parameters
    ----------
    cover
        Boolean matrix ``(n_demand, n_candidates)``, dense or scipy sparse:
        candidate j reaches demand point i within the threshold. Build it as
        ``times.T <= threshold_s`` from a candidate travel-time matrix.
    weights
        Non-negative demand weight per demand point (e.g. population).
    p
        Number of new sites to open.
    fixed
        Indices of candidates that are already open (existing stations).
    solver
        A PuLP solver; default ``pulp.HiGHS(msg=False)``.

    Returns
    -------
    MclpResult

    Raises
    ------
    ValueError
        If the inputs do not fit together.
    RuntimeError
        If the solver does not reach an optimal solution.
    """
    a = _sparse(cover)
    n_demand, n_candidates = a.shape
    w, fixed_idx, free_idx = _check_sites(n_candidates, weights, n_demand, p, fixed)
    covered_fixed = a[:, fixed_idx].sum(axis=1) > 0
    a_free = a[:, free_idx].toarray()
    open_demand = ~covered_fixed & (w > 0) & a_free.any(axis=1)
    # Demand points with identical covering sets are one constraint with summed weight.
    patterns, inverse = np.unique(np.packbits(a_free[open_demand], axis=1), axis=0, return_inverse=True)
    pattern_weight = np.bincount(inverse.ravel(), weights=w[open_demand])
    pattern_sites = np.unpackbits(patterns, axis=1, count=free_idx.size).astype(bool)

    new_sites = np.empty(0, dtype=np.int64)
    if p > 0:
        model = pulp.LpProblem("mclp", pulp.LpMaximize)
        x = _site_variables(model, free_idx)
        y = [model.add_variable(f"y_{k}", 0, 1) for k in range(pattern_weight.size)]
        model += pulp.lpSum(wk * yk for wk, yk in zip(pattern_weight, y))
        for k, sites in enumerate(pattern_sites):
            model += pulp.lpSum(x[int(j)] for j in free_idx[sites]) >= y[k], f"cover_{k}"
        new_sites = _solve_sites(model, x, p, solver)
    open_sites = np.union1d(fixed_idx, new_sites)
    covered = a[:, open_sites].sum(axis=1) > 0
    return MclpResult(
        new_sites=new_sites,
        open_sites=open_sites,
        covered=covered,
        covered_weight=float(w[covered].sum()),
        total_weight=float(w.sum()),
    )


def p_median(
    cost: npt.ArrayLike, weights: npt.ArrayLike, p: int, fixed: Sequence[int] = (), solver: pulp.LpSolver | None = None
) -> PMedianResult:
    """
    Choose `p` new sites that minimise the weighted travel time (p-median).

    Hakimi's p-median problem: every demand point is served by its nearest
    open site; minimise the weight-times-cost sum, opening `p` sites besides
    the `fixed` ones. Only assignments cheaper than the nearest fixed site
    get a variable, since nothing else can be optimal, which leaves few
    variables once the existing stations are in.

    Parameters
    ----------
    cost
        Travel time (or distance) ``(n_demand, n_candidates)``, ``np.inf``
        where the candidate cannot reach the demand point.
    weights, p, fixed, solver
        As in :func:`mclp`.

    Returns
    -------
    PMedianResult
        Demand points that no candidate reaches are left out of the model and
        get assignment ``-1``.

    Raises
    ------
    ValueError
        If the inputs do not fit together, or no site would be open.
    RuntimeError
        If no choice of `p` sites reaches all reachable demand, or the solver
        does not reach an optimal solution.
    """
    c = np.asarray(cost, dtype=float)
    if c.ndim != 2:
        raise ValueError("cost must be a (n_demand, n_candidates) matrix")
    n_demand, n_candidates = c.shape
    w, fixed_idx, free_idx = _check_sites(n_candidates, weights, n_demand, p, fixed)
    if p + fixed_idx.size == 0:
        raise ValueError("p-median needs at least one open site (p > 0 or fixed)")
    fixed_cost = c[:, fixed_idx].min(axis=1, initial=np.inf)
    c_free = c[:, free_idx]
    useful = (c_free < fixed_cost[:, None]) & (w[:, None] > 0)

    new_sites = np.empty(0, dtype=np.int64)
    if p > 0:
        model = pulp.LpProblem("p_median", pulp.LpMinimize)
        x = _site_variables(model, free_idx)
        demand_rows, site_cols = np.nonzero(useful)
        z = [model.add_variable(f"z_{i}_{j}", 0, 1) for i, j in zip(demand_rows, site_cols)]
        # z_fixed[i] = 1 keeps demand i at its nearest fixed site.
        fixed_ok = np.isfinite(fixed_cost) & (w > 0)
        z_fixed = {int(i): model.add_variable(f"f_{i}", 0, 1) for i in np.flatnonzero(fixed_ok)}
        model += pulp.lpSum(w[i] * c_free[i, j] * zij for i, j, zij in zip(demand_rows, site_cols, z)) + pulp.lpSum(
            w[i] * fixed_cost[i] * zi for i, zi in z_fixed.items()
        )
        assign: dict[int, list[pulp.LpVariable]] = {i: [zi] for i, zi in z_fixed.items()}
        for i, j, zij in zip(demand_rows, site_cols, z):
            assign.setdefault(int(i), []).append(zij)
            model += zij <= x[int(free_idx[j])]
        for demand, options in assign.items():
            model += pulp.lpSum(options) == 1, f"assign_{demand}"
        new_sites = _solve_sites(model, x, p, solver)
    open_sites = np.union1d(fixed_idx, new_sites)
    open_cost = c[:, open_sites]
    reachable = np.isfinite(open_cost).any(axis=1)
    if np.any(np.isfinite(c).any(axis=1) & ~reachable & (w > 0)):
        raise RuntimeError("the open sites leave reachable demand unserved")
    nearest = open_cost.argmin(axis=1)
    assignment = np.where(reachable, open_sites[nearest], -1)
    total = float(np.sum(w[reachable] * open_cost[reachable, nearest[reachable]]))
    served = float(w[reachable].sum())
    return PMedianResult(
        new_sites=new_sites,
        open_sites=open_sites,
        assignment=assignment,
        total_cost=total,
        mean_cost=total / served if served else float("nan"),
    )
