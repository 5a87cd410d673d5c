r"""League tables: which groups are really unusual, and how sure each group's rank is (lesson 10).

Model
-----
.. math::

    y = X\beta + Zb + \varepsilon, \qquad b_i \stackrel{iid}{\sim} N(0, \sigma_b^2), \quad
    \varepsilon \sim N(0, \sigma_\varepsilon^2 I),

one random intercept :math:`b_i` per group (a school), with X holding the intercept and any
covariates (an intake score makes :math:`b_i` a *value-added* effect).

======================================  ==============  ==============================================
symbol                                  name            meaning
======================================  ==============  ==============================================
:math:`n_i`                             ``n``           observations (pupils) of group i
:math:`\hat b_i`                        ``b_hat``       BLUP of the group's deviation from the average
:math:`P`                               ``cov``         joint prediction error covariance of b̂ (g × g)
:math:`\mathrm{PEV}_i = P_{ii}`         ``pev``         Henderson's PEV of b̂_i
:math:`\bar r_i`                        ``raw``         the group's own mean residual, ȳ_i − x̄_i'β̂
:math:`z`                               —               standard normal quantile of the level
======================================  ==============  ==============================================

The effects given the data
--------------------------
With the variances at their estimates and β given a flat prior (equivalently: integrating β
out as GLS does), the group effects given the data are jointly normal,

.. math::

    b \mid y \;\sim\; N(\hat b, P), \qquad
    P = [C^{-1}]_{bb}, \qquad
    C = \begin{pmatrix} X'X & X'Z \\ Z'X & Z'Z + \sigma_\varepsilon^2 G^{-1}\end{pmatrix}
        \Big/ \sigma_\varepsilon^2 ,

Henderson's coefficient matrix (:func:`blupteach.mme`), whose inverse holds the prediction
error (co)variances.  One-way: :math:`P = \operatorname{diag}(c_i) + \operatorname{Var}(\hat\mu)\,ww'`
with :math:`c_i = (1 - w_i)\sigma_b^2`; its diagonal is :func:`blupteach.pev` with
``target="deviation"``.  The off-diagonal terms are the shared error in :math:`\hat\beta`; they
matter for ranks only a little, since a shift common to every group changes no rank.

Flagging and ranks
------------------
A group is flagged as unusual at a level when its interval for the deviation from the average
excludes 0, :math:`|\text{estimate}_i| > z\,\text{se}_i` (:func:`flag_unusual`): with the BLUP,
:math:`|\hat b_i| > z\sqrt{\mathrm{PEV}_i}`; with the raw mean, :math:`|\bar r_i| > z\sqrt{\sigma_\varepsilon^2/n_i}`
(the common-effect funnel limits of :mod:`blupteach.funnel`).  A group's rank is uncertain
because its effect is: :func:`blupteach.simulate.simulate_effects` draws b from
:math:`N(\hat b, P)`, and :func:`rank_intervals` summarises the ranks of the draws (rank 1 =
the largest effect).  Comparing ranks by whether two intervals overlap is not the same
thing, and is not used here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from ._validation import as_float_array, check_broadcast, check_level
from .fit import is_fit
from .mixed.henderson import mme

__all__ = ["EffectDistribution", "conditional_effects", "league_table", "flag_unusual", "rank_intervals"]


@dataclass(frozen=True)
class EffectDistribution:
    r"""The group effects given the data: :math:`b \mid y \sim N(\hat b, P)`.

    Attributes
    ----------
    b_hat : pandas.Series (g,)
        The BLUPs :math:`\hat b_i`, indexed by group (a list or array is labelled 0..g-1).
    cov : ndarray (g, g)
        :math:`P`, the joint prediction error covariance of :math:`\hat b` (symmetric).
    n : ndarray (g,)
        Observations of each group.
    """

    b_hat: pd.Series
    cov: np.ndarray
    n: np.ndarray

    def __post_init__(self):
        b = as_float_array(self.b_hat, "b_hat", ndim=1)
        cov = as_float_array(self.cov, "cov", ndim=2)
        if not isinstance(self.b_hat, pd.Series):                   # a list or array: labelled 0..g-1
            object.__setattr__(self, "b_hat", pd.Series(b))
        object.__setattr__(self, "cov", cov)                         # a float copy: the caller's array is not shared
        object.__setattr__(self, "n", as_float_array(self.n, "n", ndim=1))
        if cov.shape != (b.size, b.size):
            raise ValueError(f"cov must be {b.size} x {b.size} to match b_hat; got shape {cov.shape}")
        if not np.allclose(cov, cov.T, rtol=1e-10, atol=1e-14) or (np.diag(cov) < 0).any():
            raise ValueError("cov must be a covariance matrix: symmetric, with a diagonal >= 0")

    @property
    def pev(self) -> np.ndarray:
        """Henderson's PEV of each b̂_i, the diagonal of ``cov``, shape (g,)."""
        return np.diag(self.cov).copy()


