r"""Sufficient statistics and the (restricted) likelihood of the one-way model.

.. math::

    y_{ij} = \mu + b_i + \varepsilon_{ij}, \qquad
    \operatorname{Var}(\bar y_i) = \sigma_b^2 + \sigma_\varepsilon^2/n_i .

The data reduce once (O(N)) to :class:`OnewayStats`: ``n_i``, ``ȳ_i`` and the pooled
within-group sum of squares SSW.  With γ = σ_b²/σ_ε² and u_i = n_i/(1 + n_iγ) the
log-likelihood needs only those (O(groups) per evaluation):

.. math::

    -2\ell_{ML} = N\log 2\pi\sigma_\varepsilon^2 + \sum_i\log(1+n_i\gamma)
                  + \frac{\mathrm{SSW} + \sum_i u_i(\bar y_i-\mu)^2}{\sigma_\varepsilon^2},

and REML replaces N by N − 1, adds log Σu_i and evaluates at the GLS μ̂.  Profiled over
μ and σ_ε², the deviance is a function of γ alone (:func:`profiled_deviance`), which
:func:`blupteach.fit_oneway` minimises.

===================  ==========  =======================================
symbol               name        meaning
===================  ==========  =======================================
:math:`n_i`          ``n``       observations in group i
:math:`\bar y_i`     ``mean``    group means
SSW                  ``ssw``     Σ_ij (y_ij − ȳ_i)²
γ                    ``gamma``   σ_b²/σ_ε²
===================  ==========  =======================================
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._validation import as_float_array, check_scalar, check_variance, group_codes

__all__ = ["OnewayStats", "oneway_stats", "oneway_loglik", "gls_parts", "profiled_deviance", "score"]

_LOG2PI = np.log(2 * np.pi)


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
    codes, levels = group_codes(group, "group", length=y.size)
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


def gls_parts(stats: OnewayStats, gamma: float):
    """(u, Σu, mu_hat, Q) at ratio γ: u_i = n_i/(1+n_iγ), μ̂ = Σu ȳ/Σu, Q = SSW + Σ u_i(ȳ_i − μ̂)²."""
    u = stats.n / (1.0 + stats.n * gamma)
    su = u.sum()
    mu = float(u @ stats.mean / su)
    return u, su, mu, _quad(stats, u, mu)


def profiled_deviance(gamma: float, stats: OnewayStats, reml: bool) -> float:
    """-2 × log-likelihood with μ and σ_ε² profiled out, as a function of γ = σ_b²/σ_ε².

    ML:   N(1 + log(2π Q/N)) + Σ log(1 + n_iγ)
    REML: (N−1)(1 + log(2π Q/(N−1))) + Σ log(1 + n_iγ) + log Σ u_i
    (the lme4 conventions: logLik = −deviance/2).
    """
    _, su, _, q = gls_parts(stats, gamma)
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
    if not isinstance(stats, OnewayStats):
        raise ValueError(f"stats must be the OnewayStats of oneway_stats(y, group); got {type(stats).__name__}")
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    sigma_e2 = check_variance(sigma_e2, "sigma_e2", positive=True)
    for value, name in ((sigma_b2, "sigma_b2"), (sigma_e2, "sigma_e2")):
        if np.ndim(value) != 0:
            raise ValueError(f"{name} must be a single number; got shape {np.shape(value)}")
    gamma = sigma_b2 / sigma_e2
    u, su, _, q = gls_parts(stats, gamma)
    if not reml:
        q = _quad(stats, u, check_scalar(mu, "mu"))
    dof = stats.N - 1 if reml else stats.N
    m2ll = dof * (_LOG2PI + np.log(sigma_e2)) + float(np.log1p(stats.n * gamma).sum()) + q / sigma_e2
    if reml:
        m2ll += np.log(su)
    return -0.5 * float(m2ll)


def score(gamma: float, stats: OnewayStats, reml: bool) -> float:
    """d/dγ of the profiled deviance (zero at an interior optimum).

    With u_i = n_i/(1+n_iγ) (so du_i/dγ = −u_i²), d_i = ȳ_i − μ̂ and Q = SSW + Σ u_i d_i²
    (dQ/dγ = −Σ u_i² d_i², μ̂ minimising Q):
    ML: −N Σu_i²d_i²/Q + Σu_i;  REML: −(N−1) Σu_i²d_i²/Q + Σu_i − Σu_i²/Σu_i.
    """
    u, su, mu, q = gls_parts(stats, gamma)
    d = stats.mean - mu
    dof = stats.N - 1 if reml else stats.N
    score = -dof * float((u * u) @ (d * d)) / q + su
    if reml:
        score -= float(u @ u) / su
    return score
