"""Population per desa, estimated from kecamatan and kabupaten figures.

BPS publishes population by kecamatan, but the figures found for Kab.
Mojokerto cover only some kecamatan, and desa figures are almost absent
(see docs/coverage.md, "Population"). Coverage needs a population per desa,
so this module spreads the published totals over desa in proportion to a
weight that follows where people live (settlement road nodes, road length).
Each estimate carries its basis and method, and published desa figures
always win over estimates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]

#: Basis codes of `PopulationSpread.basis`.
BASIS_DESA = "published"
BASIS_KECAMATAN = "kecamatan"
BASIS_REMAINDER = "kabupaten_remainder"


@dataclass(frozen=True)
class PopulationSpread:
    """
    Population per desa with how each figure was obtained.

    Attributes
    ----------
    population
        Persons per desa (fractional: an estimate, not a count).
    basis
        Per desa: ``"published"`` (published desa figure), ``"kecamatan"`` (the
        desa's kecamatan figure spread by weight) or ``"kabupaten_remainder"``
        (kabupaten total less the published kecamatan, spread by weight).
    method
        Per desa: a sentence saying how the figure was made, to store beside it.
    """

    population: FloatArray
    basis: StrArray
    method: StrArray


def spread_population(
    kecamatan_of_desa: npt.ArrayLike,
    kecamatan_population: npt.ArrayLike,
    kabupaten_total: float,
    desa_weight: npt.ArrayLike,
    desa_population: npt.ArrayLike | None = None,
    weight_name: str = "weight",
    kecamatan_hint: npt.ArrayLike | None = None,
) -> PopulationSpread:
    """
    Spread kecamatan and kabupaten population totals over desa by weight.

    Method: a desa with a published figure keeps it. In a kecamatan with a
    published figure, what remains after its published desa is spread over
    its other desa in proportion to `desa_weight`. The kecamatan without a
    figure form one pool: the kabupaten total less all published kecamatan
    figures (and less published desa inside the pool) is spread over the
    pool's other desa in proportion to `desa_weight`. A pool whose weights
    are all zero is split equally. Every control total is thus kept exactly,
    and loading real desa figures later only replaces estimates.

    Parameters
    ----------
    kecamatan_of_desa
        Kecamatan index per desa, into `kecamatan_population`.
    kecamatan_population
        Published population per kecamatan, ``NaN`` where unpublished.
    kabupaten_total
        Published kabupaten population, of the same year as the kecamatan figures.
    desa_weight
        Non-negative weight per desa, e.g. its settlement road nodes or road length.
    desa_population
        Published population per desa, ``NaN`` where unknown; ``None`` if none.
    weight_name
        What the weight is, for the method text (e.g. ``"settlement road nodes"``).
    kecamatan_hint
        Unofficial figures per kecamatan (``NaN`` where none), e.g. undated encyclopaedia figures. When
        given, the remainder is first split among the unpublished kecamatan in proportion to their hint
        (a kecamatan without one gets its weight times the persons per weight of the hinted ones), and each
        kecamatan's part is then spread over its desa by weight. Without hints a kecamatan's share of the
        remainder follows its weight alone, which over-counts large rural kecamatan with many roads.

    Returns
    -------
    PopulationSpread

    Raises
    ------
    ValueError
        If the arrays do not fit together, or published desa figures exceed
        the total they belong to while desa remain to be estimated.
    """
    kec = np.asarray(kecamatan_of_desa, dtype=np.int64)
    kec_pop = np.asarray(kecamatan_population, dtype=float)
    weight = np.asarray(desa_weight, dtype=float)
    desa_pop = np.full(kec.shape, np.nan) if desa_population is None else np.asarray(desa_population, float)
    n_kec = kec_pop.size
    if not kec.shape == weight.shape == desa_pop.shape or kec.ndim != 1:
        raise ValueError("kecamatan_of_desa, desa_weight and desa_population must align")
    if kec.size and (kec.min() < 0 or kec.max() >= n_kec):
        raise ValueError("kecamatan_of_desa refers to a kecamatan beyond kecamatan_population")
    if np.any(weight < 0) or np.any(kec_pop < 0) or np.any(desa_pop < 0):
        raise ValueError("weights and populations must be non-negative")

    # Pools 0..n_kec-1 are the published kecamatan; pool n_kec is the remainder.
    published_kec = np.isfinite(kec_pop)
    remainder = kabupaten_total - kec_pop[published_kec].sum()
    kec_target = np.where(published_kec, kec_pop, 0.0)
    if kecamatan_hint is not None:
        kec_target = np.where(
            published_kec,
            kec_pop,
            _split_by_hint(
                remainder,
                np.asarray(kecamatan_hint, float),
                ~published_kec,
                np.bincount(kec, weights=weight, minlength=n_kec).astype(np.float64),
            ),
        )
        published_kec = np.ones(n_kec, dtype=bool)  # every kecamatan now has its own target
        remainder = 0.0
    from_remainder = ~np.isfinite(kec_pop)
    pool = np.where(published_kec[kec], kec, n_kec)
    target = np.append(kec_target, remainder)
    known = np.isfinite(desa_pop)
    left = target - np.bincount(pool[known], weights=desa_pop[known], minlength=n_kec + 1)
    estimated = ~known
    pool_weight = np.bincount(pool[estimated], weights=weight[estimated], minlength=n_kec + 1)
    pool_size = np.bincount(pool[estimated], minlength=n_kec + 1)
    if np.any((left < 0) & (pool_size > 0)):
        bad = np.flatnonzero((left < 0) & (pool_size > 0))
        raise ValueError(f"published desa figures exceed their total in pools {bad.tolist()}")

    by_weight = pool_weight[pool] > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(by_weight, weight / pool_weight[pool], 1.0 / pool_size[pool])
    population = np.where(known, desa_pop, left[pool] * share)

    in_remainder = from_remainder[kec]
    basis = np.where(known, BASIS_DESA, np.where(in_remainder, BASIS_REMAINDER, BASIS_KECAMATAN))
    spread = np.where(by_weight, f"in proportion to {weight_name}", f"equally (no {weight_name})")
    if kecamatan_hint is not None:
        spread = np.char.add(
            f"split among those kecamatan by their unofficial figures (else {weight_name} density), then over desa ",
            spread,
        )
    method = np.where(
        known,
        "published desa figure",
        np.where(
            in_remainder,
            np.char.add(
                "kabupaten total less published kecamatan and desa figures, spread over "
                "the desa of unpublished kecamatan ",
                spread,
            ),
            np.char.add("kecamatan figure less published desa figures, spread over its other desa ", spread),
        ),
    )
    return PopulationSpread(population=population, basis=basis, method=method)


def _split_by_hint(
    total: float, hint: FloatArray, unpublished: npt.NDArray[np.bool_], kec_weight: FloatArray
) -> FloatArray:
    """Split ``total`` among the unpublished kecamatan by hint, or by weight at the hinted persons per weight."""
    hinted = unpublished & np.isfinite(hint)
    hinted_weight = kec_weight[hinted].sum()
    density = hint[hinted].sum() / hinted_weight if hinted_weight > 0 else 1.0
    raw = np.where(unpublished, np.where(hinted, hint, kec_weight * density), 0.0)
    return total * raw / raw.sum() if raw.sum() > 0 else np.where(unpublished, total / max(unpublished.sum(), 1), 0.0)


def round_within_groups(values: npt.ArrayLike, group: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """
    Round non-negative values to integers keeping each group's rounded total.

    Estimates are fractional but the database stores persons as integers;
    plain rounding would break the control totals by a few persons. The
    largest-remainder method (Hamilton) floors every value and gives the
    missing units of each group to its largest fractional parts.

    Parameters
    ----------
    values
        Non-negative numbers.
    group
        Group index per value (e.g. the pool a population estimate came from).

    Returns
    -------
    numpy.ndarray
        Integers, summing per group to the group total rounded to an integer.
    """
    x = np.asarray(values, dtype=float)
    g = np.asarray(group, dtype=np.int64)
    if x.shape != g.shape or x.ndim != 1:
        raise ValueError("values and group must be 1-d arrays of equal length")
    if np.any(x < 0) or not np.all(np.isfinite(x)):
        raise ValueError("values must be finite and non-negative")
    floor = np.floor(x)
    n_groups = int(g.max()) + 1 if g.size else 0
    missing = np.rint(np.bincount(g, weights=x, minlength=n_groups)) - np.bincount(g, weights=floor, minlength=n_groups)
    # Rank values within their group by fractional part, largest first.
    order = np.lexsort((-(x - floor), g))
    start = np.searchsorted(g[order], np.arange(n_groups))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size) - start[g[order]]
    return np.asarray(floor + (rank < missing[g]), dtype=np.int64)