def _factor(fit) -> str:
    """The fit's one grouping factor with a random intercept only, or raise."""
    usage = "fit must be a fitted model (bt.fit_oneway or bt.fit_lmm) with one random intercept, (1 | group)"
    if not is_fit(fit):
        raise ValueError(f"{usage}; got {type(fit).__name__}")
    covs = fit.varcorr
    if len(covs) != 1 or next(iter(covs.values())).shape != (1, 1):
        raise ValueError(f"{usage}; this one has random effects {[(k, list(v.index)) for k, v in covs.items()]}")
    return next(iter(covs))


def conditional_effects(fit) -> EffectDistribution:
    r"""Return the distribution of the group effects given the data, :math:`N(\hat b, P)`.

    :math:`P = [C^{-1}]_{bb}` from Henderson's coefficient matrix C at the fit's estimates
    (module docstring), built by :func:`blupteach.mme` from the fit's own design
    (``fit.prediction_design()``), so one path serves a one-way and a general fit.

    Parameters
    ----------
    fit : a fit of a random-intercept model, ``bt.fit_oneway(...)`` or ``bt.fit_lmm("y ~ ... + (1 | g)", ...)``

    Returns
    -------
    EffectDistribution
        ``b_hat`` (the fit's BLUPs), ``cov`` (g × g) and ``n``; ``.pev`` is the diagonal.

    Raises
    ------
    ValueError
        ``fit`` is not a fit, has more than one grouping factor or random slopes, or has
        σ̂_b² = 0 (then every b̂_i = 0 and P = 0: no group can be told apart).

    Examples
    --------
    Dyestuff (one-way REML): the diagonal is the PEV of b̂_i of lesson 05.

    >>> import blupteach as bt
    >>> d = bt.datasets.load("dyestuff")
    >>> round(float(conditional_effects(bt.fit_oneway(d["Yield"], d["Batch"])).pev[0]), 2)
    613.7
    """
    factor = _factor(fit)
    sigma_b2 = float(fit.varcorr[factor].iloc[0, 0])
    if not sigma_b2 > 0:
        raise ValueError(f"fit has sigma_b2 = {sigma_b2:g} for {factor!r}: every BLUP is 0 and no group can be "
                         "told apart; there is nothing to rank")
    d = fit.prediction_design()
    b_hat = fit.ranef[factor]["(Intercept)"]
    q = b_hat.size
    C = mme(d.X, d.Z[:, :q], d.G[:q, :q], d.sigma_e2, np.zeros(d.X.shape[0])).C
    p = d.X.shape[1]
    P = np.linalg.solve(C, np.eye(C.shape[0]))[p:, p:]
    return EffectDistribution(b_hat=b_hat.rename("b_hat"), cov=(P + P.T) / 2, n=np.asarray(d.n, float))


def _raw(fit, factor) -> np.ndarray:
    """Each group's own mean residual ȳ_i − x̄_i'β̂ (one-way: ȳ_i − μ̂)."""
    if hasattr(fit, "mean"):                                    # OnewayFit: the raw group means
        return np.asarray(fit.mean, float) - float(fit.fixef.iloc[0])
    design = fit.design                                         # LmmFit: y, X and the group codes
    codes = np.asarray(design.blocks[0].codes)
    resid = design.y - design.X @ fit.fixef.to_numpy(float)
    return np.bincount(codes, resid, minlength=len(design.blocks[0].levels)) / np.bincount(codes)


