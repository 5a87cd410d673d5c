r"""What "best linear unbiased" means, in closed form (lesson 04).

Model (one-way, variances known): :math:`y_{ij} = \mu + b_i + \varepsilon_{ij}`, with
:math:`E b_i = 0,\ \operatorname{Var} b_i = \sigma_b^2` and independent noise of variance σ_ε².

=====================================  ===============  =======================================
symbol                                 name             meaning
=====================================  ===============  =======================================
:math:`W`                              ``W``            g × N matrix with :math:`\hat b = W y`
:math:`m`                              ``m``            N-vector with :math:`\hat\mu = m'y`
:math:`w`, :math:`w'`                  ``w``, ``w_prime``  the BLUP's weight; any other weight
=====================================  ===============  =======================================

* **Linear**: the BLUP is a matrix times the data (:func:`blup_matrix`).
* **Best** over the class of predictors :math:`L'y` of b_i that are linear in y and unbiased
  for every μ (:math:`L'\mathbf 1 = 0`), variances known: any other member is the BLUP's row
  plus D with D'1 = 0 and pays exactly :math:`D'VD \ge 0` more (:func:`linear_predictor_mse_matrix`,
  :func:`data_covariance`).  The one-parameter slice :math:`w'(\bar y_i - \hat\mu)` is
  :func:`linear_predictor_mse`.  Only means and variances enter, so this holds for any
  distribution of b_i.
* **Unbiased** over the population, not for one individual: :func:`conditional_bias`.
* **Best on average**, not for every individual: :func:`conditional_mse` given b_i, and
  :func:`conditional_mse_crossing`, the |b_i| beyond which the raw mean does better.

With estimated variances the predictor is the empirical BLUP: W depends on y through
σ̂_b², σ̂_ε², so it is no longer linear in y.  It stays unbiased under mild conditions
(symmetric effects and noise, translation-invariant variance estimates such as REML:
Kackar & Harville 1981); what is lost is "best" and the MSE formula (the plug-in MSE is too small).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_broadcast, check_counts, check_variances, check_whole, group_codes
from .oneway import gls_weights, shrinkage_weight

__all__ = ["blup_matrix", "linear_predictor_mse", "conditional_bias", "data_covariance", "linear_predictor_mse_matrix",
           "conditional_mse", "conditional_mse_crossing"]


def blup_matrix(group, sigma_b2, sigma_e2):
    r"""Return ``(W, m)`` with :math:`\hat b = W y` and :math:`\hat\mu = m' y` (known variances).

    .. math::

        \hat b_i = w_i(\bar y_i - \hat\mu), \quad \bar y = A y, \quad \hat\mu = \frac{u'A y}{\sum_k u_k}
        \;\Rightarrow\; W = \operatorname{diag}(w)\,(A - \mathbf 1 m'), \quad m = A'u / \textstyle\sum_k u_k,

    where A (g × N) averages each group's rows and :math:`u_k/\sum_j u_j` are the GLS weights
    (:func:`blupteach.gls_weights`).
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
    sigma_b2, sigma_e2 = check_variances(sigma_b2, sigma_e2)
    codes, levels = group_codes(group, "group")
    n = np.bincount(codes, minlength=levels.size).astype(float)
    A = np.zeros((levels.size, codes.size))
    A[codes, np.arange(codes.size)] = 1.0 / n[codes]
    w = shrinkage_weight(n, sigma_b2, sigma_e2)
    m = A.T @ gls_weights(n, sigma_b2, sigma_e2)
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
    sigma_b2, sigma_e2 = check_variances(sigma_b2, sigma_e2)
    n = check_counts(n, "n")
    if np.any(np.asarray(n) < 1):
        raise ValueError("n must be >= 1")
    f = 1.0 if groups is None else 1.0 - 1.0 / check_whole(groups, "groups", 2)
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


def data_covariance(group, sigma_b2, sigma_e2) -> np.ndarray:
    r"""Return :math:`V = \operatorname{Var}(y) = \sigma_b^2 ZZ' + \sigma_\varepsilon^2 I` (N × N).

    Z (N × g) marks each reading's group: two readings of one group covary by σ_b², a
    reading's variance is σ_b² + σ_ε², readings of different groups are independent.

    Examples
    --------
    >>> data_covariance(["a", "a", "b"], 1.0, 2.0).tolist()
    [[3.0, 1.0, 0.0], [1.0, 3.0, 0.0], [0.0, 0.0, 3.0]]
    """
    sigma_b2, sigma_e2 = check_variances(sigma_b2, sigma_e2)
    codes, _ = group_codes(group, "group")
    same = (codes[:, None] == codes[None, :]).astype(float)
    return sigma_b2 * same + sigma_e2 * np.eye(codes.size)


def linear_predictor_mse_matrix(L, group, sigma_b2, sigma_e2, *, target):
    r"""Return the MSE of the linear predictor :math:`L'y` of :math:`b_t` (any distribution of b).

    With :math:`y = \mu\mathbf 1 + Zb + \varepsilon`, the error is
    :math:`L'y - b_t = \mu L'\mathbf 1 + L'(Zb + \varepsilon) - b_t`.  It is unbiased for
    *every* μ only if :math:`L'\mathbf 1 = 0` (required here); then

    .. math::

        \operatorname{MSE}(L) = L'VL - 2\sigma_b^2\, L'z_t + \sigma_b^2,

    with V from :func:`data_covariance` and :math:`z_t` the indicator of group t
    (:math:`\operatorname{Cov}(y, b_t) = \sigma_b^2 z_t`).  For the BLUP's row ℓ of
    :func:`blup_matrix`, :math:`V\ell - \sigma_b^2 z_t` is a multiple of 1, so for any D with
    :math:`D'\mathbf 1 = 0`: :math:`\operatorname{MSE}(\ell + D) = \operatorname{MSE}(\ell) + D'VD`.

    Parameters
    ----------
    L : array_like, shape (N,) or (k, N)
        One predictor's weights on the readings, or k predictors as rows; each row must sum to 0.
    group : array_like, shape (N,)
        Group label of each reading (the order of L's columns).
    sigma_b2, sigma_e2 : float
    target : label
        The group t whose effect b_t is predicted (one of ``group``'s labels), keyword-only.

    Returns
    -------
    float, or ndarray of shape (k,)

    Raises
    ------
    ValueError
        L of the wrong length, or a row with :math:`L'\mathbf 1 \ne 0` (biased for some μ);
        a target that is not a group label.

    Examples
    --------
    Two groups of one reading, σ_b² = σ_ε² = 1: the BLUP of b_a is (y_a − y_b)/4, MSE 3/4.

    >>> linear_predictor_mse_matrix([0.25, -0.25], ["a", "b"], 1.0, 1.0, target="a")
    0.75
    """
    sigma_b2, sigma_e2 = check_variances(sigma_b2, sigma_e2)
    codes, levels = group_codes(group, "group")
    L = as_float_array(L, "L")
    if L.ndim not in (1, 2) or L.shape[-1] != codes.size:
        raise ValueError(f"L must have {codes.size} entries per row (one per reading of group); got shape {L.shape}")
    matches = np.flatnonzero(levels == target) if np.ndim(target) == 0 else np.array([])
    if matches.size != 1:
        raise ValueError(f"target must be one of the group labels {levels.tolist()}; got {target!r}")
    rows = np.atleast_2d(L)
    sums = rows.sum(axis=1)
    if np.any(np.abs(sums) > 1e-9 * np.maximum(1.0, np.abs(rows).sum(axis=1))):
        raise ValueError(f"L must sum to 0 in every row (L'1 = 0: unbiased for every mu); got row sums {sums.tolist()}")
    V = data_covariance(group, sigma_b2, sigma_e2)
    z = (codes == matches[0]).astype(float)
    out = np.einsum("kn,nm,km->k", rows, V, rows) - 2 * sigma_b2 * rows @ z + sigma_b2
    return float(out[0]) if L.ndim == 1 else out


def conditional_mse(b, n, sigma_b2, sigma_e2, *, w_prime=None):
    r"""Return :math:`E\{(w'(\bar y_i - \mu) - b_i)^2 \mid b_i\}`, the error of one individual (μ known).

    .. math::

        \operatorname{MSE}(b_i) = (1 - w')^2 b_i^2 + w'^2\sigma_\varepsilon^2/n,

    the squared conditional bias plus the variance.  ``w_prime=None`` is the BLUP (w' = w, from
    :func:`blupteach.shrinkage_weight`); ``w_prime=1`` is the raw mean, σ_ε²/n for every b_i.
    Averaged over :math:`b_i \sim (0, \sigma_b^2)` the BLUP's is (1 − w)σ_b², the smallest; for
    :math:`|b_i|` beyond :func:`conditional_mse_crossing` the raw mean's is smaller.

    Examples
    --------
    >>> conditional_mse([0.0, 2.0], 4, 1.0, 4.0)      # w = 1/2: 1/4, 1 + 1/4
    array([0.25, 1.25])
    >>> conditional_mse([0.0, 2.0], 4, 1.0, 4.0, w_prime=1.0)
    array([1., 1.])
    """
    w = shrinkage_weight(n, sigma_b2, sigma_e2) if w_prime is None else as_float_array(w_prime, "w_prime")
    b = as_float_array(b, "b")
    sigma_b2, sigma_e2 = check_variances(sigma_b2, sigma_e2)
    n = np.asarray(check_counts(n, "n"), float)
    if np.any(n < 1):
        raise ValueError("n must be >= 1")
    check_broadcast(b=b, n=n, w_prime=w)
    out = (1 - w) ** 2 * b**2 + w**2 * sigma_e2 / n
    return float(out) if out.ndim == 0 else out


def conditional_mse_crossing(n, sigma_b2, sigma_e2):
    r"""Return the |b_i| at which the BLUP's conditional MSE equals the raw mean's: :math:`\sigma_b\sqrt{(1+w)/w}`.

    Solving :math:`(1-w)^2 b^2 + w^2 s^2 = s^2` (s² = σ_ε²/n) gives
    :math:`b^2 = s^2(1+w)/(1-w) = \sigma_b^2(1+w)/w`, since :math:`s^2/(1-w) = \sigma_b^2/w`.
    Individuals farther out than this are better served by their raw mean; with Gaussian
    effects they are a share :math:`2(1 - \Phi(\sqrt{(1+w)/w}))` of the population.

    Examples
    --------
    >>> round(conditional_mse_crossing(5, 25.0, 100.0) / 5.0, 4)    # w = 5/9: sqrt(2.8)
    1.6733
    """
    w = shrinkage_weight(n, sigma_b2, sigma_e2)
    sigma_b2, _ = check_variances(sigma_b2, sigma_e2)
    if np.any(np.asarray(w) == 0):
        raise ValueError("sigma_b2 must be > 0 (with w = 0 the BLUP is 0 for everyone and no crossing exists)")
    out = np.sqrt(sigma_b2 * (1 + w) / w)
    return float(out) if np.ndim(out) == 0 else out
