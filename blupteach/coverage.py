r"""Coverage of BLUP prediction intervals, by simulation and in closed form.

Model (one-way, as in :mod:`blupteach.oneway`): :math:`y_{ij} = \mu + b_i + \varepsilon_{ij}`,
``groups`` groups of ``n`` observations, :math:`b_i \sim N(0, \sigma_b^2)`,
:math:`\varepsilon_{ij} \sim N(0, \sigma_\varepsilon^2)`.  Each simulated data set comes as its
sufficient statistics (:func:`blupteach.simulate.simulate_group_stats`: the group means and
the within-group sum of squares).  Then the interval
:math:`\hat\mu + \hat b_i \pm z\sqrt{\texttt{total}_i}` is built, with ``total`` Henderson's
PEV of :math:`\hat\mu + \hat b_i` (:func:`blupteach.pev`, the sum of lesson 05's three parts)

* with the variances **known** (the true σ_b², σ_ε²), or
* with the variances **estimated** (plug-in, the empirical BLUP): for balanced n, the REML
  estimates in closed form (σ̂_ε² = MSW, σ̂_b² = (MSB − MSW)/n; when MSB < MSW the boundary
  σ̂_b² = 0 and σ̂_ε² = (SSW + SSB)/(N − 1), which is what :func:`blupteach.fit_oneway` returns);
  for unbalanced n, the ANOVA (moment) estimates truncated at 0.

and checked against the truth μ + b_i (``target="group_mean"``) or μ + b_i + a new reading's
noise (``target="new_observation"``).  Coverage is reported over all individuals and
conditionally on how far the individual's true effect lies from the mean, |b_i|/σ_b.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from ._validation import as_float_array, check_choice, check_counts, check_level, check_scalar, check_variances, check_whole
from .intervals import TARGETS
from .oneway import gls_mean, pev, shrinkage_weight
from .simulate import simulate_group_stats

__all__ = ["CoverageResult", "simulate_coverage", "conditional_coverage", "band_coverage", "BANDS",
           "estimate_variances", "plug_in_prediction"]

#: Bands of |b_i|/σ_b in which coverage is reported.
BANDS = (0.0, 1.0, 2.0, np.inf)


@dataclass(frozen=True)
class CoverageResult:
    """Result of :func:`simulate_coverage`.

    Attributes
    ----------
    overall : float          share of all intervals containing the truth
    extreme : float          share among individuals with |b_i| > extreme·σ_b
    overall_se, extreme_se : float   binomial standard errors sqrt(p(1 − p)/count)
    count, extreme_count : int       intervals behind each share
    by_band : DataFrame      coverage by band of |b_i|/σ_b (columns band, share_of_individuals, coverage, se, count)
    mean_width : float       average interval width
    settings : dict          the arguments of the run
    """

    overall: float
    overall_se: float
    count: int
    extreme: float
    extreme_se: float
    extreme_count: int
    by_band: pd.DataFrame
    mean_width: float
    settings: dict

    def __repr__(self) -> str:
        s = self.settings
        return (f"Coverage of {s['level']:.0%} intervals ({s['target']}, variances {s['variances']}), "
                f"{s['sims']} simulated data sets of {s['groups']} groups:\n"
                f"  overall            {self.overall:.4f} ± {self.overall_se:.4f}  ({self.count} intervals)\n"
                f"  |b| > {s['extreme']:g} sigma_b     {self.extreme:.4f} ± {self.extreme_se:.4f}  "
                f"({self.extreme_count} intervals)")


def estimate_variances(ybar, ssw, n, balanced: bool):
    """σ̂_b², σ̂_ε² of many one-way data sets at once, from their sufficient statistics.

    ``ybar`` (sims, g) group means, ``ssw`` (sims,) within-group sums of squares, ``n`` (g,).
    Balanced n: REML in closed form (σ̂_ε² = MSW, σ̂_b² = (MSB − MSW)/n, or the boundary
    σ̂_b² = 0 with σ̂_ε² = (SSW + SSB)/(N − 1)); unbalanced: ANOVA moments, σ̂_b² truncated at 0.
    Returns two arrays (sims,).  Shared by the studies here and :mod:`blupteach.bootstrap`; checks no input.
    """
    g = n.size
    N = n.sum()
    if balanced:
        grand = ybar.mean(axis=1, keepdims=True)
        ssb = n[0] * ((ybar - grand) ** 2).sum(axis=1)
        msb, msw = ssb / (g - 1), ssw / (N - g)
        inside = msb >= msw
        sb2 = np.where(inside, (msb - msw) / n[0], 0.0)
        se2 = np.where(inside, msw, (ssw + ssb) / (N - 1))     # REML at the boundary σ_b² = 0
        return sb2, se2
    grand = (ybar * n).sum(axis=1, keepdims=True) / N
    msb = ((ybar - grand) ** 2 * n).sum(axis=1) / (g - 1)
    msw = ssw / (N - g)
    n0 = (N - (n * n).sum() / N) / (g - 1)
    return np.maximum(0.0, (msb - msw) / n0), msw


def plug_in_prediction(ybar, n, sigma_b2, sigma_e2):
    """Plug-in μ̂ + b̂_i and its PEV for many data sets at once (one row each).

    ``ybar`` (sims, g), ``n`` (g,), ``sigma_b2``, ``sigma_e2`` (sims,) the estimates of each data
    set.  Returns ``(prediction, pev)``, both (sims, g): the closed forms of
    :mod:`blupteach.oneway` (:func:`~blupteach.gls_mean`, :func:`~blupteach.shrinkage_weight`,
    :func:`~blupteach.pev`) evaluated at the estimates.
    """
    sb2, se2 = np.asarray(sigma_b2)[:, None], np.asarray(sigma_e2)[:, None]
    mu_hat = gls_mean(ybar, n, sb2, se2)[:, None]
    return mu_hat + shrinkage_weight(n, sb2, se2) * (ybar - mu_hat), pev(n, sb2, se2, target="group_mean")


def simulate_coverage(n, sigma_b2, sigma_e2, groups, *, sims: int = 2000, level: float = 0.95,
                      target: str = "group_mean", variances: str = "known", extreme: float = 2.0,
                      mu: float = 0.0, seed) -> CoverageResult:
    r"""Simulate the coverage of BLUP prediction intervals (module docstring for the set-up).

    Parameters
    ----------
    n : int or array_like of int, shape (groups,)
        Observations per group (≥ 1; estimated variances need some group with ≥ 2).
    sigma_b2, sigma_e2 : float, > 0
        True variance components.
    groups : int, ≥ 2
        Number of groups in each simulated data set.
    sims : int, keyword-only
        Simulated data sets; ``sims × groups`` intervals in all.
    level : float in (0, 1)
    target : {'group_mean', 'new_observation'}
    variances : {'known', 'estimated'}
        Build the interval from the true variances or from their estimates (plug-in).
    extreme : float
        "Extreme" individuals are those with |b_i| > extreme·σ_b.
    mu : float
        True population mean.
    seed : int >= 0 or numpy.random.Generator
        Required: the same seed gives the same numbers.

    Returns
    -------
    CoverageResult

    Raises
    ------
    ValueError
        ``groups`` < 2 (zero groups included), ``sims`` < 1, ``level`` outside (0, 1),
        unknown ``target`` or ``variances``, non-positive variances, bad ``n``.

    Examples
    --------
    >>> r = simulate_coverage(5, 25.0, 100.0, groups=10, sims=2000, seed=1)
    >>> abs(r.overall - 0.95) < 4 * r.overall_se          # exact with known variances
    True

    Notes
    -----
    With variances known the interval is exact over the population: coverage = level up
    to simulation error.  Conditionally on a large |b_i| it is lower (the BLUP is pulled
    toward the mean: :func:`conditional_coverage` gives the curve).  With estimated
    variances and few groups it is lower again.  Lesson 05; ``benchmarks/bench_coverage.py``.
    """
    groups = check_whole(groups, "groups", 2)
    sims = check_whole(sims, "sims", 1)
    level = check_level(level)
    target = check_choice(target, "target", TARGETS)
    variances = check_choice(variances, "variances", ("known", "estimated"))
    sigma_b2, sigma_e2 = check_variances(sigma_b2, sigma_e2, signal=True)
    extreme = check_scalar(extreme, "extreme")
    n = check_counts(n, "n")
    n = np.full(groups, n) if np.ndim(n) == 0 else np.asarray(n, float)
    if n.shape != (groups,):
        raise ValueError(f"n must be a scalar or have groups = {groups} entries; got {n.size}")
    if (n < 1).any():
        raise ValueError("n must be >= 1 in every simulated group")
    if variances == "estimated" and n.sum() - groups < 1:
        raise ValueError("n must give some group >= 2 observations to estimate sigma_e2")

    draws = simulate_group_stats(n, sigma_b2, sigma_e2, sims=sims, mu=mu,
                                 new_observation=target == "new_observation", seed=seed)
    b, ybar = draws.b, draws.group_means
    truth = draws.mu + b if draws.new_noise is None else draws.mu + b + draws.new_noise

    if variances == "known":
        sb2, se2 = np.full(sims, sigma_b2), np.full(sims, sigma_e2)
    else:
        sb2, se2 = estimate_variances(ybar, draws.ssw, n, balanced=bool((n == n[0]).all()))
    pred, total = plug_in_prediction(ybar, n, sb2, se2)
    if target == "new_observation":
        total = total + se2[:, None]
    half = special.ndtri(0.5 + level / 2) * np.sqrt(total)       # z quantile of N(0, 1)
    hit = np.abs(truth - pred) <= half

    z = np.abs(b) / np.sqrt(sigma_b2)
    rows = []
    for lo, hi in zip(BANDS[:-1], BANDS[1:]):
        m = (z >= lo) & (z < hi)
        k = int(m.sum())
        p = float(hit[m].mean()) if k else np.nan
        rows.append({"band": f"{lo:g} <= |b|/sigma_b < {hi:g}" if np.isfinite(hi) else f"|b|/sigma_b >= {lo:g}",
                     "share_of_individuals": k / hit.size, "coverage": p,
                     "se": float(np.sqrt(p * (1 - p) / k)) if k else np.nan, "count": k})
    ext = z > extreme
    k_ext = int(ext.sum())
    p_all = float(hit.mean())
    p_ext = float(hit[ext].mean()) if k_ext else np.nan
    settings = dict(n=n.tolist(), sigma_b2=sigma_b2, sigma_e2=sigma_e2, groups=groups,
                    sims=sims, level=level, target=target, variances=variances, extreme=extreme, seed=seed)
    return CoverageResult(
        overall=p_all, overall_se=float(np.sqrt(p_all * (1 - p_all) / hit.size)), count=int(hit.size),
        extreme=p_ext, extreme_se=float(np.sqrt(p_ext * (1 - p_ext) / k_ext)) if k_ext else np.nan,
        extreme_count=k_ext, by_band=pd.DataFrame(rows), mean_width=float(2 * half.mean()), settings=settings)


def conditional_coverage(b, n, sigma_b2, sigma_e2, groups, *, level: float = 0.95,
                         target: str = "group_mean"):
    r"""Exact coverage of the known-variance interval for an individual whose true effect is b.

    Balanced design, μ̂ the grand mean (GLS).  Given b_i = b the prediction error
    :math:`(\hat\mu + \hat b_i) - (\mu + b_i)` is normal with

    .. math::

        m(b) = -(1-w)(1 - 1/g)\,b, \qquad
        s^2 = (1-w)^2\frac{g-1}{g^2}\Big(\sigma_b^2+\frac{\sigma_\varepsilon^2}{n}\Big)
              + \Big(w + \frac{1-w}{g}\Big)^2\frac{\sigma_\varepsilon^2}{n}\;[+\sigma_\varepsilon^2],

    (the other groups enter only through μ̂, and b_i enters μ̂ with weight 1/g), so the
    coverage is :math:`\Phi((h - m)/s) - \Phi((-h - m)/s)` with h the interval's half-width.
    Averaged over b ~ N(0, σ_b²) it equals ``level`` exactly (the tests check this).

    Parameters
    ----------
    b : float or array_like
        True effect(s) b_i.
    n : int;  sigma_b2, sigma_e2 : float > 0;  groups : int ≥ 2
    level : float in (0, 1);  target : {'group_mean', 'new_observation'}

    Returns
    -------
    float or ndarray, the shape of ``b``.

    Examples
    --------
    >>> round(float(conditional_coverage(0.0, 5, 25.0, 100.0, 10)), 3)    # b at the mean: over-covers
    0.984
    """
    level = check_level(level)
    target = check_choice(target, "target", TARGETS)
    groups = check_whole(groups, "groups", 2)
    n = check_counts(n, "n")
    if np.ndim(n) != 0 or n < 1:
        raise ValueError(f"n must be one whole number >= 1 (a balanced design); got {n}")
    sigma_b2, sigma_e2 = check_variances(sigma_b2, sigma_e2, signal=True)
    g = groups
    total = float(pev(np.full(g, n), sigma_b2, sigma_e2)[0]) + (sigma_e2 if target == "new_observation" else 0.0)
    w = shrinkage_weight(n, sigma_b2, sigma_e2)
    b = as_float_array(b, "b")
    m = -(1 - w) * (1 - 1 / g) * b
    s2 = (1 - w) ** 2 * (g - 1) / g**2 * (sigma_b2 + sigma_e2 / n) + (w + (1 - w) / g) ** 2 * sigma_e2 / n
    if target == "new_observation":
        s2 += sigma_e2
    h = special.ndtri(0.5 + level / 2) * np.sqrt(total)
    s = np.sqrt(s2)
    out = special.ndtr((h - m) / s) - special.ndtr((-h - m) / s)     # Φ(·): the normal cdf
    return float(out) if out.ndim == 0 else out


def band_coverage(lo, hi, n, sigma_b2, sigma_e2, groups, *, level: float = 0.95, target: str = "group_mean") -> float:
    """Exact known-variance coverage averaged over individuals with lo ≤ |b|/σ_b < hi (b ~ N(0, σ_b²))."""
    lo = check_scalar(lo, "lo")
    hi = float(hi) if hi == np.inf else check_scalar(hi, "hi")
    if not 0 <= lo < hi:
        raise ValueError(f"lo and hi must satisfy 0 <= lo < hi (a band of |b|/sigma_b); got {lo}, {hi}")
    def f(t):   # t = b/σ_b, density of |t| is 2φ(t)
        return 2 * np.exp(-t * t / 2) / np.sqrt(2 * np.pi) * conditional_coverage(t * np.sqrt(sigma_b2), n, sigma_b2, sigma_e2, groups,
                                                          level=level, target=target)
    from scipy import integrate     # here, not at import: a fit-only import stays light
    num = integrate.quad(f, lo, hi if np.isfinite(hi) else np.inf, epsabs=1e-12, epsrel=1e-10)[0]
    den = 2 * (special.ndtr(hi) - special.ndtr(lo))
    return num / den
