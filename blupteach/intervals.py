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

With *estimated* variances the same formulas are evaluated at the estimates (plug-in): the
predictor is then the empirical BLUP and the interval ignores the uncertainty in the variance
estimates, so it under-covers with few groups (see :mod:`blupteach.coverage`, lesson 05).
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from scipy import linalg, stats

from ._validation import check_choice, check_counts, check_variance

__all__ = ["TARGETS", "variance_parts", "variance_parts_mme", "prediction_variance_parts",
           "prediction_interval", "check_level"]

#: What a prediction interval can be for.
TARGETS = ("new_observation", "group_mean")
_COLUMNS = ["mean", "deviation", "noise", "total"]


def check_level(level, name: str = "level") -> float:
    """Return ``level`` as a float strictly between 0 and 1 (e.g. 0.95)."""
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not np.isfinite(level):
        raise ValueError(f"{name} must be a number strictly between 0 and 1 (e.g. 0.95); got {level!r}")
    if not 0.0 < float(level) < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1 (e.g. 0.95, not 95); got {level!r}")
    return float(level)


def _check_target(target) -> str:
    return check_choice(target, "target", TARGETS)


def _frame(mean, deviation, noise, index) -> pd.DataFrame:
    mean, deviation = np.asarray(mean, float), np.asarray(deviation, float)
    noise = np.broadcast_to(np.asarray(noise, float), mean.shape)
    return pd.DataFrame({"mean": mean, "deviation": deviation, "noise": noise,
                         "total": mean + deviation + noise}, index=index)


# ---------------------------------------------------------------------------
# one-way model, known variances: the closed form
# ---------------------------------------------------------------------------
def variance_parts(n, sigma_b2, sigma_e2, *, target: str = "new_observation", index=None,
                   var_mu: float | None = None) -> pd.DataFrame:
    r"""Return the three parts of the prediction error variance for each group of a one-way design.

    .. math::

        \texttt{mean}_i = (1-w_i)^2\operatorname{Var}(\hat\mu),\quad
        \operatorname{Var}(\hat\mu) = 1\Big/\sum_k \frac{n_k}{n_k\sigma_b^2 + \sigma_\varepsilon^2},\quad
        \texttt{deviation}_i = (1-w_i)\sigma_b^2,\quad
        \texttt{noise} = \sigma_\varepsilon^2 \text{ (0 for a group mean)},

    with :math:`w_i = n_i\sigma_b^2/(n_i\sigma_b^2+\sigma_\varepsilon^2)`; ``total`` is their sum,
    the variance of :math:`(\hat\mu + \hat b_i) - (\mu + b_i)` [+ the new reading's noise].

    Parameters
    ----------
    n : array_like of int, shape (g,)
        Observations per group; every group enters Var(μ̂) (a group with n = 0 is a new,
        unobserved individual: w = 0, the widest interval).
    sigma_b2, sigma_e2 : float
        Variance components (known, or plugged-in estimates).
    target : {'new_observation', 'group_mean'}, keyword-only
    index : array_like, optional
        Row labels (default 0..g−1).
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
        variances, ``sigma_e2 = 0``, an unknown ``target``.

    Examples
    --------
    Two groups of 1 reading, σ_b² = σ_ε² = 1: w = 1/2, Var(μ̂) = 1/(1/2 + 1/2) = 1.

    >>> variance_parts([1, 1], 1.0, 1.0).loc[0].tolist()   # (1/2)²·1, (1/2)·1, 1
    [0.25, 0.5, 1.0, 1.75]
    """
    target = _check_target(target)
    n = np.atleast_1d(check_counts(n, "n")).astype(float)
    if n.ndim != 1 or (var_mu is None and not (n > 0).any()):
        raise ValueError(f"n must hold at least one group with n > 0 observations (zero groups cannot estimate mu); got {n.tolist()}")
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    sigma_e2 = check_variance(sigma_e2, "sigma_e2")
    if sigma_e2 <= 0:
        raise ValueError(f"sigma_e2 must be > 0 (noise variance) for prediction intervals; got {sigma_e2}")
    denom = n * sigma_b2 + sigma_e2
    w = n * sigma_b2 / denom
    if var_mu is None:
        var_mu = 1.0 / float((n / denom).sum())    # 1/Σ_k u_k, u_k = 1/(σ_b² + σ_ε²/n_k) = n_k/(n_kσ_b² + σ_ε²)
    else:
        var_mu = check_variance(var_mu, "var_mu")
    noise = sigma_e2 if target == "new_observation" else 0.0
    parts = _frame((1 - w) ** 2 * var_mu, (1 - w) * sigma_b2, noise, index)
    parts.attrs["var_mu"] = var_mu
    return parts


