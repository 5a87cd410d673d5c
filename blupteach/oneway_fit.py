r"""Fitting the one-way random-effects model: :func:`fit_oneway` and its result :class:`OnewayFit`.

.. math:: y_{ij} = \mu + b_i + \varepsilon_{ij}

The data are reduced once to sufficient statistics (:func:`blupteach.oneway_likelihood.oneway_stats`,
O(N)); REML and ML then maximise the likelihood profiled over the one ratio
γ = σ_b²/σ_ε² (O(groups) per step); ANOVA is the method of moments.  Everything the fit
reports at the estimates (w, the BLUPs, μ̂, c_i, Var(μ̂), the PEV) is computed by the
closed forms of :mod:`blupteach.oneway`, never re-typed here.  :class:`OnewayFit` satisfies
the one fit interface :class:`blupteach.fit.Fit`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from ._validation import check_choice, group_codes
from .fit import PredictionDesign
from .oneway import conditional_variance, gls_mean, pev, shrinkage_weight, var_gls_mean
from .oneway_likelihood import OnewayStats, gls_parts, oneway_loglik, oneway_stats, profiled_deviance, score

__all__ = ["OnewayFit", "fit_oneway"]


@dataclass(frozen=True, repr=False)
class OnewayFit:
    r"""Result of :func:`fit_oneway`.

    One-way names (lesson symbols) and the fit interface shared with the mixed-model
    engine (:class:`blupteach.fit.Fit`: ``fixef``, ``sigma2``, ``varcorr``, ``ranef``,
    ``ranef_cov``, ``loglik``, ``singular``, ``theta``, ``predict``, ``prediction_design``).

    Attributes
    ----------
    method : {'REML', 'ML', 'ANOVA'}
    mu, sigma_b2, sigma_e2 : float
        Estimates :math:`\hat\mu` (GLS at the estimated variances), :math:`\hat\sigma_b^2`, :math:`\hat\sigma_\varepsilon^2`.
    loglik : float
        lme4's ``logLik``: the REML log-likelihood for REML fits, the ML one for ML
        fits; for ANOVA fits, the REML log-likelihood at the ANOVA estimates.
    singular : bool
        True when :math:`\hat\sigma_b^2 = 0` (the fit sits on the boundary).
    levels : pandas.Index, shape (g,)
    n, mean : ndarray, shape (g,)
        Per group: observations n_i and raw mean ȳ_i.
    group_name : str

    Derived from the closed forms at the estimates (properties): ``w``
    (:func:`~blupteach.shrinkage_weight`), ``blup`` (w_i(ȳ_i − μ̂)), ``cond_var``
    (:func:`~blupteach.conditional_variance`, lme4's condVar), ``var_mu``
    (:func:`~blupteach.var_gls_mean`), ``pev`` (:func:`~blupteach.pev` of b̂_i).
    """

    method: str
    mu: float
    sigma_b2: float
    sigma_e2: float
    loglik: float
    singular: bool
    levels: pd.Index
    n: np.ndarray
    mean: np.ndarray
    group_name: str = "group"

    # --- the closed forms at the estimates ------------------------------------
    @property
    def w(self) -> np.ndarray:
        """Shrinkage weights w_i = n_iσ̂_b²/(n_iσ̂_b² + σ̂_ε²), shape (g,)."""
        return shrinkage_weight(self.n, self.sigma_b2, self.sigma_e2)

    @property
    def blup(self) -> np.ndarray:
        """BLUPs b̂_i = w_i(ȳ_i − μ̂), shape (g,)."""
        return self.w * (self.mean - self.mu)

    @property
    def cond_var(self) -> np.ndarray:
        """c_i = (1 − w_i)σ̂_b², the conditional variance of b_i with μ known (lme4's condVar), shape (g,)."""
        return conditional_variance(self.n, self.sigma_b2, self.sigma_e2)

    @property
    def var_mu(self) -> float:
        """Var(μ̂) = 1/Σ_k u_k at the estimates."""
        return var_gls_mean(self.n, self.sigma_b2, self.sigma_e2)

    @property
    def pev(self) -> np.ndarray:
        """Henderson's PEV of b̂_i, c_i + w_i²Var(μ̂), shape (g,)."""
        return pev(self.n, self.sigma_b2, self.sigma_e2, target="deviation")

    # --- the fit interface (names shared with blupteach.mixed) -----------------
    @property
    def fixef(self) -> pd.Series:
        """Fixed effects by term name: here only ``(Intercept)`` = μ̂."""
        return pd.Series({"(Intercept)": self.mu})

    @property
    def sigma2(self) -> float:
        """Residual variance σ̂_ε²."""
        return self.sigma_e2

    @property
    def varcorr(self) -> dict:
        """Grouping factor → 1×1 covariance DataFrame of its random intercept."""
        return {self.group_name: pd.DataFrame([[self.sigma_b2]], index=["(Intercept)"], columns=["(Intercept)"])}

    @property
    def ranef(self) -> dict:
        """Grouping factor → DataFrame of BLUPs (rows = levels, column ``(Intercept)``)."""
        return {self.group_name: pd.DataFrame({"(Intercept)": self.blup}, index=self.levels)}

    @property
    def ranef_cov(self) -> dict:
        """Grouping factor → array (g, 1, 1) of conditional variances c_i (lme4's condVar)."""
        return {self.group_name: self.cond_var.reshape(-1, 1, 1)}

    @property
    def theta(self) -> np.ndarray:
        """lme4's θ: the relative standard deviation √(σ̂_b²/σ̂_ε²), shape (1,)."""
        return np.array([np.sqrt(self.sigma_b2 / self.sigma_e2)])

    @property
    def lam(self) -> float:
        """The ridge penalty λ = σ̂_ε²/σ̂_b² at which penalised least squares gives these BLUPs (∞ if σ̂_b² = 0)."""
        return np.inf if self.sigma_b2 == 0 else self.sigma_e2 / self.sigma_b2

    def _targets(self, newdata, factor):
        """(codes, index): each target's level position (-1: never seen) and label."""
        if factor is not None and factor != self.group_name:
            raise ValueError(f"factor must be the fit's grouping factor {self.group_name!r} (or None); got {factor!r}")
        if newdata is None:
            return np.arange(self.levels.size), pd.Index(self.levels, name=self.group_name)
        if isinstance(newdata, pd.DataFrame):
            if self.group_name not in newdata.columns:
                raise ValueError(f"newdata has no column {self.group_name!r} (the grouping factor); "
                                 f"its columns are {list(newdata.columns)}")
            newdata = newdata[self.group_name]
        group_codes(newdata, "newdata")            # the one rule for labels: none missing
        labels = pd.Index(list(newdata.to_numpy() if isinstance(newdata, pd.Series) else newdata), name=self.group_name)
        return self.levels.get_indexer(labels), labels

    def predict(self, newdata=None, *, factor: str | None = None) -> np.ndarray:
        r"""Predicted group means :math:`\hat\mu + \hat b_i`, one per level, or per label of ``newdata``.

        ``newdata``: group labels (a sequence, or a DataFrame with the grouping column);
        a label the fit never saw is predicted at the population mean μ̂.
        """
        codes, _ = self._targets(newdata, factor)
        return self._predict_codes(codes)

    def _predict_codes(self, codes) -> np.ndarray:
        """μ̂ + b̂ of each level position in ``codes`` (-1, a level never seen: μ̂)."""
        return self.mu + np.append(self.blup, 0.0)[codes]

    def prediction_design(self, newdata=None, *, factor: str | None = None) -> PredictionDesign:
        r"""X = 1 (N × 1), Z (N × g, one column per level, plus one per unseen label), G = σ̂_b² I.

        The rows of X and Z are the observations sorted by group (only X'X, Z'Z and Z'X
        matter, so their order is immaterial).  Targets: ``x0 = 1``, ``z0 = e_i``.
        """
        codes, index = self._targets(newdata, factor)
        g = self.levels.size
        unseen = pd.Index(index[codes < 0]).unique()
        cols = codes.copy()
        cols[codes < 0] = g + unseen.get_indexer(index[codes < 0])
        q = g + unseen.size
        N = int(self.n.sum())
        rows = np.repeat(np.arange(g), self.n.astype(int))
        Z = sparse.csr_matrix((np.ones(N), (np.arange(N), rows)), shape=(N, q))
        z0 = sparse.csr_matrix((np.ones(codes.size), (np.arange(codes.size), cols)), shape=(codes.size, q))
        n = np.where(codes >= 0, self.n[np.maximum(codes, 0)], 0.0)
        Lam = np.sqrt(self.sigma_b2) * sparse.identity(q, format="csr")           # G = σ̂_b² I = ΛΛ'
        return PredictionDesign(X=np.ones((N, 1)), Z=Z, Lam=Lam, sigma_e2=self.sigma_e2,
                                x0=np.ones((codes.size, 1)), z0=z0, prediction=self._predict_codes(codes),
                                index=index, n=n)

    def predictions(self) -> pd.DataFrame:
        """One row per group: n, raw mean, w, BLUP, partial-pooling mean μ̂ + b̂_i."""
        return pd.DataFrame(
            {"n": self.n.astype(int), "mean": self.mean, "w": self.w, "blup": self.blup,
             "pooled": self.mu + self.blup},
            index=pd.Index(self.levels, name=self.group_name),
        )

    def __repr__(self) -> str:
        flag = "  (singular: σ_b² on the boundary 0)" if self.singular else ""
        w = self.w
        return (
            f"One-way random-effects fit by {self.method}: {int(self.n.sum())} observations "
            f"in {self.n.size} groups of '{self.group_name}' (n from {int(self.n.min())} to {int(self.n.max())})\n"
            f"  mu_hat    = {self.mu:.6g}   (GLS; Var(mu_hat) = {self.var_mu:.6g})\n"
            f"  sigma_b2  = {self.sigma_b2:.6g}{flag}\n"
            f"  sigma_e2  = {self.sigma_e2:.6g}\n"
            f"  lam = sigma_e2/sigma_b2 = {self.lam:.6g}\n"
            f"  w from {w.min():.3f} to {w.max():.3f}\n"
            f"  logLik    = {self.loglik:.6f} ({'REML' if self.method != 'ML' else 'ML'})"
        )


def _anova_estimates(stats: OnewayStats):
    """Method-of-moments (ANOVA) σ_b², σ_ε²; σ_b² truncated at 0."""
    N, g = stats.N, stats.g   # fit_oneway has checked N - g >= 1 and SSW > 0
    grand = float(stats.n @ stats.mean / N)
    msb = float(stats.n @ (stats.mean - grand) ** 2) / (g - 1)
    msw = stats.ssw / (N - g)
    n0 = (N - float(stats.n @ stats.n) / N) / (g - 1)
    return max(0.0, (msb - msw) / n0), msw


def _polish(gamma: float, stats: OnewayStats, reml: bool) -> float:
    """Refine an interior optimum to machine precision by solving score(γ) = 0 near it."""
    lo, hi = gamma * (1 - 1e-4), gamma * (1 + 1e-4)
    from scipy import optimize      # here, not at import: importing blupteach stays light
    s_lo, s_hi = score(lo, stats, reml), score(hi, stats, reml)
    if not (s_lo < 0 < s_hi):      # not bracketed (flat or odd surface): keep Brent's answer
        return gamma
    return float(optimize.brentq(score, lo, hi, args=(stats, reml), xtol=1e-300, rtol=4 * np.finfo(float).eps))


def _maximise(stats: OnewayStats, reml: bool) -> float:
    """γ̂ = argmin of the profiled deviance over γ ≥ 0 (0 exactly when the boundary wins)."""
    from scipy import optimize
    # Search over rho = γ/(1+γ) in [0, 1): bounded, smooth, and the boundary is rho = 0.
    def dev_rho(rho):
        return profiled_deviance(rho / (1.0 - rho), stats, reml)

    upper = 1.0 - 1e-12
    res = optimize.minimize_scalar(dev_rho, bounds=(0.0, upper), method="bounded",
                                   options={"xatol": 1e-13, "maxiter": 500})
    rho = float(res.x)
    # Polish on log γ (Brent on rho is coarse in γ when γ is large), then compare with γ = 0.
    if rho > 1e-9:
        lg = np.log(rho / (1.0 - rho))
        res2 = optimize.minimize_scalar(lambda t: profiled_deviance(np.exp(t), stats, reml),
                                        bracket=(lg - 0.1, lg + 0.1), method="brent",
                                        options={"xtol": 1e-12})
        gamma = float(np.exp(res2.x)) if res2.fun <= dev_rho(rho) else rho / (1.0 - rho)
        # Minimising by function value stops at ~√ε relative; the score's root is exact.
        gamma = _polish(gamma, stats, reml)
    else:
        gamma = 0.0
    if profiled_deviance(0.0, stats, reml) <= profiled_deviance(gamma, stats, reml) + 1e-10:
        gamma = 0.0
    return gamma


def fit_oneway(y, group, *, method: str = "REML", group_name: str | None = None) -> OnewayFit:
    r"""Fit the one-way random-effects model :math:`y_{ij} = \mu + b_i + \varepsilon_{ij}`.

    Parameters
    ----------
    y : array_like, shape (N,)
        Observations.  Numeric, finite.
    group : array_like, shape (N,)
        Group label of each observation (any hashable labels; none missing).
    method : {'REML', 'ML', 'ANOVA'}, keyword-only
        REML (default, as lme4) or ML maximise the (restricted) likelihood profiled
        over γ = σ_b²/σ_ε²; ANOVA is the method of moments, σ_b² truncated at 0.
    group_name : str, optional
        Name of the grouping factor (default: ``group.name`` of a Series, else ``"group"``).

    Returns
    -------
    OnewayFit
        Estimates, per-group BLUPs, weights, conditional variances and PEVs.

    Raises
    ------
    ValueError
        NaN/inf or non-numeric ``y``; missing labels; lengths differ; fewer than
        two groups; no within-group replication; an unknown ``method``.

    Examples
    --------
    >>> y = [1.0, 3.0, 5.0, 7.0, 2.0, 4.0]
    >>> fit = fit_oneway(y, ["a", "a", "b", "b", "c", "c"])
    >>> round(fit.sigma_e2, 6), round(fit.sigma_b2, 6)   # means 2, 6, 3: MSW = 6/3 = 2, MSB = 2·(78/9)/2 = 26/3, σ_b² = (26/3 − 2)/2 = 10/3
    (2.0, 3.333333)

    Notes
    -----
    Balanced data with a positive ANOVA estimate give REML = ANOVA exactly.  When
    the boundary σ_b² = 0 maximises the likelihood the fit returns exactly 0 and
    ``singular=True`` (every w_i = 0: complete pooling).  Lessons 01, 02.
    """
    method = check_choice(method, "method", ("REML", "ML", "ANOVA"))
    if group_name is None:
        group_name = str(group.name) if isinstance(group, pd.Series) and group.name is not None else "group"
    elif not isinstance(group_name, str) or not group_name:
        raise ValueError(f"group_name must be a non-empty string (the grouping factor's name); got {group_name!r}")
    stats = oneway_stats(y, group)
    N, g = stats.N, stats.g
    if N - g < 1:
        raise ValueError(
            "every group has a single observation, so within-group noise σ_ε² cannot be "
            "separated from σ_b²; at least one group needs 2 or more observations"
        )
    # every method estimates σ_ε² from SSW (ANOVA: SSW/(N − g)); a response constant within every group
    # (a group-level column, e.g. county uranium) leaves only rounding in SSW, ~N·(eps·|y|)², not 0
    if stats.ssw <= 1e-24 * float(np.sum(stats.n * stats.mean ** 2)):
        raise ValueError("y has no within-group variation (every group is constant), so σ_ε² is 0"
                         + ("" if method == "ANOVA" else " and the likelihood is unbounded"))

    if method == "ANOVA":
        sigma_b2, sigma_e2 = _anova_estimates(stats)
        loglik = oneway_loglik(stats, 0.0, sigma_b2, sigma_e2, reml=True)
    else:
        reml = method == "REML"
        gamma = _maximise(stats, reml)
        _, _, _, q = gls_parts(stats, gamma)
        sigma_e2 = q / (N - 1 if reml else N)
        sigma_b2 = gamma * sigma_e2
        loglik = -0.5 * profiled_deviance(gamma, stats, reml)

    return OnewayFit(
        method=method, mu=gls_mean(stats.mean, stats.n, sigma_b2, sigma_e2), sigma_b2=float(sigma_b2),
        sigma_e2=float(sigma_e2), loglik=float(loglik), singular=bool(sigma_b2 == 0.0), levels=stats.levels,
        n=stats.n, mean=stats.mean, group_name=group_name,
    )
