r"""Complete, no and partial pooling, scored against the truth (lesson 01).

.. math::

    \text{complete: } \bar y_{\cdot\cdot}, \qquad \text{no: } \bar y_i, \qquad
    \text{partial: } w_i\bar y_i + (1 - w_i)\hat\mu, \quad w_i = \frac{n_i\sigma_b^2}{n_i\sigma_b^2 + \sigma_\varepsilon^2}.

A simulation knows each individual's true mean μ + b_i, so each estimate's mean squared error
can be measured.  The draws themselves come from :mod:`blupteach.simulate`; this module only
computes (math never imports the simulator).
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array
from .oneway import gls_mean, partial_pooling

__all__ = ["score_pooling", "blend_mse"]


def _check_sample(sample) -> None:
    needed = ("y", "n", "group_means", "true_mean", "sigma_b2", "sigma_e2")
    if not all(hasattr(sample, a) for a in needed):
        raise ValueError("sample must be a simulated sample with its truth (bt.simulate_oneway(...)); "
                         f"got {type(sample).__name__}")


def score_pooling(sample):
    r"""Return the three estimates of every patient's mean and their mean squared errors.

    With the variances known (the values ``sample`` was drawn with):

    * complete pooling: the grand mean of all readings, :math:`\bar y_{\cdot\cdot}`, for everyone;
    * no pooling: each patient's own mean :math:`\bar y_i`;
    * partial pooling (the BLUP): :math:`w_i\bar y_i + (1-w_i)\hat\mu`, with
      :math:`w_i = n_i\sigma_b^2/(n_i\sigma_b^2+\sigma_\varepsilon^2)` and μ̂ the GLS mean.

    Parameters
    ----------
    sample : OnewaySample
        A sample with its truth, from :func:`blupteach.simulate_oneway`.

    Returns
    -------
    estimates : dict of ndarray, shape (g,)
        Keys ``"complete"``, ``"no"``, ``"partial"``.
    mse : dict of float
        :math:`\frac1g\sum_i(\text{estimate}_i - (\mu+b_i))^2` for each key.

    Examples
    --------
    >>> from blupteach.simulate import simulate_oneway
    >>> s = simulate_oneway(3, 25.0, 100.0, g=200, mu=100.0, seed=1)
    >>> est, mse = score_pooling(s)
    >>> bool(mse["partial"] < min(mse["complete"], mse["no"]))
    True
    """
    _check_sample(sample)
    ybar = sample.group_means
    mu_hat = gls_mean(ybar, sample.n, sample.sigma_b2, sample.sigma_e2)
    estimates = {
        "complete": np.full(sample.g, sample.y.mean()),
        "no": ybar,
        "partial": partial_pooling(ybar, sample.n, mu_hat, sample.sigma_b2, sample.sigma_e2),
    }
    mse = {k: float(np.mean((v - sample.true_mean) ** 2)) for k, v in estimates.items()}
    return estimates, mse


def blend_mse(sample, w_prime):
    r"""Return the mean squared error of the blend :math:`w'\bar y_i + (1 - w')\hat\mu` against the truth, per :math:`w'`.

    .. math::

        \operatorname{MSE}(w') = \frac1g\sum_{i=1}^g\bigl(w'\bar y_i + (1-w')\hat\mu - (\mu + b_i)\bigr)^2,

    one candidate weight :math:`w'` for every patient, μ̂ the GLS mean at the variances the
    sample was drawn with.  :math:`w' = 0` is (GLS) complete pooling, :math:`w' = 1` no
    pooling; the BLUP's weight :math:`w = n\sigma_b^2/(n\sigma_b^2 + \sigma_\varepsilon^2)`
    minimises the *expected* MSE (lesson 01 lets the learner find it; lesson 04 proves it).
    The curve is a parabola in w': with :math:`a_i = \hat\mu - (\mu + b_i)` and
    :math:`d_i = \bar y_i - \hat\mu`, MSE(w') = mean(a²) + 2w'·mean(a d) + w'²·mean(d²).

    Parameters
    ----------
    sample : OnewaySample
        A sample with its truth, from :func:`blupteach.simulate_oneway`.
    w_prime : float or array_like, any shape
        Candidate weights :math:`w'` (any real numbers; the lesson uses [0, 1]).

    Returns
    -------
    float or ndarray, the shape of ``w_prime``.

    Examples
    --------
    >>> from blupteach.simulate import simulate_oneway
    >>> s = simulate_oneway(3, 25.0, 100.0, g=2000, mu=100.0, seed=1)
    >>> grid = [0.0, 0.2, 0.43, 0.7, 1.0]                      # w = 75/175 = 0.43
    >>> float(grid[int(blend_mse(s, grid).argmin())])
    0.43
    """
    _check_sample(sample)
    w_arr = as_float_array(w_prime, "w_prime")
    mu_hat = gls_mean(sample.group_means, sample.n, sample.sigma_b2, sample.sigma_e2)
    a = mu_hat - sample.true_mean          # complete pooling's error, patient by patient
    d = sample.group_means - mu_hat        # how far each own mean sits from mu_hat
    out = np.mean(a * a) + 2.0 * w_arr * np.mean(a * d) + w_arr**2 * np.mean(d * d)
    return float(out) if np.ndim(out) == 0 else out