# ---------------------------------------------------------------------------
# general model: the same split from the blocks of the mixed-model equations
# ---------------------------------------------------------------------------
def variance_parts_mme(X, Z, G, sigma_e2, x0, z0, *, target: str = "new_observation", index=None) -> pd.DataFrame:
    r"""Return the three parts for targets :math:`x_0'\beta + z_0'b` of a general mixed model.

    ``mean`` = :math:`a'\operatorname{Var}(\hat\beta)a` with :math:`a = x_0 - X'Z D z_0/\sigma_\varepsilon^2`,
    ``deviation`` = :math:`z_0' D z_0`, ``noise`` = σ_ε² (new observation) or 0, where
    :math:`D = \Lambda(I + \Lambda'Z'Z\Lambda/\sigma_\varepsilon^2)^{-1}\Lambda'`, G = ΛΛ' (this equals
    :math:`(Z'Z/\sigma_\varepsilon^2 + G^{-1})^{-1}` and allows a singular G, a variance at 0) and
    :math:`\operatorname{Var}(\hat\beta)^{-1} = (X'X - X'Z\Lambda M^{-1}\Lambda'Z'X/\sigma_\varepsilon^2)/\sigma_\varepsilon^2`,
    M = I + Λ'Z'ZΛ/σ_ε² (Woodbury: no N × N matrix).

    Parameters
    ----------
    X : array_like, shape (N, p);  Z : array_like or sparse, shape (N, q);  G : array_like, shape (q, q)
    sigma_e2 : float, > 0
    x0 : array_like, shape (m, p);  z0 : array_like, shape (m, q)
        One row per target.

    Returns
    -------
    DataFrame, shape (m, 4): ``mean``, ``deviation``, ``noise``, ``total``.

    Examples
    --------
    One-way, 2 groups of 1 reading, σ_b² = σ_ε² = 1 (as in :func:`variance_parts`):

    >>> parts = variance_parts_mme([[1.], [1.]], np.eye(2), np.eye(2), 1.0, [[1.]], [[1., 0.]])
    >>> np.round(parts.loc[0].tolist(), 12).tolist()
    [0.25, 0.5, 1.0, 1.75]
    """
    target = _check_target(target)
    sigma_e2 = check_variance(sigma_e2, "sigma_e2")
    if sigma_e2 <= 0:
        raise ValueError(f"sigma_e2 must be > 0; got {sigma_e2}")
    X = np.asarray(X, float)
    Z = Z.toarray() if hasattr(Z, "toarray") else np.asarray(Z, float)
    G = np.asarray(G, float)
    x0, z0 = np.atleast_2d(np.asarray(x0, float)), np.atleast_2d(np.asarray(z0, float))
    if Z.shape[0] != X.shape[0]:
        raise ValueError(f"Z must have {X.shape[0]} rows to match X; got {Z.shape[0]}")
    if G.shape != (Z.shape[1], Z.shape[1]):
        raise ValueError(f"G must be {Z.shape[1]} x {Z.shape[1]} to match Z's columns; got {G.shape}")
    if x0.shape[1] != X.shape[1] or z0.shape[1] != Z.shape[1] or x0.shape[0] != z0.shape[0]:
        raise ValueError(f"x0 and z0 must have {X.shape[1]} and {Z.shape[1]} columns and the same rows; "
                         f"got {x0.shape} and {z0.shape}")
    evals, evecs = linalg.eigh((G + G.T) / 2)
    if evals.min() < -1e-10 * max(1.0, evals.max()):
        raise ValueError("G must be positive semi-definite (a covariance matrix)")
    Lam = evecs * np.sqrt(np.clip(evals, 0, None))            # G = Λ Λ'
    ZL = Z @ Lam
    M = np.eye(Lam.shape[1]) + ZL.T @ ZL / sigma_e2
    Mc = linalg.cho_factor(M)
    LtZtX = ZL.T @ X
    # D z0' = Λ M⁻¹ Λ' z0'   (columns: one per target)
    Dz = Lam @ linalg.cho_solve(Mc, Lam.T @ z0.T)
    deviation = np.einsum("ij,ji->i", z0, Dz)
    XtVinvX = (X.T @ X - LtZtX.T @ linalg.cho_solve(Mc, LtZtX) / sigma_e2) / sigma_e2
    a = x0.T - X.T @ (Z @ Dz) / sigma_e2                        # (p, m)
    mean = np.einsum("ij,ij->j", a, linalg.solve(XtVinvX, a, assume_a="pos"))
    noise = sigma_e2 if target == "new_observation" else 0.0
    return _frame(mean, deviation, noise, index)


# ---------------------------------------------------------------------------
# fits
# ---------------------------------------------------------------------------
def _fit_variances(fit):
    """(sigma_b2 or None, sigma_e2) of a fit, or ValueError naming ``fit``."""
    sigma_e2 = getattr(fit, "sigma2", getattr(fit, "sigma_e2", None))
    varcorr = getattr(fit, "varcorr", None)
    ok = isinstance(sigma_e2, numbers.Real) and np.isfinite(sigma_e2) and sigma_e2 > 0 and varcorr is not None
    if ok:
        try:
            ok = all(np.all(np.isfinite(np.asarray(v, float))) for v in dict(varcorr).values()) and len(varcorr) > 0
        except (TypeError, ValueError):
            ok = False
    if not ok:
        raise ValueError("fit must be a fitted model with variance estimates (a finite sigma2 > 0 and "
                         "varcorr), e.g. bt.fit_oneway(y, group); got "
                         f"{type(fit).__name__} without them")
    return float(sigma_e2)


