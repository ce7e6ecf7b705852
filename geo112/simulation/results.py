"""What replications say: figures per unit type and priority, 95 % confidence intervals across
replications, the paired difference of two policies run on the same seeds, and the analytic queue the
simulator is validated against (Erlang C).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from geo112.simulation.model import Run

#: Figures per (unit type, priority): share late, response seconds (mean, median, p90), share that waited
#: for a unit, share answered by mutual aid, and how many requests.
FIGURES = ("late", "mean_s", "median_s", "p90_s", "waited", "mutual_aid", "requests")
ALL = 0  # the priority key of the row over every priority


@dataclass(frozen=True)
class Interval:
    """A mean across replications and its 95 % confidence interval (Student t; NaN with one replication)."""

    mean: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Interval:
        """The mean and 95 % interval of per-replication values (NaN values are left out)."""
        x = np.asarray([v for v in values if not math.isnan(v)], dtype=float)
        if x.size == 0:
            return cls(math.nan, math.nan, math.nan)
        mean = float(x.mean())
        if x.size < 2:
            return cls(mean, math.nan, math.nan)
        half = float(stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
        return cls(mean, mean - half, mean + half)

    @property
    def half_width(self) -> float:
        """Half the interval's width."""
        return (self.high - self.low) / 2.0


def figures(run: Run, kind: int, priority: int = ALL) -> dict[str, float]:
    """One replication's figures for a unit type and priority (:data:`ALL`: every priority)."""
    rows = run.needed[:, kind] & ((run.priority == priority) if priority != ALL else True)
    response = run.response_s[rows, kind]
    if not response.size:
        return dict.fromkeys(FIGURES, math.nan) | {"requests": 0.0}
    return {
        "late": float(run.late[rows, kind].mean()),
        "mean_s": float(response.mean()),
        "median_s": float(np.median(response)),
        "p90_s": float(np.percentile(response, 90)),
        "waited": float(run.waited[rows, kind].mean()),
        "mutual_aid": float(run.mutual_aid[rows, kind].mean()),
        "requests": float(rows.sum()),
    }


def late_share(run: Run) -> float:
    """Share of all requests (every type and priority) answered late."""
    return float(run.late[run.needed].mean()) if run.needed.any() else math.nan


def utilisation(run: Run, unit_type: np.ndarray, kind: int, engaged: bool = False) -> float:
    """Share of the period the type's units were away from idle (``engaged``: sent until leaving the scene,
    the incident history's busy fraction)."""
    units = unit_type == kind
    seconds = run.engaged_s if engaged else run.busy_s
    return float(seconds[units].sum() / (units.sum() * run.horizon_s)) if units.any() else math.nan


def coverage(run: Run, kind: int, percentile: float | None = None) -> float:
    """Mean share of the population an idle unit of the type covers, over the calls (a time average, as calls
    are Poisson), or a percentile of it (10: the level coverage is below a tenth of the time)."""
    if run.coverage is None:
        return math.nan
    seen = run.coverage[:, kind]
    seen = seen[np.isfinite(seen)]
    if not seen.size:
        return math.nan
    return float(seen.mean() if percentile is None else np.percentile(seen, percentile))


@dataclass(frozen=True)
class Row:
    """Figures of one unit type and priority across replications."""

    unit_type: str
    priority: int
    figures: dict[str, Interval]


def table(runs: Sequence[Run], types: Sequence[str], unit_type: np.ndarray) -> list[Row]:
    """Figures per unit type (every priority, then each) with intervals; utilisation on the ALL rows."""
    rows = []
    priorities = sorted({int(p) for run in runs for p in np.unique(run.priority)})
    for kind, code in enumerate(types):
        for priority in [ALL, *priorities]:
            per_run = [figures(run, kind, priority) for run in runs]
            if not any(f["requests"] for f in per_run):
                continue
            values = {name: Interval.of([f[name] for f in per_run]) for name in FIGURES}
            if priority == ALL:
                values["utilisation"] = Interval.of([utilisation(run, unit_type, kind) for run in runs])
                if all(run.coverage is not None and np.isfinite(run.coverage[:, kind]).any() for run in runs):
                    values["coverage"] = Interval.of([coverage(run, kind) for run in runs])
                    values["coverage_p10"] = Interval.of([coverage(run, kind, 10) for run in runs])
            rows.append(Row(code, priority, values))
    return rows


@dataclass(frozen=True)
class Comparison:
    """Share late of two policies on the same seeds, and their paired difference (b − a)."""

    a: Interval
    b: Interval
    difference: Interval

    @property
    def relative(self) -> float:
        """The difference as a share of policy a's late arrivals (−0.1: b has 10 % fewer)."""
        return self.difference.mean / self.a.mean if self.a.mean else math.nan


def compare(runs_a: Sequence[Run], runs_b: Sequence[Run]) -> Comparison:
    """Paired comparison of the share of late arrivals over all requests (replication i of each on seed i)."""
    a = [late_share(r) for r in runs_a]
    b = [late_share(r) for r in runs_b]
    return Comparison(Interval.of(a), Interval.of(b), Interval.of([y - x for x, y in zip(a, b, strict=True)]))


def erlang_c(servers: int, arrival_rate: float, service_rate: float) -> tuple[float, float]:
    """Probability of waiting and mean wait in an M/M/c queue (Erlang C).

    Parameters
    ----------
    servers
        c.
    arrival_rate, service_rate
        λ and μ (per second, or any one unit of time).

    Returns
    -------
    tuple of float
        P(wait > 0) and E[wait] (in the unit of the rates' inverse).

    Raises
    ------
    ValueError
        When the queue is unstable (λ ≥ cμ).
    """
    a = arrival_rate / service_rate
    if a >= servers:
        raise ValueError(f"unstable queue: offered load {a:.3f} >= {servers} servers")
    terms = sum(a**k / math.factorial(k) for k in range(servers))
    top = a**servers / math.factorial(servers) * servers / (servers - a)
    p_wait = top / (terms + top)
    return p_wait, p_wait / (servers * service_rate - arrival_rate)
