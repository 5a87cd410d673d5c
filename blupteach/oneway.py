r"""The one-way random-effects model, in closed form.

Model
-----
.. math::

    y_{ij} = \mu + b_i + \varepsilon_{ij}, \qquad
    b_i \sim N(0, \sigma_b^2), \quad \varepsilon_{ij} \sim N(0, \sigma_\varepsilon^2),

for groups (individuals) ``i = 1..g`` with ``n_i`` observations each.

======================  ==============  =============================================
symbol                  argument        meaning
======================  ==============  =============================================
:math:`n_i`             ``n``           observations in group i
:math:`\sigma_b^2`      ``sigma_b2``    between-group variance (the "signal")
:math:`\sigma_\varepsilon^2` ``sigma_e2`` within-group noise variance
:math:`w_i`             ``w``           shrinkage weight on the group's own mean
:math:`\bar y_i`        ``group_means`` the group's raw mean (no pooling)
:math:`\mu`, :math:`\hat\mu`  ``mu``    population mean; its GLS estimate
:math:`\hat b_i`        ``blup``        predicted deviation of group i from the mean
======================  ==============  =============================================

The BLUP of the group's deviation is :math:`\hat b_i = w_i(\bar y_i - \hat\mu)` and
the partial-pooling prediction of the group's mean is the weighted average
:math:`\hat\mu + \hat b_i = w_i \bar y_i + (1 - w_i)\hat\mu` (lessons 01 and 02).

The fit (:func:`fit_oneway`, in :mod:`blupteach.oneway_fit`) reduces the data once to sufficient statistics
(``n_i``, ``ȳ_i``, the pooled within-group sum of squares), then maximises the
(restricted) likelihood profiled over the single ratio γ = σ_b²/σ_ε²: every step
costs O(groups), not O(observations).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import as_float_array, check_broadcast, check_counts, check_same_length, check_variance

__all__ = [
    "shrinkage_weight",
    "blup",
    "partial_pooling",
    "gls_mean",
    "OnewayStats",
    "oneway_stats",
    "oneway_loglik",
    "OnewayFit",
    "fit_oneway",
]

_LOG2PI = np.log(2 * np.pi)


# ---------------------------------------------------------------------------
# closed forms with known variances
# ---------------------------------------------------------------------------
def shrinkage_weight(n, sigma_b2, sigma_e2):
    r"""Return the shrinkage weight :math:`w = n\sigma_b^2 / (n\sigma_b^2 + \sigma_\varepsilon^2)`.

    The weight the BLUP puts on a group's own mean; ``1 - w`` goes to the
    population mean.  It *increases* with n and with σ_b²/σ_ε² and saturates
    at 1 (it is not proportional to the signal-to-noise ratio).

    Parameters
    ----------
    n : int or array_like of int, >= 0
        Observations in the group (:math:`n`).
    sigma_b2 : float or array_like, >= 0
        Between-group variance (:math:`\sigma_b^2`).
    sigma_e2 : float or array_like, >= 0
        Noise variance (:math:`\sigma_\varepsilon^2`).

    Returns
    -------
    w : float or ndarray
        Broadcast shape of the inputs; values in [0, 1].

    Raises
    ------
    ValueError
        Negative, NaN or non-integer ``n``; negative or NaN variances; or
        ``sigma_b2 = sigma_e2 = 0`` (the weight is then undefined).

    Examples
    --------
    >>> shrinkage_weight(2, 1.0, 4.0)     # 2·1 / (2·1 + 4)
    0.3333333333333333
    >>> shrinkage_weight(20, 1.0, 4.0)    # 20 / 24
    0.8333333333333334

    Notes
    -----
    Edge cases: ``n = 0`` gives w = 0 (a group never observed is predicted at
    the mean); ``sigma_b2 = 0`` gives w = 0 (complete pooling);
    ``sigma_e2 = 0`` with n > 0 gives w = 1 (no pooling).  As n → ∞, w → 1.
    Used in lesson 02.
    """
    n = check_counts(n, "n")
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    sigma_e2 = check_variance(sigma_e2, "sigma_e2")
    check_broadcast(n=n, sigma_b2=sigma_b2, sigma_e2=sigma_e2)
    both_zero = (np.asarray(sigma_b2) == 0) & (np.asarray(sigma_e2) == 0)
    if np.any(both_zero):
        raise ValueError(
            "sigma_b2 and sigma_e2 are both 0: the weight nσ_b²/(nσ_b² + σ_ε²) is 0/0. "
            "At least one variance must be positive"
        )
    signal = np.multiply(n, sigma_b2)
    denom = signal + sigma_e2
    # n = 0 (or sigma_b2 = 0) gives signal = 0, hence w = 0 even when sigma_e2 = 0.
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(signal > 0, signal / np.where(denom > 0, denom, 1.0), 0.0)
    return float(w) if np.ndim(w) == 0 else w


def blup(group_means, n, mu, sigma_b2, sigma_e2):
    r"""Return the BLUPs of the group deviations, :math:`\hat b_i = w_i(\bar y_i - \mu)`.

    Parameters
    ----------
    group_means : array_like, shape (g,)
        Raw group means :math:`\bar y_i`.
    n : array_like of int, shape (g,) or scalar
        Observations per group.
    mu : float
        Population mean; pass the GLS estimate :math:`\hat\mu` (:func:`gls_mean`),
        not the raw grand mean, when it is estimated from the same data.
    sigma_b2, sigma_e2 : float
        Variance components.

    Returns
    -------
    b_hat : ndarray, shape (g,)

    Examples
    --------
    >>> blup([10.0, 14.0], [2, 20], 12.0, 1.0, 4.0)   # w = 1/3, 5/6
    array([-0.66666667,  1.66666667])
    """
    ybar = as_float_array(group_means, "group_means")
    mu = float(as_float_array(mu, "mu", ndim=0))
    w = shrinkage_weight(n, sigma_b2, sigma_e2)
    check_broadcast(group_means=ybar, n=w)
    return w * (ybar - mu)


def partial_pooling(group_means, n, mu, sigma_b2, sigma_e2):
    r"""Return the partial-pooling prediction of each group's mean.

    .. math:: \hat\mu + \hat b_i = w_i\,\bar y_i + (1 - w_i)\,\mu

    the weighted average of the group's own mean (no pooling) and the
    population mean (complete pooling).  Arguments as in :func:`blup`.

    Examples
    --------
    >>> partial_pooling([10.0, 14.0], [2, 20], 12.0, 1.0, 4.0)
    array([11.33333333, 13.66666667])
    """
    mu_f = float(as_float_array(mu, "mu", ndim=0))
    return mu_f + blup(group_means, n, mu, sigma_b2, sigma_e2)


def gls_mean(group_means, n, sigma_b2, sigma_e2):
    r"""Return the GLS estimate :math:`\hat\mu` of the population mean and its variance.

    .. math::

        \hat\mu = \frac{\sum_i u_i \bar y_i}{\sum_i u_i}, \quad
        u_i = \frac{1}{\sigma_b^2 + \sigma_\varepsilon^2/n_i}, \quad
        \operatorname{Var}(\hat\mu) = \frac{1}{\sum_i u_i}.

    Each group mean is weighted by its precision; with equal n_i this is the
    plain grand mean.  This is the BLUE of μ (lesson 04).

    Returns
    -------
    mu_hat : float
    var_mu_hat : float

    Examples
    --------
    >>> gls_mean([10.0, 14.0], [2, 2], 1.0, 4.0)   # equal n: plain average; Var = 3/2
    (12.0, 1.5)
    """
    ybar = as_float_array(group_means, "group_means", ndim=1)
    n = check_counts(n, "n")
    if np.ndim(n) and np.shape(n) != ybar.shape:
        raise ValueError(f"n must have {ybar.size} entries (one per group mean) or be a scalar; got shape {np.shape(n)}")
    n = np.broadcast_to(n, ybar.shape).astype(float)
    if (n == 0).any():
        raise ValueError("n must be >= 1 for every group that enters the estimate of mu")
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    sigma_e2 = check_variance(sigma_e2, "sigma_e2")
    var_ybar = sigma_b2 + sigma_e2 / n
    if (var_ybar == 0).any():
        raise ValueError("sigma_b2 and sigma_e2 are both 0: the group means have no variance to weight by")
    u = 1.0 / var_ybar
    return float(u @ ybar / u.sum()), float(1.0 / u.sum())


# ---------------------------------------------------------------------------
# sufficient statistics and the likelihood
# ---------------------------------------------------------------------------
@dataclass(frozen=True)
class OnewayStats:
    """Sufficient statistics of the one-way model (computed once, O(N)).

    Attributes
    ----------
    levels : pandas.Index, shape (g,)      group labels, sorted
    n : ndarray, shape (g,)                observations per group
    mean : ndarray, shape (g,)             group means ȳ_i
    ssw : float                            pooled within-group sum of squares Σ_ij (y_ij − ȳ_i)²
    """

    levels: pd.Index
    n: np.ndarray
    mean: np.ndarray
    ssw: float

    @property
    def N(self) -> int:
        return int(self.n.sum())

    @property
    def g(self) -> int:
        return int(self.n.size)


def oneway_stats(y, group) -> OnewayStats:
    """Reduce observations ``y`` with labels ``group`` to :class:`OnewayStats`.

    Raises ``ValueError`` for NaN/inf or non-numeric ``y``, a missing group
    label, mismatched lengths, or fewer than two groups.
    """
    y = as_float_array(y, "y", ndim=1)
    if isinstance(group, pd.DataFrame):
        raise ValueError("group must be one column of labels, not a DataFrame")
    # Keep missing labels visible: np.asarray(["a", nan]) would turn NaN into the text "nan".
    if isinstance(group, pd.Series):
        values = group.to_numpy()
    elif isinstance(group, (np.ndarray, pd.Index, pd.Categorical)):
        values = group
    else:
        values = list(group)
    labels = pd.Series(values)
    check_same_length(y, "y", labels, "group")
    missing = labels.isna().to_numpy()
    if missing.any():
        pos = np.flatnonzero(missing)
        raise ValueError(
            f"group has {pos.size} missing label{'s' if pos.size > 1 else ''} "
            f"(rows {', '.join(map(str, pos[:5]))}); every observation needs a group"
        )
    codes, levels = pd.factorize(labels, sort=True)
    g = levels.size
    if g < 2:
        raise ValueError(f"group must have at least 2 distinct levels to separate σ_b² from σ_ε²; got {g}")
    n = np.bincount(codes, minlength=g).astype(float)
    mean = np.bincount(codes, weights=y, minlength=g) / n
    resid = y - mean[codes]
    ssw = float(resid @ resid)
    return OnewayStats(levels=pd.Index(levels), n=n, mean=mean, ssw=ssw)


def _quad(stats: OnewayStats, u, mu: float) -> float:
    """Q = SSW + Σ u_i(ȳ_i − μ)², the quadratic form of the likelihood at μ."""
    d = stats.mean - mu
    return stats.ssw + float(u @ (d * d))


def _gls_parts(stats: OnewayStats, gamma: float):
    """(u, Σu, mu_hat, Q) at ratio γ: u_i = n_i/(1+n_iγ), μ̂ = Σu ȳ/Σu, Q = SSW + Σ u_i(ȳ_i − μ̂)²."""
    u = stats.n / (1.0 + stats.n * gamma)
    su = u.sum()
    mu = float(u @ stats.mean / su)
    return u, su, mu, _quad(stats, u, mu)


def _profiled_deviance(gamma: float, stats: OnewayStats, reml: bool) -> float:
    """-2 × log-likelihood with μ and σ_ε² profiled out, as a function of γ = σ_b²/σ_ε².

    ML:   N(1 + log(2π Q/N)) + Σ log(1 + n_iγ)
    REML: (N−1)(1 + log(2π Q/(N−1))) + Σ log(1 + n_iγ) + log Σ u_i
    (the lme4 conventions: logLik = −deviance/2).
    """
    _, su, _, q = _gls_parts(stats, gamma)
    logdet = float(np.log1p(stats.n * gamma).sum())
    dof = stats.N - 1 if reml else stats.N
    dev = dof * (1.0 + _LOG2PI + np.log(q / dof)) + logdet
    if reml:
        dev += np.log(su)
    return dev


def oneway_loglik(stats: OnewayStats, mu, sigma_b2, sigma_e2, *, reml: bool = True) -> float:
    r"""Log-likelihood (REML by default) of the one-way model at given parameters.

    ML:   :math:`-\tfrac12[N\log 2\pi\sigma_\varepsilon^2 + \sum_i\log(1+n_i\gamma)
    + (\mathrm{SSW} + \sum_i u_i(\bar y_i-\mu)^2)/\sigma_\varepsilon^2]`, γ = σ_b²/σ_ε²,
    u_i = n_i/(1+n_iγ).  REML replaces N by N − 1, adds :math:`\log\sum_i u_i`
    and evaluates the quadratic form at the GLS :math:`\hat\mu` (``mu`` is then ignored).
    """
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    sigma_e2 = check_variance(sigma_e2, "sigma_e2")
    if sigma_e2 <= 0:
        raise ValueError("sigma_e2 must be > 0 for the likelihood to be finite")
    gamma = sigma_b2 / sigma_e2
    u, su, _, q = _gls_parts(stats, gamma)
    if not reml:
        q = _quad(stats, u, float(mu))
    dof = stats.N - 1 if reml else stats.N
    m2ll = dof * (_LOG2PI + np.log(sigma_e2)) + float(np.log1p(stats.n * gamma).sum()) + q / sigma_e2
    if reml:
        m2ll += np.log(su)
    return -0.5 * float(m2ll)


# The fit (REML / ML / ANOVA) lives in oneway_fit.py; imported last, it is part of this
# module's public face so ``from blupteach.oneway import fit_oneway`` keeps working.
from .oneway_fit import OnewayFit, fit_oneway  # noqa: E402
