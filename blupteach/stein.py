r"""The James–Stein estimator: shrink k means toward their grand mean, with the noise known.

Model
-----
.. math::

    x_i = \theta_i + \varepsilon_i, \qquad \varepsilon_i \stackrel{iid}{\sim} N(0, \sigma^2),
    \qquad i = 1, \dots, k,

with the :math:`\theta_i` **fixed** (no distribution is assumed for them) and
:math:`\sigma^2` known.  The raw estimate of :math:`\theta_i` is :math:`x_i`; its total
squared error :math:`\sum_i (x_i - \theta_i)^2` has expectation :math:`k\sigma^2` whatever
the :math:`\theta_i` are.  The positive-part James–Stein estimator toward the grand mean

.. math::

    \hat\theta_i^{JS} = \bar x + c\,(x_i - \bar x), \qquad
    c = \max\!\Big(0,\; 1 - \frac{(k - 3)\,\sigma^2}{\sum_j (x_j - \bar x)^2}\Big),

has a smaller expected total squared error than the raw means for **every** fixed
:math:`\theta` once :math:`k \ge 4` (Stein 1956; James and Stein 1961; Baranchik 1964 for the
positive part).  Shrinking toward a point fixed in advance instead of :math:`\bar x` uses
:math:`k - 2` and needs :math:`k \ge 3`; estimating the grand mean costs one dimension.

=====================  ===============  ============================================
symbol                 argument         meaning
=====================  ===============  ============================================
:math:`x_i`            ``x``            the k observed means (last axis; rows = data sets)
:math:`\sigma^2`       ``sigma2``       known noise variance of each :math:`x_i`
:math:`c`              (returned)       :func:`stein_factor`, the weight on :math:`x_i - \bar x`
:math:`\theta_i`       ``theta``        the fixed true means, :func:`stein_risk`
=====================  ===============  ============================================

Compared with lesson 02's BLUP at REML estimates (balanced, n readings a group): there
:math:`w = 1 - (k - 1)\,\hat\sigma_\varepsilon^2 / (n \sum_j (\bar y_j - \bar y)^2)` (floored at
0), the same shape with :math:`k - 1` where James–Stein has :math:`k - 3`, and the noise
*estimated* rather than known.  Used in lesson 02 (baseball, Stein's paradox).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import as_float_array, check_variance, check_whole
from .simulate import simulate_fixed_means

__all__ = ["stein_factor", "james_stein", "SteinRisk", "stein_risk"]


def _means(x, name: str = "x") -> np.ndarray:
    x = as_float_array(x, name)
    if x.ndim not in (1, 2) or x.shape[-1] < 3:
        raise ValueError(f"{name} must hold k >= 3 means on its last axis (1-D, or 2-D with one data set a row); "
                         f"got shape {x.shape}")
    return x


def stein_factor(x, sigma2) -> np.ndarray | float:
    r"""The positive-part James–Stein factor :math:`c = \max(0, 1 - (k-3)\sigma^2 / \sum_j (x_j - \bar x)^2)`.

    Parameters
    ----------
    x : array_like, shape (k,) or (reps, k)
        The k observed means; a 2-D array holds one data set a row.  k >= 3.
    sigma2 : float
        :math:`\sigma^2 > 0`, the known noise variance of each :math:`x_i`.

    Returns
    -------
    float or ndarray (reps,)
        :math:`c \in [0, 1)`; 0 when the spread of the :math:`x_i` is at most :math:`(k-3)\sigma^2`.

    Raises
    ------
    ValueError
        If ``x`` has NaN/inf, text, fewer than 3 means or more than 2 dimensions, or ``sigma2 <= 0``.

    Examples
    --------
    >>> float(stein_factor([1.0, 2.0, 3.0, 6.0], 1.0))   # S = 4 + 1 + 0 + 9 = 14: c = 1 - 1/14
    0.9285714285714286
    """
    x = _means(x)
    sigma2 = check_variance(sigma2, "sigma2", positive=True)
    if np.ndim(sigma2) != 0:
        raise ValueError(f"sigma2 must be a single number; got shape {np.shape(sigma2)}")
    sigma2 = float(sigma2)
    k = x.shape[-1]
    S = np.sum((x - x.mean(axis=-1, keepdims=True)) ** 2, axis=-1)
    with np.errstate(divide="ignore"):
        c = np.where(S > 0, 1.0 - (k - 3) * sigma2 / np.where(S > 0, S, 1.0), 0.0)
    c = np.maximum(c, 0.0)
    return float(c) if c.ndim == 0 else c


def james_stein(x, sigma2) -> np.ndarray:
    r"""The positive-part James–Stein estimates :math:`\bar x + c\,(x_i - \bar x)` toward the grand mean.

    .. math::

        \hat\theta_i^{JS} = \bar x + \Big(1 - \frac{(k-3)\sigma^2}{\sum_j (x_j - \bar x)^2}\Big)_+ (x_i - \bar x),

    :math:`\sigma^2` known, :math:`(\cdot)_+ = \max(0, \cdot)`.

    Parameters
    ----------
    x : array_like, shape (k,) or (reps, k)
        The k observed means (one data set a row when 2-D), k >= 3.
    sigma2 : float
        Known noise variance :math:`\sigma^2 > 0` of each mean (for a mean of n readings, σ_ε²/n).

    Returns
    -------
    ndarray, the shape of ``x``

    Examples
    --------
    >>> james_stein([1.0, 2.0, 3.0, 6.0], 1.0) * 14    # 3 + (13/14)(-2, -1, 0, 3), times 14
    array([16., 29., 42., 81.])

    Notes
    -----
    c = 1 (no shrinkage) at k = 3; c → 1 as the spread of the x_i grows (wide spread: little
    shrinkage); c = 0 (every estimate the grand mean, complete pooling) when the spread is at
    most (k − 3)σ².  Lesson 02.
    """
    x = _means(x)
    c = np.asarray(stein_factor(x, sigma2))
    xbar = x.mean(axis=-1, keepdims=True)
    return xbar + c[..., None] * (x - xbar) if x.ndim == 2 else xbar + c * (x - xbar)


@dataclass(frozen=True)
class SteinRisk:
    r"""Mean total squared error :math:`\sum_i (\hat\theta_i - \theta_i)^2` over simulated data sets.

    Attributes
    ----------
    raw, james_stein : float
        Mean over the replicates for the raw means and for :func:`james_stein` (raw → kσ²).
    gain_se : float
        Standard error of the mean paired difference raw − James–Stein (same data sets).
    reps : int
    """

    raw: float
    james_stein: float
    gain_se: float
    reps: int

    @property
    def gain(self) -> float:
        """raw − james_stein: how much total squared error James–Stein saves on average."""
        return self.raw - self.james_stein


def stein_risk(theta, sigma2, *, reps: int, seed) -> SteinRisk:
    r"""Total squared error of the raw means and of James–Stein, at fixed true means ``theta``.

    Draws ``reps`` data sets :math:`x = \theta + \sigma z` (:func:`blupteach.simulate.simulate_fixed_means`)
    and scores both estimators against the same :math:`\theta` on the same data sets.

    Parameters
    ----------
    theta : array_like (k,)
        The fixed true means, k >= 3.
    sigma2 : float
        Known noise variance :math:`\sigma^2 > 0`.
    reps : int
        Number of simulated data sets.
    seed : int or numpy.random.Generator
        Required.

    Returns
    -------
    SteinRisk

    Examples
    --------
    >>> r = stein_risk([0.0, 0.0, 0.0, 0.0, 0.0], 1.0, reps=4000, seed=1)
    >>> round(r.raw), r.james_stein < r.raw      # raw: k * sigma2 = 5 on average
    (5, True)
    """
    theta = _means(theta, "theta")
    if theta.ndim != 1:
        raise ValueError(f"theta must be 1-D (the k true means); got shape {theta.shape}")
    reps = check_whole(reps, "reps", 2)
    X = simulate_fixed_means(theta, sigma2, reps=reps, seed=seed)
    raw = np.sum((X - theta) ** 2, axis=1)
    js = np.sum((james_stein(X, sigma2) - theta) ** 2, axis=1)
    d = raw - js
    return SteinRisk(raw=float(raw.mean()), james_stein=float(js.mean()),
                     gain_se=float(d.std(ddof=1) / np.sqrt(reps)), reps=reps)
