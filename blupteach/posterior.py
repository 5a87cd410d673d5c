r"""Posterior means E(b_i | data), against which the BLUP is judged (lesson 04).

Model (one-way, μ and the variances known): :math:`y_{ij} = \mu + b_i + \varepsilon_{ij}`.

* Gaussian b_i: conditioning the joint normal of (b_i, y_i) gives the posterior mean
  (:func:`gaussian_posterior_mean`, computed by a Cholesky solve with no shrinkage formula),
  and it *is* the BLUP :math:`w_i(\bar y_i - \mu)`.
* Two-point b_i = ±σ_b: Bayes' rule gives :math:`\sigma_b\tanh(\sigma_b(\bar y_i-\mu)/s^2)`
  (:func:`two_point_posterior_mean`), not linear in the data, and better than the BLUP,
  which is only the best *linear* predictor.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from ._validation import as_float_array, check_counts, check_scalar, check_variances, cholesky, group_codes

__all__ = ["two_point_posterior_mean", "gaussian_posterior_mean"]


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
    sigma_b2, sigma_e2 = check_variances(sigma_b2, sigma_e2)
    n = np.asarray(check_counts(n, "n"), float)
    if (n < 1).any():
        raise ValueError("n must be >= 1 (a group mean needs at least one reading)")
    s2 = sigma_e2 / n
    sd = np.sqrt(sigma_b2)
    out = sd * np.tanh(sd * (as_float_array(ybar, "ybar") - check_scalar(mu, "mu")) / s2)
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
    sigma_b2, sigma_e2 = check_variances(sigma_b2, sigma_e2)
    y = as_float_array(y, "y", ndim=1)
    mu = check_scalar(mu, "mu")
    codes, levels = group_codes(group, "group", length=y.size)
    out = np.empty(levels.size)
    for i in range(out.size):
        yi = y[codes == i] - mu
        V = sigma_b2 * np.ones((yi.size, yi.size)) + sigma_e2 * np.eye(yi.size)
        out[i] = sigma_b2 * np.ones(yi.size) @ linalg.cho_solve(cholesky(V, "V_i"), yi)
    return out
