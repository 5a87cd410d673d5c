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

from .oneway import gls_mean, partial_pooling

__all__ = ["score_pooling"]


def score_pooling(sample: OnewaySample):
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
    needed = ("y", "n", "group_means", "true_mean", "sigma_b2", "sigma_e2")
    if not all(hasattr(sample, a) for a in needed):
        raise ValueError("sample must be a simulated sample with its truth (bt.simulate_oneway(...)); "
                         f"got {type(sample).__name__}")
    ybar = sample.group_means
    mu_hat = gls_mean(ybar, sample.n, sample.sigma_b2, sample.sigma_e2)
    estimates = {
        "complete": np.full(sample.g, sample.y.mean()),
        "no": ybar,
        "partial": partial_pooling(ybar, sample.n, mu_hat, sample.sigma_b2, sample.sigma_e2),
    }
    mse = {k: float(np.mean((v - sample.true_mean) ** 2)) for k, v in estimates.items()}
    return estimates, mse
