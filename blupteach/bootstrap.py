r"""Parametric bootstrap prediction intervals: letting the variance estimates' own uncertainty in.

Model (one-way, as in :mod:`blupteach.oneway`): :math:`y_{ij} = \mu + b_i + \varepsilon_{ij}`,
:math:`b_i \sim N(0, \sigma_b^2)`, :math:`\varepsilon_{ij} \sim N(0, \sigma_\varepsilon^2)`.

The plug-in interval :math:`\hat\theta_i \pm z\sqrt{\mathrm{PEV}_i(\hat\sigma_b^2, \hat\sigma_\varepsilon^2)}`
for :math:`\theta_i = \mu + b_i` treats the estimates as the truth.  The parametric bootstrap
(a bootstrap-*t*, as in Chatterjee, Lahiri & Li 2008, *Ann. Statist.* 36:1221) replaces z by a
quantile learnt from data sets simulated at the estimates:

1. fit the data: :math:`\hat\mu, \hat\sigma_b^2, \hat\sigma_\varepsilon^2`;
2. draw ``boot`` data sets from the model at those values: :math:`b^*_i \sim N(0, \hat\sigma_b^2)`,
   group means and within-group sum of squares as in :func:`blupteach.simulate.simulate_group_stats`;
3. refit each one (the same estimator: balanced REML, or ANOVA when unbalanced) and form the
   pivot :math:`t^*_i = (\theta^*_i - \hat\theta^*_i)\big/\sqrt{\mathrm{PEV}_i(\hat\sigma_b^{2*}, \hat\sigma_\varepsilon^{2*})}`;
4. :math:`q` = the ``level`` quantile of :math:`|t^*|` (pooled over groups with the same n, whose
   pivots have one distribution), and the interval is :math:`\hat\theta_i \pm q\sqrt{\mathrm{PEV}_i}`.

Each bootstrap refit's σ̂_b² scatters as the real estimate does, so the pivot's tails carry
the variance estimates' own uncertainty: q > z, most so with few groups.  The pivot does not
depend on μ (every estimate moves with it) nor on the overall scale, so the bootstrap world
uses μ = 0 and only the ratio of the estimates matters.

==================  ===============  ===============================================
symbol              name             meaning
==================  ===============  ===============================================
:math:`n_i`         ``n``            observations in group i
:math:`\hat\sigma_b^2, \hat\sigma_\varepsilon^2`  ``sigma_b2``, ``sigma_e2``   estimates the bootstrap draws from
:math:`B`           ``boot``         bootstrap data sets per real data set
:math:`q`           ``q``            bootstrap quantile of \|t*\| (z = 1.96 for the plug-in)
==================  ===============  ===============================================

Lesson 05 compares its coverage with the plug-in interval's on the same simulated data sets.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ._validation import check_counts, check_level, check_seed, check_variance, check_variances, check_whole
from .coverage import estimate_variances, plug_in_prediction
from .oneway import pev
from .simulate import simulate_group_stats

__all__ = ["bootstrap_quantile", "bootstrap_interval", "BootstrapCoverage", "simulate_bootstrap_coverage"]

_CHUNK = 400_000     # bootstrap data sets x groups drawn at a time (memory stays ~ tens of MB)


def _counts(n) -> np.ndarray:
    n = np.atleast_1d(check_counts(n, "n")).astype(float)
    if n.ndim != 1 or n.size < 2 or (n < 1).any():
        raise ValueError(f"n must list >= 2 groups of >= 1 observations; got {n.tolist()}")
    if n.sum() - n.size < 1:
        raise ValueError("n must give some group >= 2 observations to estimate sigma_e2")
    return n


def bootstrap_quantile(n, sigma_b2, sigma_e2, *, level: float = 0.95, boot: int = 200, seed) -> np.ndarray:
    r"""Return the parametric-bootstrap quantile q of \|t*\| that replaces z in :math:`\hat\theta_i \pm q\sqrt{\mathrm{PEV}_i}`.

    For each pair of estimates (σ̂_b², σ̂_ε²) draw ``boot`` one-way data sets of design ``n`` at
    those values, refit, and take the ``level`` quantile of
    :math:`|t^*_i| = |b^*_i - \hat b^*_i|/\sqrt{\mathrm{PEV}_i^*}` over the bootstrap data sets and the
    groups of the same n (module docstring).

    Parameters
    ----------
    n : array_like of int >= 1, shape (g,)
        The design: observations per group (g ≥ 2).
    sigma_b2, sigma_e2 : float or array_like, shape (sims,)
        The estimates to draw from (σ̂_b² ≥ 0, σ̂_ε² > 0); one q row per pair.
    level : float in (0, 1), keyword-only
    boot : int >= 1, keyword-only
        Bootstrap data sets per pair.
    seed : int >= 0 or numpy.random.Generator, keyword-only
        Required (the draws come from :func:`blupteach.simulate.simulate_group_stats`).

    Returns
    -------
    ndarray, shape (sims, g) (``(g,)`` for scalar estimates): q per group.

    Raises
    ------
    ValueError
        Bad ``n`` (fewer than 2 groups, no group with 2 observations), negative ``sigma_b2``,
        non-positive ``sigma_e2``, ``level`` outside (0, 1), ``boot`` < 1, missing ``seed``.

    Examples
    --------
    With 10 groups the bootstrap asks for more than z = 1.96:

    >>> q = bootstrap_quantile([5] * 10, 25.0, 100.0, boot=400, seed=1)
    >>> bool(q[0] > 1.96), q.shape
    (True, (10,))
    """
    n = _counts(n)
    level = check_level(level)
    boot = check_whole(boot, "boot", 1)
    scalar = np.ndim(sigma_b2) == 0 and np.ndim(sigma_e2) == 0
    sb2 = np.atleast_1d(np.asarray(check_variance(sigma_b2, "sigma_b2"), float))
    se2 = np.atleast_1d(np.asarray(check_variance(sigma_e2, "sigma_e2", positive=True), float))
    sb2, se2 = np.broadcast_arrays(sb2, se2)
    if sb2.ndim != 1:
        raise ValueError(f"sigma_b2 and sigma_e2 must be numbers or 1-D arrays (one per data set); got shape {sb2.shape}")
    rng = check_seed(seed)
    balanced = bool((n == n[0]).all())
    sets = [np.flatnonzero(n == k) for k in np.unique(n)]      # groups whose pivots share a distribution
    q = np.empty((sb2.size, n.size))
    step = max(1, _CHUNK // (boot * n.size))
    for start in range(0, sb2.size, step):
        rows = slice(start, min(start + step, sb2.size))
        k = sb2[rows].size
        std = simulate_group_stats(n, 1.0, 1.0, sims=k * boot, seed=rng)   # standard draws, scaled below
        sd_b = np.repeat(np.sqrt(sb2[rows]), boot)[:, None]
        sd_e = np.repeat(np.sqrt(se2[rows]), boot)[:, None]
        b_star = sd_b * std.b
        ybar_star = b_star + sd_e * (std.group_means - std.b)              # mu = 0 in the bootstrap world
        ssw_star = np.repeat(se2[rows], boot) * std.ssw
        sb2_star, se2_star = estimate_variances(ybar_star, ssw_star, n, balanced)
        pred_star, pev_star = plug_in_prediction(ybar_star, n, sb2_star, se2_star)
        t = (np.abs(b_star - pred_star) / np.sqrt(pev_star)).reshape(k, boot, n.size)
        for cols in sets:
            q[rows, cols] = np.quantile(t[:, :, cols].reshape(k, -1), level, axis=1)[:, None]
    return q[0] if scalar else q


def bootstrap_interval(fit, level: float = 0.95, *, boot: int = 2000, seed) -> pd.DataFrame:
    r"""Return each group's parametric-bootstrap interval for its mean μ + b_i, beside the plug-in one.

    :math:`\hat\mu + \hat b_i \pm q\sqrt{\mathrm{PEV}_i}` with q from :func:`bootstrap_quantile`
    at the fit's estimates (plug-in: q = z).

    Parameters
    ----------
    fit : OnewayFit
        A balanced REML fit (:func:`blupteach.fit_oneway`, every group the same n): the
        bootstrap refits with balanced REML in closed form, the fit's own estimator.
    level : float in (0, 1)
    boot : int >= 1, keyword-only
    seed : int >= 0 or numpy.random.Generator, keyword-only

    Returns
    -------
    DataFrame indexed by group: ``n``, ``prediction``, ``se`` (plug-in √PEV), ``q``, ``z``,
    ``lower``, ``upper`` (bootstrap), ``plug_in_lower``, ``plug_in_upper``.

    Raises
    ------
    ValueError
        ``fit`` not a balanced one-way REML fit; bad ``level``, ``boot`` or ``seed``.

    Examples
    --------
    >>> import blupteach as bt
    >>> d = bt.datasets.load("dyestuff")
    >>> pi = bootstrap_interval(bt.fit_oneway(d["Yield"], d["Batch"]), boot=500, seed=0)
    >>> bool((pi["upper"] - pi["lower"] > pi["plug_in_upper"] - pi["plug_in_lower"]).all())
    True
    """
    from .oneway_fit import OnewayFit
    if not isinstance(fit, OnewayFit) or fit.method != "REML":
        raise ValueError(f"fit must be a one-way REML fit (bt.fit_oneway(y, group)); got {type(fit).__name__}")
    n = np.asarray(fit.n, float)
    if not (n == n[0]).all():
        raise ValueError(f"fit must be balanced (every group the same n) for this bootstrap; got n = {sorted(set(n.tolist()))}")
    level = check_level(level)
    q = bootstrap_quantile(n, fit.sigma_b2, fit.sigma_e2, level=level, boot=boot, seed=seed)
    se = np.sqrt(pev(n, fit.sigma_b2, fit.sigma_e2, target="group_mean"))     # of mu_hat + b_hat_i
    pred = fit.mu + np.asarray(fit.blup, float)
    z = float(special.ndtri(0.5 + level / 2))
    return pd.DataFrame({"n": n.astype(int), "prediction": pred, "se": se, "q": q, "z": z,
                         "lower": pred - q * se, "upper": pred + q * se,
                         "plug_in_lower": pred - z * se, "plug_in_upper": pred + z * se}, index=fit.levels)


@dataclass(frozen=True)
class BootstrapCoverage:
    """Result of :func:`simulate_bootstrap_coverage`: plug-in and bootstrap intervals on the same data sets.

    Attributes
    ----------
    plug_in, bootstrap : float         share of intervals containing μ + b_i
    plug_in_se, bootstrap_se : float   standard errors over data sets (sd of each data set's share / √sims:
                                       the groups of one data set share its estimates, so they are not
                                       independent)
    difference, difference_se : float  bootstrap − plug-in, paired over the same data sets
    plug_in_width, bootstrap_width : float   average interval widths
    boundary_share : float             share of data sets with σ̂_b² = 0
    count : int                        intervals behind each share (sims × groups)
    settings : dict
    """

    plug_in: float
    plug_in_se: float
    bootstrap: float
    bootstrap_se: float
    difference: float
    difference_se: float
    plug_in_width: float
    bootstrap_width: float
    boundary_share: float
    count: int
    settings: dict

    def __repr__(self) -> str:
        s = self.settings
        return (f"Coverage of {s['level']:.0%} intervals for mu + b_i, variances estimated, {s['sims']} simulated "
                f"data sets of {s['groups']} groups (bootstrap: {s['boot']} per data set):\n"
                f"  plug-in    {self.plug_in:.4f} ± {self.plug_in_se:.4f}   mean width {self.plug_in_width:.2f}\n"
                f"  bootstrap  {self.bootstrap:.4f} ± {self.bootstrap_se:.4f}   mean width {self.bootstrap_width:.2f}\n"
                f"  difference {self.difference:+.4f} ± {self.difference_se:.4f} (paired);  "
                f"sigma_b2 estimated as 0 in {self.boundary_share:.1%} of data sets")


def simulate_bootstrap_coverage(n, sigma_b2, sigma_e2, groups, *, sims: int = 1000, boot: int = 200,
                                level: float = 0.95, mu: float = 0.0, seed) -> BootstrapCoverage:
    r"""Simulate the coverage of plug-in and parametric-bootstrap intervals on the same data sets.

    The data sets are those of :func:`blupteach.simulate_coverage` with the same ``n``,
    variances, ``groups``, ``sims``, ``mu`` and an integer ``seed`` (its first draws), so the
    plug-in share here equals its ``variances="estimated"`` share.  Each data set is fitted
    (balanced REML / unbalanced ANOVA, as there), and each group's interval for μ + b_i is
    built twice: :math:`\hat\theta_i \pm z\sqrt{\mathrm{PEV}_i}` and :math:`\hat\theta_i \pm q\sqrt{\mathrm{PEV}_i}`
    (:func:`bootstrap_quantile`, from the same generator after the data).

    Parameters
    ----------
    n : int or array_like of int >= 1, shape (groups,)
    sigma_b2, sigma_e2 : float > 0
        True variance components.
    groups : int >= 2
    sims : int >= 2, keyword-only
    boot : int >= 1, keyword-only
    level : float in (0, 1), keyword-only
    mu : float, keyword-only
    seed : int >= 0 or numpy.random.Generator, keyword-only

    Returns
    -------
    BootstrapCoverage

    Raises
    ------
    ValueError
        As :func:`blupteach.simulate_coverage`; ``sims`` < 2 (no standard error), ``boot`` < 1.

    Examples
    --------
    >>> r = simulate_bootstrap_coverage(5, 25.0, 100.0, 5, sims=200, boot=100, seed=1)
    >>> r.bootstrap > r.plug_in
    True
    """
    groups = check_whole(groups, "groups", 2)
    sims = check_whole(sims, "sims", 2)
    boot = check_whole(boot, "boot", 1)
    level = check_level(level)
    sigma_b2, sigma_e2 = check_variances(sigma_b2, sigma_e2, signal=True)
    n = check_counts(n, "n")
    n = np.full(groups, n, dtype=float) if np.ndim(n) == 0 else np.asarray(n, float)
    if n.shape != (groups,):
        raise ValueError(f"n must be a scalar or have groups = {groups} entries; got {n.size}")
    n = _counts(n)
    rng = check_seed(seed)
    draws = simulate_group_stats(n, sigma_b2, sigma_e2, sims=sims, mu=mu, seed=rng)
    sb2, se2 = estimate_variances(draws.group_means, draws.ssw, n, balanced=bool((n == n[0]).all()))
    pred, pev_hat = plug_in_prediction(draws.group_means, n, sb2, se2)
    error = np.abs(draws.mu + draws.b - pred)
    z = float(special.ndtri(0.5 + level / 2))
    q = bootstrap_quantile(n, sb2, se2, level=level, boot=boot, seed=rng)
    hit_z = error <= z * np.sqrt(pev_hat)
    hit_q = error <= q * np.sqrt(pev_hat)

    def share(hit):          # mean and its standard error over data sets
        per_set = hit.mean(axis=1)
        return float(per_set.mean()), float(per_set.std(ddof=1) / np.sqrt(sims))

    p_z, se_z = share(hit_z)
    p_q, se_q = share(hit_q)
    diff = (hit_q.astype(float) - hit_z).mean(axis=1)
    settings = dict(n=n.tolist(), sigma_b2=sigma_b2, sigma_e2=sigma_e2, groups=groups, sims=sims, boot=boot,
                    level=level, mu=mu, seed=seed if not isinstance(seed, np.random.Generator) else "Generator")
    return BootstrapCoverage(
        plug_in=p_z, plug_in_se=se_z, bootstrap=p_q, bootstrap_se=se_q,
        difference=float(diff.mean()), difference_se=float(diff.std(ddof=1) / np.sqrt(sims)),
        plug_in_width=float(2 * z * np.sqrt(pev_hat).mean()), bootstrap_width=float(2 * (q * np.sqrt(pev_hat)).mean()),
        boundary_share=float((sb2 == 0).mean()), count=int(hit_z.size), settings=settings)
