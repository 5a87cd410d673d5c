r"""What the name promises: Best, Linear, Unbiased, Predictor (lesson 04).

Model (one-way): :math:`y_{ij} = \mu + b_i + \varepsilon_{ij}` with
:math:`E b_i = 0,\ \operatorname{Var} b_i = \sigma_b^2`, :math:`\varepsilon_{ij}` independent
:math:`N(0, \sigma_\varepsilon^2)`.  The effects b_i are Gaussian (``effects="gaussian"``) or
*two-point*, ±σ_b with probability 1/2 each (``effects="two_point"``): the same mean and
variance, a different shape.

=====================================  ===============  =======================================
symbol                                 name             meaning
=====================================  ===============  =======================================
:math:`W`                              ``W``            g × N matrix with :math:`\hat b = W y`
:math:`w`, :math:`w'`                  ``w``, ``w_prime``  the BLUP's weight; any other weight
:math:`\bar y_i - \mu`                 ``d``            the group's raw deviation
=====================================  ===============  =======================================

Every statement here holds with the variances *known*.  With estimated variances the
predictor is the empirical BLUP: W depends on y through σ̂_b², σ̂_ε², so it is no longer
exactly linear in y and "best" and "unbiased" hold only approximately.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import linalg

from ._validation import as_float_array, check_choice, check_counts, check_variance
from .oneway import shrinkage_weight

__all__ = ["EFFECTS", "draw_effects", "draw_groups", "blup_matrix", "linear_predictor_mse",
           "conditional_bias", "two_point_posterior_mean", "gaussian_posterior_mean"]

#: Distributions of b_i with mean 0 and variance σ_b².
EFFECTS = ("gaussian", "two_point")


def _variances(sigma_b2, sigma_e2):
    sigma_b2, sigma_e2 = check_variance(sigma_b2, "sigma_b2"), check_variance(sigma_e2, "sigma_e2")
    if sigma_e2 <= 0:
        raise ValueError(f"sigma_e2 must be > 0; got {sigma_e2}")
    return float(sigma_b2), float(sigma_e2)


def draw_effects(size, sigma_b2, *, effects: str = "gaussian", rng) -> np.ndarray:
    """Draw effects b with mean 0 and variance ``sigma_b2``: Gaussian, or ±σ_b with probability 1/2."""
    effects = check_choice(effects, "effects", EFFECTS)
    sd = np.sqrt(check_variance(sigma_b2, "sigma_b2"))
    if effects == "gaussian":
        return sd * rng.standard_normal(size)
    return sd * rng.choice([-1.0, 1.0], size=size)


def draw_groups(n, sigma_b2, sigma_e2, *, mu: float = 0.0, effects: str = "gaussian", seed: int = 0):
    """Return ``(data, b)``: a one-way data set (columns ``group``, ``y``) and the true effects.

    ``n`` gives the observations of each group (groups are labelled ``g00``, ``g01``, ...).

    Examples
    --------
    >>> data, b = draw_groups([2, 3], 1.0, 1.0, seed=0)
    >>> data.shape, b.shape
    ((5, 2), (2,))
    """
    n = np.atleast_1d(check_counts(n, "n")).astype(int)
    if n.size == 0 or (n < 1).any():
        raise ValueError("n must list at least one group, each with >= 1 observation")
    sigma_b2, sigma_e2 = _variances(sigma_b2, sigma_e2)
    rng = np.random.default_rng(seed)
    b = draw_effects(n.size, sigma_b2, effects=effects, rng=rng)
    codes = np.repeat(np.arange(n.size), n)
    y = mu + b[codes] + np.sqrt(sigma_e2) * rng.standard_normal(codes.size)
    return pd.DataFrame({"group": [f"g{c:02d}" for c in codes], "y": y}), b


def blup_matrix(group, sigma_b2, sigma_e2):
    r"""Return ``(W, m)`` with :math:`\hat b = W y` and :math:`\hat\mu = m' y` (known variances).

    .. math::

        \hat b_i = w_i(\bar y_i - \hat\mu), \quad \bar y = A y, \quad \hat\mu = \frac{u'A y}{\sum_k u_k}
        \;\Rightarrow\; W = \operatorname{diag}(w)\,(A - \mathbf 1 m'), \quad m = A'u / \textstyle\sum_k u_k,

    where A (g × N) averages each group's rows and :math:`u_k = n_k/(n_k\sigma_b^2 + \sigma_\varepsilon^2)`.
    Rows of W follow the sorted group labels; columns follow the rows of y.

    Parameters
    ----------
    group : array_like, shape (N,)
        Group label of each observation.
    sigma_b2, sigma_e2 : float

    Returns
    -------
    W : ndarray, shape (g, N);  m : ndarray, shape (N,)

    Examples
    --------
    Two groups of one reading, σ_b² = σ_ε² = 1: w = 1/2, μ̂ = (y_1 + y_2)/2.

    >>> W, m = blup_matrix(["a", "b"], 1.0, 1.0)
    >>> W.tolist(), m.tolist()
    ([[0.25, -0.25], [-0.25, 0.25]], [0.5, 0.5])
    """
    sigma_b2, sigma_e2 = _variances(sigma_b2, sigma_e2)
    labels = pd.Series(np.asarray(group))
    if labels.isna().any():
        raise ValueError("group has missing labels; every observation needs a group")
    codes, _ = pd.factorize(labels, sort=True)
    g = codes.max() + 1
    n = np.bincount(codes, minlength=g).astype(float)
    A = np.zeros((g, codes.size))
    A[codes, np.arange(codes.size)] = 1.0 / n[codes]
    u = n / (n * sigma_b2 + sigma_e2)
    w = shrinkage_weight(n, sigma_b2, sigma_e2)
    m = A.T @ u / u.sum()
    return w[:, None] * (A - m[None, :]), m


def linear_predictor_mse(w_prime, n, sigma_b2, sigma_e2, *, groups: int | None = None):
    r"""Return the MSE of the linear predictor :math:`w'(\bar y_i - \hat\mu)` of b_i (any distribution of b).

    With μ known (``groups=None``) :math:`d_i = \bar y_i - \mu`; with μ̂ the grand (GLS) mean of
    ``groups`` balanced groups, every covariance gains the factor (1 − 1/g):

    .. math::

        \operatorname{MSE}(w') = \sigma_b^2 - 2w'C + w'^2 V, \quad
        C = \operatorname{Cov}(b_i, d_i) = \sigma_b^2 f, \quad
        V = \operatorname{Var}(d_i) = (\sigma_b^2 + \sigma_\varepsilon^2/n) f,

    f = 1 (μ known) or 1 − 1/g.  Minimised at w' = C/V = w, where
    :math:`\operatorname{MSE}(w') = \operatorname{MSE}(w) + (w' - w)^2 V`.  Every such predictor
    has mean error 0 over the population (unbiased); only w' = w is best.  Only means and
    variances enter: the same for Gaussian and two-point b.

    Examples
    --------
    >>> linear_predictor_mse([0.0, 0.5, 1.0], 4, 1.0, 4.0)    # w = 1/2: σ_b², min (1−w)σ_b², σ_ε²/n
    array([1. , 0.5, 1. ])
    >>> float(linear_predictor_mse(0.5, 4, 1.0, 4.0))
    0.5
    """
    sigma_b2, sigma_e2 = _variances(sigma_b2, sigma_e2)
    n = check_counts(n, "n")
    if np.any(np.asarray(n) < 1):
        raise ValueError("n must be >= 1")
    f = 1.0
    if groups is not None:
        if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 2:
            raise ValueError(f"groups must be a whole number >= 2 (or None for mu known); got {groups!r}")
        f = 1.0 - 1.0 / groups
    wp = as_float_array(w_prime, "w_prime")
    out = sigma_b2 - 2 * wp * sigma_b2 * f + wp**2 * (sigma_b2 + sigma_e2 / np.asarray(n, float)) * f
    return float(out) if out.ndim == 0 else out


def conditional_bias(b, n, sigma_b2, sigma_e2):
    r"""Return :math:`E(\hat b_i - b_i \mid b_i) = -(1 - w)\,b_i` (μ known): the pull toward the mean.

    Averaged over the population (E b_i = 0) it is 0: the BLUP is unbiased *over individuals*,
    not for a given one.

    Examples
    --------
    >>> conditional_bias([-2.0, 0.0, 2.0], 4, 1.0, 4.0)   # w = 1/2
    array([ 1., -0., -1.])
    """
    w = shrinkage_weight(n, sigma_b2, sigma_e2)
    return -(1.0 - w) * as_float_array(b, "b")


def two_point_posterior_mean(ybar, n, sigma_b2, sigma_e2, *, mu: float = 0.0):
    r"""Return :math:`E(b_i \mid \bar y_i)` when b_i = ±σ_b with probability 1/2 (μ known).

    With :math:`s^2 = \sigma_\varepsilon^2/n` and :math:`\sigma_b = \sqrt{\sigma_b^2}`, Bayes' rule gives
    :math:`P(b_i = \sigma_b \mid \bar y_i) = 1/(1 + e^{-2\sigma_b(\bar y_i-\mu)/s^2})`, so

    .. math:: E(b_i \mid \bar y_i) = \sigma_b \tanh\!\big(\sigma_b(\bar y_i - \mu)/s^2\big),

    a non-linear function of the data: it beats the BLUP, the best *linear* predictor.

    Examples
    --------
    >>> float(two_point_posterior_mean(0.0, 4, 1.0, 4.0))
    0.0
    """
    sigma_b2, sigma_e2 = _variances(sigma_b2, sigma_e2)
    n = np.asarray(check_counts(n, "n"), float)
    s2 = sigma_e2 / n
    sd = np.sqrt(sigma_b2)
    out = sd * np.tanh(sd * (as_float_array(ybar, "ybar") - mu) / s2)
    return float(out) if np.ndim(out) == 0 else out


def gaussian_posterior_mean(y, group, sigma_b2, sigma_e2, *, mu: float = 0.0) -> np.ndarray:
    r"""Return :math:`E(b_i \mid y_i)` for Gaussian b and ε by conditioning the joint normal.

    For group i with readings :math:`y_i` (length n_i):
    :math:`E(b_i \mid y_i) = \sigma_b^2 \mathbf 1'V_i^{-1}(y_i - \mu\mathbf 1)`,
    :math:`V_i = \sigma_b^2\mathbf 1\mathbf 1' + \sigma_\varepsilon^2 I` (solved by Cholesky; no
    shrinkage formula used).  It equals the BLUP :math:`w_i(\bar y_i - \mu)` exactly.

    Returns one value per group, groups in sorted label order.

    Examples
    --------
    >>> gaussian_posterior_mean([1.0, 3.0], ["a", "a"], 1.0, 2.0)   # w = 2/(2+2) = 1/2, ȳ = 2
    array([1.])
    """
    sigma_b2, sigma_e2 = _variances(sigma_b2, sigma_e2)
    y = as_float_array(y, "y", ndim=1)
    codes, _ = pd.factorize(pd.Series(np.asarray(group)), sort=True)
    if codes.size != y.size:
        raise ValueError(f"group must have {y.size} entries to match y; got {codes.size}")
    out = np.empty(codes.max() + 1)
    for i in range(out.size):
        yi = y[codes == i] - mu
        V = sigma_b2 * np.ones((yi.size, yi.size)) + sigma_e2 * np.eye(yi.size)
        out[i] = sigma_b2 * np.ones(yi.size) @ linalg.cho_solve(linalg.cho_factor(V), yi)
    return out