def league_table(fit) -> pd.DataFrame:
    r"""Return each group's raw and BLUP deviation from the average, with their standard errors.

    .. math::

        \texttt{raw}_i = \bar y_i - \bar x_i'\hat\beta, \quad \texttt{raw\_se}_i = \sqrt{\hat\sigma_\varepsilon^2/n_i};
        \qquad \texttt{blup}_i = \hat b_i, \quad \texttt{se}_i = \sqrt{\mathrm{PEV}_i},

    (one-way: raw = ȳ_i − μ̂).  The raw column is the no-pooling estimate: the group's own
    data alone, with β̂ from the same fit; the BLUP column is shrunk toward 0 by w_i.

    Parameters
    ----------
    fit : a random-intercept fit (as :func:`conditional_effects`)

    Returns
    -------
    DataFrame indexed by group: ``n``, ``raw``, ``raw_se``, ``blup``, ``se``, ``raw_rank``,
    ``blup_rank`` (1 = largest).

    Raises
    ------
    ValueError
        As :func:`conditional_effects`.

    Examples
    --------
    >>> import blupteach as bt
    >>> d = bt.datasets.load("dyestuff")
    >>> t = league_table(bt.fit_oneway(d["Yield"], d["Batch"]))
    >>> int(t.loc["E", "raw_rank"]), int(t.loc["E", "blup_rank"])     # the highest batch both ways
    (1, 1)
    """
    factor = _factor(fit)
    eff = conditional_effects(fit)
    raw = _raw(fit, factor)
    table = pd.DataFrame({"n": eff.n.astype(int), "raw": raw, "raw_se": np.sqrt(fit.sigma2 / eff.n),
                          "blup": eff.b_hat.to_numpy(float), "se": np.sqrt(eff.pev)}, index=eff.b_hat.index)
    table["raw_rank"] = table["raw"].rank(ascending=False, method="min").astype(int)
    table["blup_rank"] = table["blup"].rank(ascending=False, method="min").astype(int)
    return table


def flag_unusual(estimate, se, *, level: float = 0.95) -> np.ndarray:
    r"""Return True where the interval estimate ± z·se excludes 0: the group differs from the average.

    .. math:: |\text{estimate}_i| > z_{(1+\text{level})/2}\,\text{se}_i

    Parameters
    ----------
    estimate : array_like (g,)
        Deviations from the average (``league_table``'s ``raw`` or ``blup``).
    se : array_like (g,) or float, > 0
        Their standard errors (``raw_se`` or ``se``).
    level : float in (0, 1), keyword-only

    Returns
    -------
    ndarray of bool (g,)

    Raises
    ------
    ValueError
        NaN or non-numeric input, ``se`` <= 0, lengths that do not match, ``level`` outside (0, 1).

    Examples
    --------
    >>> flag_unusual([0.5, -0.5, 0.1], [0.2, 0.3, 0.2]).tolist()     # z = 1.96: 2.5 and 1.67 and 0.5 se
    [True, False, False]
    """
    level = check_level(level)
    est = as_float_array(estimate, "estimate", ndim=1)
    se = as_float_array(se, "se")
    if (se <= 0).any():
        raise ValueError("se must be > 0 (a standard error); got a value <= 0")
    check_broadcast(estimate=est, se=se)
    return np.abs(est) > special.ndtri(0.5 + level / 2) * se


def rank_intervals(draws, *, level: float = 0.95, index=None) -> pd.DataFrame:
    r"""Return each group's rank interval from simulated effects: the ranks' median and central ``level`` range.

    Each row of ``draws`` is one joint draw of all g effects; within a row the largest effect
    gets rank 1 and the smallest rank g (ties share their average rank).  For group i the
    ranks over the rows give ``median``, ``lower`` (the (1 − level)/2 quantile) and ``upper``
    (the (1 + level)/2 quantile), each a rank that occurred (inverted-CDF quantiles).

    Parameters
    ----------
    draws : array_like (sims, g)
        Joint draws of the effects, e.g. :func:`blupteach.simulate.simulate_effects`.
    level : float in (0, 1), keyword-only
    index : sequence of g labels, optional, keyword-only
        The groups' names (default 0..g-1).

    Returns
    -------
    DataFrame indexed by group: ``median``, ``lower``, ``upper``, ``width`` (= upper − lower).

    Raises
    ------
    ValueError
        ``draws`` not 2-dimensional, with NaN, with fewer than 2 groups; ``index`` of the
        wrong length; ``level`` outside (0, 1).

    Examples
    --------
    Three groups whose effects never cross: every rank is certain.

    >>> t = rank_intervals([[3.0, 1.0, 2.0], [2.9, 0.8, 2.1]], index=["a", "b", "c"])
    >>> t[["lower", "upper"]].to_numpy().tolist()
    [[1.0, 1.0], [3.0, 3.0], [2.0, 2.0]]
    """
    level = check_level(level)
    draws = as_float_array(draws, "draws", ndim=2)
    g = draws.shape[1]
    if g < 2:
        raise ValueError(f"draws must have one column per group and at least 2 groups to rank; got {g}")
    if index is not None and len(index) != g:
        raise ValueError(f"index must have {g} labels, one per column of draws; got {len(index)}")
    ranks = stats.rankdata(-draws, axis=1, method="average")
    q = np.quantile(ranks, [0.5, (1 - level) / 2, (1 + level) / 2], axis=0, method="inverted_cdf")
    out = pd.DataFrame({"median": q[0], "lower": q[1], "upper": q[2]},
                       index=pd.Index(range(g) if index is None else list(index)))
    out["width"] = out["upper"] - out["lower"]
    return out
