"""The result of :func:`blupteach.fit_lmm`: estimates, BLUPs, prediction, a readable summary.

The names are shared with :class:`blupteach.OnewayFit` (``fixef``, ``sigma2``,
``varcorr``, ``ranef``, ``ranef_cov``, ``loglik``, ``singular``) so code
downstream works on either fit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import linalg

from .design import Design
from .columns import build_columns, factor_codes


@dataclass(repr=False)
class LmmFit:
    r"""A fitted linear mixed model :math:`y = X\beta + Zb + \varepsilon`.

    Attributes
    ----------
    formula : str
    method : {'REML', 'ML'}
    loglik : float
        lme4's ``logLik``: the REML criterion's log-likelihood for REML fits, the
        log-likelihood for ML fits (−½ × the profiled deviance at the optimum).
    fixef : pandas.Series
        :math:`\hat\beta` by column name (``(Intercept)``, ``Days``, ``MachineB``, …).
    fixef_cov : pandas.DataFrame
        :math:`\sigma^2 (X'V^{-1}X)^{-1}` (V relative to σ²), the fixed effects' covariance.
    sigma2 : float
        Residual variance :math:`\hat\sigma_\varepsilon^2`.
    varcorr : dict
        Grouping factor → covariance DataFrame (terms × terms) of its random effects
        (for a known-K factor: the scale :math:`\sigma^2_K` of :math:`G = \sigma^2_K K`).
    ranef : dict
        Grouping factor → DataFrame of BLUPs, rows = levels, columns = terms.
    ranef_cov : dict
        Grouping factor → array (levels, k, k): conditional covariance of each level's
        effects given the data at the fitted θ, σ² and β̂ (lme4's ``condVar``).
    singular : bool
        True when the fit is on the boundary: a variance exactly 0 or a correlation ±1
        (a zero on the diagonal of a relative covariance factor).
    theta : ndarray
        The relative covariance factors' lower triangles (column-major), in lme4's
        order (``getME(fit, "theta")``): blocks by decreasing number of levels, ties in
        formula order — not necessarily the order of ``varcorr`` (formula order).
    n_obs : int
    engine : {'fast', 'general'}

    ``fixef``, ``fixef_cov``, ``varcorr`` and ``ranef`` are labelled views of the fitted
    arrays, made on first access (as lme4's ``fixef()``, ``VarCorr()``, ``ranef()`` are
    made from the fitted object when asked for).
    """

    formula: str
    method: str
    loglik: float
    sigma2: float
    ranef_cov: dict
    singular: bool
    theta: np.ndarray
    n_obs: int
    engine: str
    design: Design = field(compare=False)
    lambdas: dict = field(compare=False)     # block name → relative factor T (k × k); [[θ]] for a known-K block
    beta_hat: np.ndarray = field(compare=False)     # β̂ in the order of design.xnames
    vbeta: np.ndarray = field(compare=False)        # σ²(X'V⁻¹X)⁻¹
    b_hat: dict = field(compare=False)              # block name → BLUPs (levels, k)

    # -- labelled views, made once on first access ---------------------------------
    @cached_property
    def fixef(self) -> pd.Series:
        return pd.Series(self.beta_hat, index=self.design.xnames, dtype=float)

    @cached_property
    def fixef_cov(self) -> pd.DataFrame:
        return pd.DataFrame(self.vbeta, index=self.design.xnames, columns=self.design.xnames)

    @cached_property
    def varcorr(self) -> dict:
        return {b.spec.name: pd.DataFrame(self.sigma2 * (self.lambdas[b.spec.name] @ self.lambdas[b.spec.name].T),
                                          index=b.columns, columns=b.columns) for b in self.design.blocks}

    @cached_property
    def ranef(self) -> dict:
        return {b.spec.name: pd.DataFrame(self.b_hat[b.spec.name], index=pd.Index(b.levels, name=b.spec.name),
                                          columns=b.columns) for b in self.design.blocks}

    # -- prediction ------------------------------------------------------------
    def _fixed_part(self, newdata):
        if not isinstance(newdata, pd.DataFrame):
            raise ValueError(f"newdata must be a pandas DataFrame; got {type(newdata).__name__}")
        needed = [name for spec in self.design.parsed.fixed for name, _ in spec]
        missing = [v for v in dict.fromkeys(needed) if v not in newdata.columns]
        if missing:
            raise ValueError(f"newdata has no column(s) {missing} needed by the fixed effects")
        X, _ = build_columns(newdata, self.design.parsed.fixed, dict(self.design.xlevels))
        return X

    def predict(self, newdata=None, include_random: bool = True) -> np.ndarray:
        r"""Predictions :math:`x'\hat\beta + z'\hat b` for the rows of ``newdata``.

        ``newdata=None``: one prediction per level of the first grouping factor, at that
        level's average design row (the targets of :meth:`prediction_design`).  With
        ``include_random=False``, or for a level not seen in the fit, the random part is
        0 (the population prediction).  Returns ndarray (n_rows,).
        """
        if newdata is None:
            from .prediction import target_prediction
            return target_prediction(self, include_random=include_random)
        X = self._fixed_part(newdata)
        pred = X @ self.fixef.to_numpy()
        if not include_random:
            return pred
        for b in self.design.blocks:
            cols = [v for v in b.spec.factor if v not in newdata.columns]
            if cols:
                raise ValueError(f"newdata has no column(s) {cols} for the grouping factor {b.spec.name!r}")
            codes, _ = factor_codes(newdata, b.spec.factor, b.levels)
            Zk, _ = build_columns(newdata, b.spec.terms, dict(self.design.xlevels))
            re = self.ranef[b.spec.name].to_numpy()
            seen = codes >= 0
            pred[seen] += (Zk[seen] * re[codes[seen]]).sum(1)
        return pred

    def prediction_design(self, newdata=None, *, factor: str | None = None):
        """The :class:`blupteach.fit.PredictionDesign` (X, Z, G, σ̂², x0, z0) of the targets.

        Default targets: one per level of ``factor`` (the formula's first grouping factor
        if None) at that level's average design row; with ``newdata`` (a DataFrame with
        the formula's columns), one per row, a level never seen being predicted at the
        population level (:mod:`blupteach.mixed.prediction`).
        """
        from .prediction import prediction_design
        return prediction_design(self, newdata, factor=factor)

    def conditional_ranef(self, rows) -> dict:
        r"""BLUPs of the levels in ``rows`` from those rows alone, at the fitted θ, σ² and β̂.

        :math:`\hat b = \Lambda(\Lambda'Z'Z\Lambda + I)^{-1}\Lambda'Z'(y - X\hat\beta)` over
        the rows given, without refitting: how a new patient's effects are predicted
        as their visits arrive (a level need not have been in the fit).  With every
        row of a level from the fit it reproduces that level's ``ranef``.

        Returns dict: grouping factor → DataFrame (levels found in ``rows`` × terms).
        """
        X = self._fixed_part(rows)
        resp = self.design.parsed.response
        if resp not in rows.columns:
            raise ValueError(f"rows has no column {resp!r} (the response)")
        r = rows[resp].to_numpy(dtype=float) - X @ self.fixef.to_numpy()
        if not np.isfinite(r).all():
            raise ValueError("rows has missing or non-finite values in the columns the model uses")
        Zs, Ls, metas = [], [], []
        for b in self.design.blocks:
            Zk, _ = build_columns(rows, b.spec.terms, dict(self.design.xlevels))
            codes, levels = factor_codes(rows, b.spec.factor)
            k, l = b.k, len(levels)
            Z = np.zeros((len(rows), k * l))
            Z[np.arange(len(rows))[:, None], codes[:, None] * k + np.arange(k)] = Zk
            if b.K is None:
                L = np.kron(np.eye(l), self.lambdas[b.spec.name])
            else:
                idx = factor_codes(rows, b.spec.factor, b.levels)[0][np.unique(codes, return_index=True)[1]]
                if (idx < 0).any():
                    raise ValueError(f"rows has level(s) of {b.spec.name!r} that are not in its K")
                theta = self.lambdas[b.spec.name][0, 0]
                L = theta * linalg.cholesky(b.K[np.ix_(idx, idx)], lower=True)
            Zs.append(Z)
            Ls.append(L)
            metas.append((b, levels))
        Z, L = np.hstack(Zs), linalg.block_diag(*Ls)
        ZL = Z @ L
        u = linalg.solve(ZL.T @ ZL + np.eye(ZL.shape[1]), ZL.T @ r, assume_a="pos")
        bhat = L @ u
        out, start = {}, 0
        for b, levels in metas:
            n = b.k * len(levels)
            out[b.spec.name] = pd.DataFrame(bhat[start:start + n].reshape(len(levels), b.k), index=levels, columns=b.columns)
            start += n
        return out

    # -- reading it --------------------------------------------------------------
    def __repr__(self) -> str:
        lines = [f"Linear mixed model fit by {self.method}: {self.formula}",
                 f"  {self.n_obs} observations; groups: "
                 + ", ".join(f"{name} {df.shape[0]}" for name, df in self.ranef.items()),
                 f"  logLik = {self.loglik:.6f}   ({self.method} criterion -2 logLik = {-2 * self.loglik:.4f})",
                 "Random effects:",
                 f"  {'Groups':<14}{'Name':<16}{'Variance':>12}{'Std.Dev.':>11}  Corr"]
        for name, cov in self.varcorr.items():
            sd = np.sqrt(np.diag(cov.to_numpy()))
            for i, term in enumerate(cov.columns):
                corr = ""
                if i > 0:
                    c = [cov.iat[i, j] / (sd[i] * sd[j]) if sd[i] * sd[j] > 0 else np.nan for j in range(i)]
                    corr = " ".join(f"{x:6.3f}" for x in c)
                lines.append(f"  {name if i == 0 else '':<14}{term:<16}{cov.iat[i, i]:>12.5g}{sd[i]:>11.4g}  {corr}")
        lines.append(f"  {'Residual':<14}{'':<16}{self.sigma2:>12.5g}{np.sqrt(self.sigma2):>11.4g}")
        lines.append("Fixed effects:")
        se = np.sqrt(np.diag(self.fixef_cov.to_numpy()))
        lines.append(f"  {'':<16}{'Estimate':>12}{'Std.Error':>12}")
        for (term, est), s in zip(self.fixef.items(), se):
            lines.append(f"  {term:<16}{est:>12.6g}{s:>12.4g}")
        if self.singular:
            lines.append("  (singular fit: a variance is 0 or a correlation is ±1 — the boundary of the parameter space)")
        return "\n".join(lines)

    __str__ = __repr__