def _is_oneway(fit) -> bool:
    return all(hasattr(fit, a) for a in ("n", "sigma_b2", "sigma_e2", "w", "var_mu")) and not hasattr(fit, "design")


def _check_factor(fit, factor):
    if factor is not None and _is_oneway(fit) and factor != getattr(fit, "group_name", "group"):
        raise ValueError(f"factor must be the fit's grouping factor {getattr(fit, 'group_name', 'group')!r} "
                         f"(or None); got {factor!r}")


def prediction_variance_parts(fit, *, target: str = "new_observation", factor: str | None = None) -> pd.DataFrame:
    r"""Return the exact, covariance-free split of each group's prediction error variance.

    For a one-way fit (:func:`blupteach.fit_oneway`) one row per group:
    ``mean`` = (1 − w_i)²Var(μ̂), ``deviation`` = (1 − w_i)σ̂_b² (= lme4's condVar c_i),
    ``noise`` = σ̂_ε² for a new observation (0 for the group mean), ``total`` their sum.
    For a general fit (:func:`blupteach.fit_lmm`) the same split from the mixed-model
    equations (module docstring; :func:`variance_parts_mme`), one row per level of the
    grouping factor, at that level's average design row.

    Parameters
    ----------
    fit : OnewayFit or the result of ``fit_lmm``
        Must carry variance estimates.
    target : {'new_observation', 'group_mean'}, keyword-only
    factor : str, optional, keyword-only
        For a general fit with several grouping factors: whose levels are the rows
        (default: the first factor of the formula).

    Returns
    -------
    DataFrame indexed by group: ``mean``, ``deviation``, ``noise``, ``total`` (variances,
    squared units of y), plus ``n``.

    Raises
    ------
    ValueError
        ``fit`` without variance estimates or with zero groups; unknown ``target``.

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
    sigma_e2 = _fit_variances(fit)
    _check_factor(fit, factor)
    if _is_oneway(fit):
        n = np.asarray(fit.n, float)
        if n.size == 0:
            raise ValueError("fit has zero groups; it needs at least one group to predict")
        index = pd.Index(getattr(fit, "levels", range(n.size)), name=getattr(fit, "group_name", "group"))
        parts = variance_parts(n, fit.sigma_b2, fit.sigma_e2, target=target, index=index)
    else:
        from ._general import general_design
        X, Z, G, x0, z0, index, n = general_design(fit, factor)
        if len(index) == 0:
            raise ValueError("fit has zero groups; it needs at least one group to predict")
        parts = variance_parts_mme(X, Z, G, sigma_e2, x0, z0, target=target, index=index)
    parts["n"] = np.asarray(n).astype(int)
    return parts


def _point_predictions(fit, factor) -> np.ndarray:
    if _is_oneway(fit):
        return fit.mu + np.asarray(fit.blup, float)
    from ._general import general_point
    return general_point(fit, factor)


def prediction_interval(fit, level: float = 0.95, *, target: str = "new_observation",
                        factor: str | None = None) -> pd.DataFrame:
    r"""Return each group's prediction and its plug-in prediction interval.

    .. math:: \hat\mu + \hat b_i \;\pm\; z_{(1+\text{level})/2}\sqrt{\texttt{total}_i}

    with ``total`` from :func:`prediction_variance_parts` (the error of μ̂ + b̂_i about μ + b_i
    for ``target="group_mean"``, plus σ_ε² for ``target="new_observation"``) and z the
    standard normal quantile.

    Parameters
    ----------
    fit : OnewayFit or the result of ``fit_lmm``
    level : float in (0, 1)
        Nominal coverage, e.g. 0.95.
    target : {'new_observation', 'group_mean'}, keyword-only
    factor : str, optional, keyword-only
        As in :func:`prediction_variance_parts`.

    Returns
    -------
    DataFrame indexed by group: ``n``, ``prediction``, ``se``, ``lower``, ``upper``.

    Raises
    ------
    ValueError
        ``level`` not strictly between 0 and 1; unknown ``target``; ``fit`` without
        variance estimates or with zero groups.

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
    exact for known variances and under-covers with few groups (:func:`blupteach.coverage.simulate_coverage`).
    Even with known variances it covers on average over individuals, not for each one:
    individuals far from the mean are covered less often (the BLUP's conditional bias).
    """
    level = check_level(level)
    target = _check_target(target)
    parts = prediction_variance_parts(fit, target=target, factor=factor)
    pred = _point_predictions(fit, factor)
    se = np.sqrt(parts["total"].to_numpy())
    half = stats.norm.ppf(0.5 + level / 2) * se
    return pd.DataFrame({"n": parts["n"].to_numpy(), "prediction": pred, "se": se,
                         "lower": pred - half, "upper": pred + half}, index=parts.index)
