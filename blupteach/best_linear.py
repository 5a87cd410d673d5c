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
* **Best**: among predictors :math:`w'(\bar y_i - \hat\mu)` the MSE is smallest at w' = w
  (:func:`linear_predictor_mse`); only means and variances enter, so this holds for any
  distribution of b_i.
* **Unbiased** over the population, not for one individual: :func:`conditional_bias`.

With estimated variances the predictor is the empirical BLUP: W depends on y through
σ̂_b², σ̂_ε², so it is no longer exactly linear in y, and "best" holds only approximately.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_counts, check_variances, check_whole, group_codes
from .oneway import gls_weights, shrinkage_weight

__all__ = ["blup_matrix", "linear_predictor_mse", "conditional_bias"]


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
