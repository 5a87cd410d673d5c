r"""Empirical-Bayes rates for maps of small counts: each area's rate shrunk toward the map's.

Area :math:`i` has :math:`y_i` cases among a population :math:`n_i`; its raw rate is
:math:`r_i = y_i/n_i`.  Its true rate :math:`\theta_i` is drawn from a prior with mean
:math:`m` and variance :math:`a` (the between-area variance), and
:math:`y_i \mid \theta_i \sim \text{Poisson}(n_i\theta_i)`, so :math:`r_i` has noise variance
about :math:`m/n_i`.  This is lesson 02's model with

=====================  =============  ============================================
symbol                 argument       meaning
=====================  =============  ============================================
:math:`y_i`            ``counts``     cases in area i (whole numbers >= 0)
:math:`n_i`            ``population`` population at risk in area i (> 0)
:math:`m`              ``.m``         prior mean rate :math:`\sum y/\sum n` (the map's rate)
:math:`a`              ``.a``         between-area variance of the true rates (σ_b²)
:math:`m/n_i`                         noise variance of :math:`r_i` (σ_ε²/n with σ_ε² = m)
:math:`C_i`            ``weight``     :math:`a/(a + m/n_i)` = ``shrinkage_weight(n_i, a, m)``
=====================  =============  ============================================

and the empirical-Bayes rate is the partial-pooling prediction
:math:`\hat\theta_i = m + C_i\,(r_i - m)`.

Marshall's (1991) global estimator (``method="marshall"``, spdep's ``EBest``):
:math:`s^2 = \sum_i n_i (r_i - m)^2/\sum_i n_i`,
:math:`a = \max\{0,\ s^2 - m/\bar n\}` with :math:`\bar n` the mean population.
Its binomial variant (``method="binomial"``, Martuzzi & Elliott 1996,
``EBest(..., family = "binomial")``) replaces the Poisson variance :math:`m` by the binomial
:math:`m(1-m)`: :math:`a = s^2 - m(1-m)/\bar n` and
:math:`C_i = a / (a + (m(1-m) - s^2)/n_i)`.

Intervals (``level``): for ``"marshall"`` the exact Poisson–gamma posterior — a gamma prior
with mean :math:`m` and variance :math:`a` (shape :math:`m^2/a`, rate :math:`m/a`) updated by
the counts is :math:`\text{Gamma}(m^2/a + y_i,\ m/a + n_i)`, whose mean is exactly
:math:`\hat\theta_i`; for ``"binomial"`` the normal interval
:math:`\hat\theta_i \pm z\sqrt{(1 - C_i)\,a}` (lesson 05's conditional variance), cut at 0.

Used by lesson 08 (risk maps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._validation import as_float_array, check_choice, check_level
from .oneway import conditional_variance, shrinkage_weight

__all__ = ["EBRates", "eb_rates"]

METHODS = ("marshall", "binomial")


@dataclass(frozen=True, repr=False)
class EBRates:
    """Empirical-Bayes rates of a map (:func:`eb_rates`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per area (index: the area names): ``count``, ``population``, ``rate``
        (raw :math:`r_i`), ``weight`` (:math:`C_i`), ``eb_rate`` (:math:`\\hat\\theta_i`),
        ``lower``, ``upper`` (the interval at ``level``).
    m : float
        Prior mean rate, :math:`\\sum y/\\sum n`.
    a : float
        Between-area variance of the true rates (0 when the raw rates vary no more than
        counting noise explains: then every area gets the map's rate).
    method : str
    level : float
    """

    table: pd.DataFrame
    m: float
    a: float
    method: str
    level: float

    def __repr__(self) -> str:
        t = self.table
        return (f"EBRates({len(t)} areas, method={self.method!r}): m = {self.m:.6g}, a = {self.a:.6g}; "
                f"raw rates {t['rate'].min():.4g}..{t['rate'].max():.4g}, "
                f"smoothed {t['eb_rate'].min():.4g}..{t['eb_rate'].max():.4g}")


def eb_rates(counts, population, *, method: str = "marshall", level: float = 0.95, names=None) -> EBRates:
    r"""Return each area's empirical-Bayes rate, its weight and interval, with the prior's m and a.

    .. math:: \hat\theta_i = m + C_i\,(r_i - m), \qquad C_i = \frac{a}{a + m/n_i}
              \quad(\text{Poisson; binomial: } m/n_i \to (m(1-m) - s^2)/n_i)

    Parameters
    ----------
    counts : array-like of shape (areas,)
        Cases :math:`y_i` per area: whole numbers, 0 <= count <= population.
    population : array-like of shape (areas,)
        Population at risk :math:`n_i` per area, > 0.
    method : {"marshall", "binomial"}, keyword-only
        Marshall's Poisson estimator of :math:`a` (spdep ``EBest``) or its binomial variant.
    level : float, keyword-only
        Interval level, strictly between 0 and 1.
    names : array-like of shape (areas,), optional
        Area names for the table's index and the error messages; default the index of
        ``counts`` if it is a pandas Series, else 0..areas−1.

    Returns
    -------
    EBRates
        ``.table`` (per area: count, population, rate, weight, eb_rate, lower, upper),
        ``.m``, ``.a``.

    Raises
    ------
    ValueError
        Counts negative, not whole, NaN, or above the population; a population <= 0;
        lengths that differ; fewer than two areas; an unknown ``method``.

    Examples
    --------
    >>> r = eb_rates([0, 3, 6], [1000, 1000, 1000])
    >>> round(r.m, 4), round(r.a, 7)                 # s² = 6e-6, m/n̄ = 3e-6
    (0.003, 3e-06)
    >>> r.table["weight"].round(2).tolist()          # a/(a + m/n) = 3e-6/(3e-6 + 3e-6)
    [0.5, 0.5, 0.5]
    >>> r.table["eb_rate"].round(4).tolist()
    [0.0015, 0.003, 0.0045]

    Notes
    -----
    With :math:`a = 0` (Marshall's estimate truncated at 0) every area is given the map's
    rate and a zero-width interval: the data show no variation beyond counting noise.
    Where spdep's binomial variant would give a negative weight (:math:`a < 0`), the weight
    here is 0, as in the Poisson case.
    """
    method = check_choice(method, "method", METHODS)
    level = check_level(level)
    if names is None and isinstance(counts, pd.Series):
        names = counts.index
    y = as_float_array(counts, "counts", ndim=1)
    n = as_float_array(population, "population", ndim=1)
    if n.size != y.size:
        raise ValueError(f"population must have {y.size} entries to match counts; got {n.size}")
    names = pd.Index(range(y.size) if names is None else list(names), name="area")
    if names.size != y.size:
        raise ValueError(f"names must have {y.size} entries to match counts; got {names.size}")
    _check_areas(y, n, names)

    m = y.sum() / n.sum()
    r = y / n
    s2 = np.sum(n * (r - m) ** 2) / n.sum()
    v = m if method == "marshall" else m * (1.0 - m)      # per-person variance of a count
    a = max(0.0, s2 - v / n.mean())
    noise = v if method == "marshall" else max(v - s2, np.finfo(float).tiny)   # σ_ε² of the rate
    weight = shrinkage_weight(n, a, noise) if a > 0 else np.zeros_like(n)
    eb = m + weight * (r - m)
    lower, upper = _interval(y, n, eb, m, a, noise, method, level)
    table = pd.DataFrame({"count": y, "population": n, "rate": r, "weight": weight, "eb_rate": eb,
                          "lower": lower, "upper": upper}, index=names)
    return EBRates(table=table, m=float(m), a=float(a), method=method, level=level)


def _check_areas(y, n, names) -> None:
    """Counts whole and >= 0, population > 0, count <= population; errors name the first area."""
    def first(mask) -> str:
        i = int(np.flatnonzero(mask)[0])
        return f"area {names[i]!r} (row {i})" + (f" and {int(mask.sum()) - 1} more" if mask.sum() > 1 else "")

    if (y < 0).any():
        raise ValueError(f"counts must be >= 0; {first(y < 0)} has {y[y < 0][0]:g}")
    if (y != np.round(y)).any():
        bad = y != np.round(y)
        raise ValueError(f"counts must be whole numbers (cases); {first(bad)} has {y[bad][0]:g}")
    if (n <= 0).any():
        raise ValueError(f"population must be > 0 (people at risk); {first(n <= 0)} has {n[n <= 0][0]:g}")
    if (y > n).any():
        bad = y > n
        raise ValueError(f"counts must not exceed population; {first(bad)} has {y[bad][0]:g} cases "
                         f"in a population of {n[bad][0]:g}")
    if y.size < 2:
        raise ValueError("counts must cover at least 2 areas: the prior is estimated from the map")


def _interval(y, n, eb, m, a, noise, method, level):
    """Lower and upper limits at ``level``: Poisson–gamma posterior, or normal with (1 − C)a."""
    tail = (1.0 - level) / 2.0
    if a == 0.0:
        return eb.copy(), eb.copy()
    if method == "marshall":
        post = stats.gamma(m * m / a + y, scale=1.0 / (m / a + n))
        return post.ppf(tail), post.ppf(1.0 - tail)
    # normal interval: Var(theta_i | data) = (1 - C_i) a, lesson 05's conditional variance
    half = stats.norm.ppf(1.0 - tail) * np.sqrt(conditional_variance(n, a, noise))
    return np.maximum(eb - half, 0.0), eb + half
