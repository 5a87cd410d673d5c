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
:math:`c_i`             ``conditional_variance``  Var(b_i | y), μ known: (1 − w_i)σ_b²
Var(μ̂)                  ``var_gls_mean``  variance of the GLS mean, 1/Σ_k u_k
PEV                     ``pev``         Henderson's prediction error variance
======================  ==============  =============================================

The BLUP of the group's deviation is :math:`\hat b_i = w_i(\bar y_i - \hat\mu)` and
the partial-pooling prediction of the group's mean is the weighted average
:math:`\hat\mu + \hat b_i = w_i \bar y_i + (1 - w_i)\hat\mu` (lessons 01 and 02).

Every function here takes the variances as *known* and broadcasts over arrays.  Estimating
them is the fit's job: :mod:`blupteach.oneway_likelihood` (sufficient statistics and the
likelihood) and :mod:`blupteach.oneway_fit` (:func:`fit_oneway`) import these closed forms,
never the other way round.
"""

from __future__ import annotations

import numpy as np

from ._validation import as_float_array, check_broadcast, check_choice, check_counts, check_scalar, check_variance

__all__ = [
    "shrinkage_weight",
    "blup",
    "partial_pooling",
    "gls_mean",
    "gls_weights",
    "var_gls_mean",
    "conditional_variance",
    "pev",
]


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
    mu = check_scalar(mu, "mu")
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
    return check_scalar(mu, "mu") + blup(group_means, n, mu, sigma_b2, sigma_e2)


def _group_design(n, sigma_b2, sigma_e2):
    """Checked n (float array (..., g)), σ_b², σ_ε² and u_k = n_k/(n_kσ_b² + σ_ε²) for Var(μ̂)."""
    n = np.atleast_1d(check_counts(n, "n"))
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    sigma_e2 = check_variance(sigma_e2, "sigma_e2")
    check_broadcast(n=n, sigma_b2=sigma_b2, sigma_e2=sigma_e2)
    if not (n > 0).any(axis=-1).all():
        raise ValueError("n must hold at least one group with n >= 1 observation (zero groups cannot estimate mu); "
                         f"got {n.tolist()}")
    denom = n * sigma_b2 + sigma_e2
    if np.any((denom == 0) & (n > 0)):
        raise ValueError("sigma_b2 and sigma_e2 are both 0: the group means have no variance to weight by")
    with np.errstate(invalid="ignore", divide="ignore"):
        u = np.where(n > 0, n / np.where(denom > 0, denom, 1.0), 0.0)
    return n, u


def gls_weights(n, sigma_b2, sigma_e2):
    r"""Return the GLS weights :math:`u_k/\sum_j u_j` of the group means in :math:`\hat\mu`.

    .. math:: u_k = \frac{1}{\sigma_b^2 + \sigma_\varepsilon^2/n_k} = \frac{n_k}{n_k\sigma_b^2 + \sigma_\varepsilon^2},

    each group's precision; the weights sum to 1 over the last axis of ``n``.

    Examples
    --------
    >>> gls_weights([2, 20], 1.0, 4.0).tolist()      # u = 1/3, 5/6
    [0.2857142857142857, 0.7142857142857143]
    """
    _, u = _group_design(n, sigma_b2, sigma_e2)
    return u / u.sum(axis=-1, keepdims=True)


def var_gls_mean(n, sigma_b2, sigma_e2):
    r"""Return :math:`\operatorname{Var}(\hat\mu)`, the variance of the GLS population mean.

    .. math::

        \operatorname{Var}(\hat\mu) = \frac{1}{\sum_k u_k}, \qquad
        u_k = \frac{1}{\sigma_b^2 + \sigma_\varepsilon^2/n_k} = \frac{n_k}{n_k\sigma_b^2 + \sigma_\varepsilon^2}.

    Parameters
    ----------
    n : array_like of int, shape (g,) or (..., g)
        Observations of each group that estimates μ (a group with n = 0 adds nothing).
    sigma_b2, sigma_e2 : float or array_like
        Variance components, broadcasting against ``n`` (shape (..., 1) for one value
        per row of a 2-D ``n``).

    Returns
    -------
    float, or ndarray of shape (...,): the sum runs over the last axis.

    Examples
    --------
    >>> var_gls_mean([2, 2], 1.0, 4.0)      # u = 2/6 each: 1/(2/3)
    1.5
    """
    _, u = _group_design(n, sigma_b2, sigma_e2)
    out = 1.0 / u.sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def gls_mean(group_means, n, sigma_b2, sigma_e2):
    r"""Return the GLS estimate :math:`\hat\mu` of the population mean (the BLUE of μ).

    .. math::

        \hat\mu = \frac{\sum_k u_k \bar y_k}{\sum_k u_k}, \qquad
        u_k = \frac{n_k}{n_k\sigma_b^2 + \sigma_\varepsilon^2},

    each group mean weighted by its precision; with equal n_k it is the plain average of
    the group means.  Its variance is :func:`var_gls_mean` (lesson 04).

    Parameters
    ----------
    group_means : array_like, shape (g,) or (..., g)
        Raw group means :math:`\bar y_k`.
    n : array_like of int, broadcasting against ``group_means``
    sigma_b2, sigma_e2 : float or array_like, broadcasting likewise

    Returns
    -------
    mu_hat : float, or ndarray of shape (...,) (the sum runs over the last axis)

    Examples
    --------
    >>> gls_mean([10.0, 14.0], [2, 2], 1.0, 4.0)      # equal n: the plain average
    12.0
    >>> gls_mean([10.0, 14.0], [2, 20], 1.0, 4.0)     # u = 1/3, 5/6: (10/3 + 70/6)/(7/6)
    12.857142857142858
    """
    ybar = np.atleast_1d(as_float_array(group_means, "group_means"))
    weights = gls_weights(n, sigma_b2, sigma_e2)
    check_broadcast(group_means=ybar, n=weights)
    out = (weights * ybar).sum(axis=-1)
    return float(out) if np.ndim(out) == 0 else out


def conditional_variance(n, sigma_b2, sigma_e2):
    r"""Return :math:`c_i = \operatorname{Var}(b_i \mid y) = (1 - w_i)\,\sigma_b^2 = w_i\sigma_\varepsilon^2/n_i`.

    The variance of an individual's deviation b_i given its data with μ treated as
    known: what is left of σ_b² after n_i readings (lme4's ``condVar``).  Elementwise
    over broadcast inputs.

    Examples
    --------
    >>> conditional_variance(2, 1.0, 4.0)      # w = 1/3: (2/3)·1
    0.6666666666666667
    >>> conditional_variance(0, 1.0, 4.0)      # never observed: all of σ_b²
    1.0
    """
    w = shrinkage_weight(n, sigma_b2, sigma_e2)
    out = (1.0 - np.asarray(w)) * check_variance(sigma_b2, "sigma_b2")
    return float(out) if np.ndim(out) == 0 else out


def pev(n, sigma_b2, sigma_e2, *, target: str = "group_mean", var_mu=None):
    r"""Return Henderson's prediction error variance of :math:`\hat\mu + \hat b_i` or of :math:`\hat b_i`.

    .. math::

        \operatorname{Var}\{(\hat\mu + \hat b_i) - (\mu + b_i)\} = (1 - w_i)^2\operatorname{Var}(\hat\mu) + c_i
        \quad(\texttt{target="group_mean"}),

        \operatorname{Var}(\hat b_i - b_i) = c_i + w_i^2\operatorname{Var}(\hat\mu)
        \quad(\texttt{target="deviation"}),

    with :math:`c_i = (1-w_i)\sigma_b^2` (:func:`conditional_variance`) and Var(μ̂) from
    :func:`var_gls_mean`.  The two differ because μ̂ enters b̂_i = w_i(ȳ_i − μ̂) with
    weight −w_i but the group mean μ̂ + b̂_i with weight 1 − w_i.

    Parameters
    ----------
    n : array_like of int, shape (g,) or (..., g)
        Observations per group; these groups estimate μ unless ``var_mu`` is given.
    sigma_b2, sigma_e2 : float or array_like
        Variance components (broadcasting as in :func:`var_gls_mean`).
    target : {'group_mean', 'deviation'}, keyword-only
    var_mu : float or array_like, optional, keyword-only
        Var(μ̂) of the design that estimates μ when the rows of ``n`` are *other*
        individuals (e.g. one more patient with n readings); default :func:`var_gls_mean`.

    Returns
    -------
    ndarray, the broadcast shape of the inputs.

    Examples
    --------
    Two groups of 2 readings, σ_b² = 1, σ_ε² = 4: w = 1/3, c = 2/3, Var(μ̂) = 3/2.

    >>> pev([2, 2], 1.0, 4.0).round(12).tolist()                       # (2/3)²·3/2 + 2/3 = 4/3
    [1.333333333333, 1.333333333333]
    >>> pev([2, 2], 1.0, 4.0, target="deviation").round(12).tolist()   # 2/3 + (1/3)²·3/2 = 5/6
    [0.833333333333, 0.833333333333]
    """
    target = check_choice(target, "target", ("group_mean", "deviation"))
    n = np.atleast_1d(check_counts(n, "n"))
    if var_mu is None:
        var_mu = np.expand_dims(np.asarray(var_gls_mean(n, sigma_b2, sigma_e2)), -1)
    else:
        var_mu = np.asarray(check_variance(var_mu, "var_mu"))
    w = np.asarray(shrinkage_weight(n, sigma_b2, sigma_e2))
    c = conditional_variance(n, sigma_b2, sigma_e2)
    return c + ((1.0 - w) ** 2 if target == "group_mean" else w**2) * var_mu
