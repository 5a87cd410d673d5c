r"""What a prediction from a general fit needs: the design of :class:`blupteach.fit.PredictionDesign`.

From a fit of :math:`y = X\beta + Zb + \varepsilon` (:func:`blupteach.fit_lmm`) and the targets
:math:`x_0'\beta + z_0'b`:

* Z, the N × q random-effects design, each block's columns level-major (level 0's terms,
  then level 1's, ...), the order of ``ranef[name].to_numpy().ravel()``;
* G = ΛΛ', Λ = σ̂ · block-diag over blocks of I_levels ⊗ T_block (T the fit's relative
  covariance factor, Σ = σ̂²TT' = ``varcorr[name]``), or σ̂θL_K for a known-K block (K = L_KL_K'):
  sparse, and a variance at 0 is a zero column, never a failed Cholesky;
* the targets.  By default one per level of the chosen grouping factor, at that level's
  *average design row* (x0 = mean of its rows of X, z0 = mean of its rows of Z); for a
  random-intercept model without covariates that is x0 = 1, z0 = e_i, the group mean
  μ + b_i exactly.  With ``newdata``, one per row: its fixed-effects row and, for each
  grouping factor, its level's columns.  A level never seen in the fit gets k new columns
  of Z with no data behind them and the block's Σ in G: its BLUP is 0 and its prediction
  error carries all of Σ (the population-level prediction).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from ..fit import PredictionDesign
from .design import sparse_Z
from .columns import build_columns, factor_codes

__all__ = ["prediction_design", "target_prediction"]


def _factor(fit, block, levels: int):
    """Λ of one block (sparse): σ̂ · I_levels ⊗ T, or σ̂·θ·L_K for a known-K block (T = [[θ]])."""
    T = np.sqrt(float(fit.sigma2)) * np.asarray(fit.lambdas[block.spec.name], float)
    if block.K is not None:
        return sparse.csr_matrix(T[0, 0] * np.asarray(block.LK, float))
    return sparse.kron(sparse.identity(levels, format="csr"), sparse.csr_matrix(T), format="csr")


def _block(blocks, factor):
    names = [b.spec.name for b in blocks]
    if factor is None:
        return blocks[0]
    if factor not in names:
        raise ValueError(f"factor must be one of the fit's grouping factors {names}; got {factor!r}")
    return blocks[names.index(factor)]


def _level_targets(design, Z, factor):
    """x0, z0 at each level's average design row, the index and each level's n."""
    blk = _block(design.blocks, factor)
    l = len(blk.levels)
    codes = np.asarray(blk.codes)
    ok = codes >= 0
    n = np.bincount(codes[ok], minlength=l).astype(float)
    A = sparse.csr_matrix((1.0 / n[codes[ok]], (codes[ok], np.flatnonzero(ok))), shape=(l, design.X.shape[0]))
    return A @ design.X, sparse.csr_matrix(A @ Z), pd.Index(blk.levels, name=blk.spec.name), n


def _row_targets(fit, newdata, factor):
    """x0, z0 (with new columns for unseen levels), the extra Λ blocks, the index and n."""
    design = fit.design
    x0 = fit._fixed_part(newdata)
    m = len(newdata)
    z_seen, z_new, L_new = [], [], []
    counted = _block(design.blocks, factor)
    n = np.zeros(m)
    for b in design.blocks:
        cols = [v for v in b.spec.factor if v not in newdata.columns]
        if cols:
            raise ValueError(f"newdata has no column(s) {cols} for the grouping factor {b.spec.name!r}")
        codes, _ = factor_codes(newdata, b.spec.factor, b.levels)
        Zk, _ = build_columns(newdata, b.spec.terms, dict(design.xlevels))
        k, l = b.k, len(b.levels)
        Zb = np.zeros((m, k * l))
        seen = np.flatnonzero(codes >= 0)
        Zb[seen[:, None], codes[seen, None] * k + np.arange(k)] = Zk[seen]
        z_seen.append(Zb)
        if b is counted:
            n[seen] = np.bincount(b.codes[b.codes >= 0], minlength=l)[codes[seen]]
        unseen = np.flatnonzero(codes < 0)
        if unseen.size:
            if b.K is not None:
                raise ValueError(f"newdata has level(s) of {b.spec.name!r} that are not in its relationship "
                                 "matrix K; a known-K factor can only predict levels in K")
            new_codes, labels = factor_codes(newdata.iloc[unseen], b.spec.factor)
            Zn = np.zeros((m, k * len(labels)))
            Zn[unseen[:, None], new_codes[:, None] * k + np.arange(k)] = Zk[unseen]
            z_new.append(Zn)
            L_new.append(_factor(fit, b, len(labels)))
    z0 = sparse.csr_matrix(np.hstack(z_seen + z_new))
    return x0, z0, L_new, pd.Index(newdata.index), n


def _targets(fit, Z, newdata, factor):
    """x0, z0, the Λ blocks of levels never seen, the index and n of the targets (module docstring)."""
    design = fit.design
    _block(design.blocks, factor)                           # a bad factor name raises here
    if newdata is None:
        x0, z0, index, n = _level_targets(design, Z, factor)
        return x0, z0, [], index, n
    if not isinstance(newdata, pd.DataFrame):
        raise ValueError(f"newdata must be a pandas DataFrame with the formula's columns; got {type(newdata).__name__}")
    if len(newdata) == 0:
        raise ValueError("newdata has no rows; give at least one row to predict")
    return _row_targets(fit, newdata, factor)


def _point(fit, x0, z0) -> np.ndarray:
    """x0'β̂ + z0'b̂ (columns of unseen levels, past b̂, carry b̂ = 0)."""
    b_hat = np.concatenate([fit.ranef[b.spec.name].to_numpy(float).ravel() for b in fit.design.blocks])
    return np.asarray(x0 @ fit.fixef.to_numpy(float) + z0[:, :b_hat.size] @ b_hat)


def target_prediction(fit, newdata=None, *, factor: str | None = None, include_random: bool = True) -> np.ndarray:
    """The targets' predictions x0'β̂ + z0'b̂ (x0'β̂ alone without ``include_random``): what
    :func:`prediction_design` predicts, without building Λ."""
    Z = sparse_Z(fit.design.blocks, fit.design.X.shape[0])
    x0, z0, _, _, _ = _targets(fit, Z, newdata, factor)
    return _point(fit, x0, z0) if include_random else np.asarray(x0 @ fit.fixef.to_numpy(float))


def prediction_design(fit, newdata=None, *, factor: str | None = None) -> PredictionDesign:
    """The :class:`~blupteach.fit.PredictionDesign` of a general fit (module docstring)."""
    design = fit.design
    X = np.asarray(design.X, float)
    Z = sparse_Z(design.blocks, X.shape[0])
    x0, z0, L_new, index, n = _targets(fit, Z, newdata, factor)
    Lam = sparse.block_diag([_factor(fit, b, len(b.levels)) for b in design.blocks] + L_new, format="csr")
    if L_new:
        extra = sum(L.shape[0] for L in L_new)
        Z = sparse.hstack([Z, sparse.csc_matrix((X.shape[0], extra))], format="csc")
    return PredictionDesign(X=X, Z=Z, Lam=Lam, sigma_e2=float(fit.sigma2), x0=np.asarray(x0), z0=z0,
                            prediction=_point(fit, x0, z0), index=index, n=n)
