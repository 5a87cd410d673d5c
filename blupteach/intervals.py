r"""Prediction uncertainty: the three sources, split exactly, and prediction intervals.

Model
-----
.. math::

    y = X\beta + Zb + \varepsilon, \qquad b \sim N(0, G), \quad \varepsilon \sim N(0, \sigma_\varepsilon^2 I).

The target of a prediction is a group's mean :math:`\theta = x'\beta + z'b` (``target="group_mean"``)
or a *new observation* in that group, :math:`\theta + \varepsilon_{new}` (``target="new_observation"``).
The predictor is :math:`\hat\theta = x'\hat\beta + z'\hat b` (GLS :math:`\hat\beta`, BLUP :math:`\hat b`).

=====================================  ==============  =============================================
symbol                                 name            meaning
=====================================  ==============  =============================================
:math:`n_i`                            ``n``           observations in group i
:math:`\sigma_b^2`, :math:`\sigma_\varepsilon^2`  ``sigma_b2``, ``sigma_e2``  variance components
:math:`w_i`                            ``w``           shrinkage weight nσ_b²/(nσ_b² + σ_ε²)
:math:`\operatorname{Var}(\hat\mu)`    ``var_mu``      variance of the GLS population mean
:math:`c_i`                            ``deviation``   (1 − w_i)σ_b² = w_iσ_ε²/n_i (lme4's condVar)
=====================================  ==============  =============================================

The split (derivation, general model)
-------------------------------------
Write :math:`D = (Z'Z/\sigma_\varepsilon^2 + G^{-1})^{-1}` and
:math:`\tilde b(\beta) = D Z'(y - X\beta)/\sigma_\varepsilon^2`, the BLUP if β were known, so that
:math:`\hat b = \tilde b(\hat\beta)`.  Then

.. math::

    \hat\theta - \theta = z'\{\tilde b(\beta) - b\} + a'(\hat\beta - \beta),
    \qquad a = x - X'Z D z / \sigma_\varepsilon^2 .

:math:`\tilde b(\beta) - b` is the error of a conditional mean, uncorrelated with every linear
function of y, and :math:`\hat\beta - \beta` is one: the two terms are uncorrelated and

.. math::

    \operatorname{Var}(\hat\theta - \theta)
    = \underbrace{a'\operatorname{Var}(\hat\beta)\,a}_{\texttt{mean}}
    + \underbrace{z'Dz}_{\texttt{deviation}}
    \;[+ \underbrace{\sigma_\varepsilon^2}_{\texttt{noise}}] .

One-way model (x = 1, z = e_i): :math:`a = 1 - w_i`, :math:`z'Dz = c_i = (1 - w_i)\sigma_b^2`, so
``mean`` = (1 − w_i)²Var(μ̂), ``deviation`` = (1 − w_i)σ_b², ``noise`` = σ_ε².  Taking Var(μ̂)
itself, or Henderson's PEV of b̂_i (= c_i + w_i²Var(μ̂)), as a part double-counts: the
covariance of μ̂ and b̂_i − b_i is −w_iVar(μ̂).  The sum equals the PEV from the inverse of
Henderson's coefficient matrix C, :math:`\sigma_\varepsilon^2 [x; z]' C^{-1} [x; z]` (the tests
check exactly that, computed independently).

Every fit offers the arrays this needs through one method, ``fit.prediction_design(newdata)``
(:class:`blupteach.fit.PredictionDesign`), so :func:`prediction_variance_parts` and
:func:`prediction_interval` take one path for every fit, the general one
(:func:`variance_parts_mme`).  :func:`variance_parts` is the one-way closed form the lesson
writes down; the tests check that the two agree.

With *estimated* variances the same formulas are evaluated at the estimates (plug-in): the
predictor is then the empirical BLUP and the interval ignores the uncertainty in the variance
estimates, so it under-covers with few groups (see :mod:`blupteach.coverage`, lesson 05).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from ._validation import check_counts, check_level, check_variance
from .fit import is_fit
from .oneway import conditional_variance, shrinkage_weight, var_gls_mean
from .variance_split import TARGETS, _check_target, _frame, _split, variance_parts_mme

__all__ = ["TARGETS", "variance_parts", "variance_parts_mme", "prediction_variance_parts", "prediction_interval"]


# ---------------------------------------------------------------------------
# one-way model, known variances: the closed form
# ---------------------------------------------------------------------------
def variance_parts(n, sigma_b2, sigma_e2, *, target: str = "new_observation", index=None,
                   var_mu: float | None = None) -> pd.DataFrame:
    r"""Return the three parts of the prediction error variance for each group of a one-way design.

    .. math::

        \texttt{mean}_i = (1-w_i)^2\operatorname{Var}(\hat\mu),\quad
        \operatorname{Var}(\hat\mu) = 1\Big/\sum_k \frac{n_k}{n_k\sigma_b^2 + \sigma_\varepsilon^2},\quad
        \texttt{deviation}_i = c_i = (1-w_i)\sigma_b^2,\quad
        \texttt{noise} = \sigma_\varepsilon^2 \text{ (0 for a group mean)},

    with :math:`w_i = n_i\sigma_b^2/(n_i\sigma_b^2+\sigma_\varepsilon^2)`; ``total`` is their sum,
    the variance of :math:`(\hat\mu + \hat b_i) - (\mu + b_i)` [+ the new reading's noise]
    (:func:`blupteach.pev` [+ σ_ε²]).

    Parameters
    ----------
    n : array_like of int, shape (g,)
        Observations per group; every group enters Var(μ̂) (a group with n = 0 is a new,
        unobserved individual: w = 0, the widest interval).
    sigma_b2, sigma_e2 : float
        Variance components (known, or plugged-in estimates); σ_ε² > 0.
    target : {'new_observation', 'group_mean'}, keyword-only
    index : array_like, optional
        Row labels (default 0..g−1), one per entry of ``n``.
    var_mu : float, optional
        Var(μ̂) of the design that estimates μ, when the rows are *other* individuals
        (e.g. a curve over n for one more patient of a given clinic); default: computed
        from ``n``.

    Returns
    -------
    DataFrame, shape (g, 4)
        Columns ``mean``, ``deviation``, ``noise``, ``total``; ``attrs["var_mu"]`` holds Var(μ̂).

    Raises
    ------
    ValueError
        Negative or non-integer ``n``, no group with n > 0 (zero groups), negative
        variances, ``sigma_e2 = 0``, an unknown ``target``, an ``index`` of the wrong length.

    Examples
    --------
    Two groups of 1 reading, σ_b² = σ_ε² = 1: w = 1/2, Var(μ̂) = 1/(1/2 + 1/2) = 1.

    >>> variance_parts([1, 1], 1.0, 1.0).loc[0].tolist()   # (1/2)²·1, (1/2)·1, 1
    [0.25, 0.5, 1.0, 1.75]
    """
    target = _check_target(target)
    n = np.atleast_1d(check_counts(n, "n"))
    if n.ndim != 1:
        raise ValueError(f"n must be one list of counts (one per group); got shape {n.shape}")
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    sigma_e2 = check_variance(sigma_e2, "sigma_e2", positive=True)
    if index is not None and len(index) != n.size:
        raise ValueError(f"index must have {n.size} labels (one per entry of n); got {len(index)}")
    var_mu = var_gls_mean(n, sigma_b2, sigma_e2) if var_mu is None else check_variance(var_mu, "var_mu")
    w = shrinkage_weight(n, sigma_b2, sigma_e2)
    noise = sigma_e2 if target == "new_observation" else 0.0
    parts = _frame((1 - w) ** 2 * var_mu, conditional_variance(n, sigma_b2, sigma_e2), noise, index)
    parts.attrs["var_mu"] = float(var_mu)
    return parts


# ---------------------------------------------------------------------------
# ---------------------------------------------------------------------------
# fits: one path for every fit
# ---------------------------------------------------------------------------
def _design(fit, newdata, factor):
    """The fit's PredictionDesign, after checking ``fit`` is a fit with usable variance estimates."""
    usage = "fit must be a fitted model with variance estimates (bt.fit_oneway(...) or bt.fit_lmm(...))"
    if not is_fit(fit):
        raise ValueError(f"{usage}; got {type(fit).__name__}")
    sigma2 = fit.sigma2
    covs = [np.asarray(v, float) for v in fit.varcorr.values()]
    if not (np.isfinite(sigma2) and sigma2 > 0 and all(np.isfinite(c).all() for c in covs)):
        raise ValueError(f"{usage}; this one has a missing, non-finite or zero variance (sigma2 = {sigma2})")
    design = fit.prediction_design(newdata, factor=factor)
    if len(design.index) == 0:
        raise ValueError("fit has no targets to predict (zero groups, or newdata with no rows)")
    return design


def prediction_variance_parts(fit, *, target: str = "new_observation", newdata=None,
                              factor: str | None = None) -> pd.DataFrame:
    r"""Return the exact, covariance-free split of each target's prediction error variance.

    One path for every fit: the fit's :meth:`prediction_design` gives X, Z, G, σ̂_ε² and the
    targets' rows, and :func:`variance_parts_mme` splits.  For a one-way fit
    (:func:`blupteach.fit_oneway`) the rows are the groups and the parts are the closed
    form of :func:`variance_parts`: ``mean`` = (1 − w_i)²Var(μ̂), ``deviation`` =
    (1 − w_i)σ̂_b² (lme4's condVar c_i), ``noise`` = σ̂_ε² for a new observation.

    Parameters
    ----------
    fit : a fitted model (:class:`blupteach.fit.Fit`: ``fit_oneway`` or ``fit_lmm``)
    target : {'new_observation', 'group_mean'}, keyword-only
    newdata : optional, keyword-only
        Whom to predict: default one target per level of the grouping factor (at that
        level's average design row).  For a one-way fit, group labels; for a general fit,
        a DataFrame of rows with the formula's columns.  A level the fit never saw is
        predicted at the population level, with the full σ_b² in its variance.
    factor : str, optional, keyword-only
        For a general fit with several grouping factors: whose levels are the default
        targets (default: the first factor of the formula).

    Returns
    -------
    DataFrame indexed by target: ``mean``, ``deviation``, ``noise``, ``total`` (variances,
    squared units of y), plus ``n`` (the fit's observations of the target's level).

    Raises
    ------
    ValueError
        ``fit`` that is not a fitted model; no targets; unknown ``target`` or ``factor``.

    Examples
    --------
    Dyestuff (REML): every batch has 5 preparations, so every row is the same.

    >>> import blupteach as bt
    >>> d = bt.datasets.load("dyestuff")
    >>> parts = prediction_variance_parts(bt.fit_oneway(d["Yield"], d["Batch"]))
    >>> round(float(parts["total"].iloc[0]), 2)         # 17.77 + 383.63 + 2451.25
    2852.65

    Notes
    -----
    With estimated variances this is the plug-in (empirical BLUP) variance: it leaves out
    the uncertainty in σ̂_b², σ̂_ε².  Lesson 05.
    """
    target = _check_target(target)
    d = _design(fit, newdata, factor)
    parts = _split(d.X, d.Z, d.Lam, d.sigma_e2, np.asarray(d.x0, float), d.z0, target, d.index)
    parts["n"] = np.asarray(d.n).astype(int)
    return parts


def prediction_interval(fit, level: float = 0.95, *, target: str = "new_observation", newdata=None,
                        factor: str | None = None, parts: bool = False) -> pd.DataFrame:
    r"""Return each target's prediction and its plug-in prediction interval.

    .. math:: \hat\theta \;\pm\; z_{(1+\text{level})/2}\sqrt{\texttt{total}}

    with :math:`\hat\theta = x_0'\hat\beta + z_0'\hat b` (μ̂ + b̂_i for a group) and ``total``
    from :func:`prediction_variance_parts`; z is the standard normal quantile.

    Parameters
    ----------
    fit : a fitted model (``fit_oneway`` or ``fit_lmm``)
    level : float in (0, 1)
        Nominal coverage, e.g. 0.95.
    target : {'new_observation', 'group_mean'}, keyword-only
    newdata, factor : optional, keyword-only
        As in :func:`prediction_variance_parts`.
    parts : bool, keyword-only
        Also return the variance parts (``mean``, ``deviation``, ``noise``) and
        ``population`` (:math:`x_0'\hat\beta`, the prediction without the group's own
        effects), from the same solve.

    Returns
    -------
    DataFrame indexed by target: ``n``, ``prediction``, ``se``, ``lower``, ``upper``
    (with ``parts``: and ``population``, ``mean``, ``deviation``, ``noise``).

    Raises
    ------
    ValueError
        ``level`` not strictly between 0 and 1; unknown ``target``; ``fit`` not a fitted
        model; no targets.

    Examples
    --------
    >>> import blupteach as bt
    >>> d = bt.datasets.load("dyestuff")
    >>> pi = prediction_interval(bt.fit_oneway(d["Yield"], d["Batch"]), 0.95, target="group_mean")
    >>> round(float(pi["se"].iloc[0]) ** 2, 3)          # 383.634 + 17.770
    401.403

    Notes
    -----
    With estimated variances the interval is a plug-in (empirical BLUP) interval: it is
    exact for known variances and under-covers with few groups (:func:`blupteach.simulate_coverage`).
    Even with known variances it covers on average over individuals, not for each one:
    individuals far from the mean are covered less often (the BLUP's conditional bias).
    """
    level = check_level(level)
    target = _check_target(target)
    if not isinstance(parts, bool):
        raise ValueError(f"parts must be True or False; got {parts!r}")
    d = _design(fit, newdata, factor)
    split = _split(d.X, d.Z, d.Lam, d.sigma_e2, np.asarray(d.x0, float), d.z0, target, d.index)
    se = np.sqrt(split["total"].to_numpy())
    half = special.ndtri(0.5 + level / 2) * se        # z quantile of N(0, 1)
    pred = np.asarray(d.prediction, float)
    out = pd.DataFrame({"n": np.asarray(d.n).astype(int), "prediction": pred, "se": se,
                        "lower": pred - half, "upper": pred + half}, index=d.index)
    if parts:
        out["population"] = np.asarray(d.x0, float) @ fit.fixef.to_numpy(float)
        out[["mean", "deviation", "noise"]] = split[["mean", "deviation", "noise"]].to_numpy()
    return out
