"""Adapter from a general fit (:func:`blupteach.fit_lmm`) to the arrays of :mod:`blupteach.intervals`.

Private.  A general fit exposes its design (``fit.design``: ``X``, ``blocks`` with level
``codes``, per-row term values ``Zk`` and, for a known-relationship factor, ``K``), its
covariance estimates (``varcorr``, ``sigma2``) and BLUPs (``ranef``).  From them:

* Z, the N × q random-effects design, each block's columns level-major (level 0's terms,
  then level 1's, ...), the order of ``ranef[name].to_numpy().ravel()``;
* G = block-diag over blocks of I_levels ⊗ Σ_block (Σ = ``varcorr[name]``), or σ²_K·K for a
  known-K block;
* the targets: one per level of the chosen grouping factor, at that level's *average design
  row* (x0 = mean of its rows of X, z0 = mean of its rows of Z).  For a random-intercept model
  without covariates that is x0 = 1, z0 = e_i: the group mean μ + b_i exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import linalg, sparse


def _blocks(fit):
    design = getattr(fit, "design", None)
    if design is None or not hasattr(design, "X") or not hasattr(design, "blocks"):
        raise ValueError("fit must be a one-way fit (bt.fit_oneway) or a general fit (bt.fit_lmm) with its "
                         f"design; got {type(fit).__name__}")
    return design, design.blocks


def _Z_G(fit):
    design, blocks = _blocks(fit)
    N = design.X.shape[0]
    Zs, Gs = [], []
    for b in blocks:
        k, l = len(b.columns), len(b.levels)
        ok = b.codes >= 0
        rows = np.repeat(np.flatnonzero(ok), k)
        cols = (b.codes[ok, None] * k + np.arange(k)).ravel()
        Zs.append(sparse.csr_matrix((np.asarray(b.Zk, float)[ok].ravel(), (rows, cols)), shape=(N, k * l)))
        cov = np.asarray(fit.varcorr[b.spec.name], float)
        if getattr(b, "K", None) is not None:
            Gs.append(float(cov.ravel()[0]) * np.asarray(b.K, float))
        else:
            Gs.append(np.kron(np.eye(l), cov))
    return sparse.hstack(Zs, format="csr"), linalg.block_diag(*Gs)


def _block(fit, factor):
    _, blocks = _blocks(fit)
    names = [b.spec.name for b in blocks]
    if factor is None:
        return blocks[0]
    if factor not in names:
        raise ValueError(f"factor must be one of the fit's grouping factors {names}; got {factor!r}")
    return blocks[names.index(factor)]


def general_design(fit, factor=None):
    """Return X, Z, G, x0, z0, index, n for :func:`blupteach.intervals.variance_parts_mme`."""
    design, _ = _blocks(fit)
    X = np.asarray(design.X, float)
    Z, G = _Z_G(fit)
    blk = _block(fit, factor)
    l = len(blk.levels)
    codes = np.asarray(blk.codes)
    ok = codes >= 0
    # A (l × N) averages each level's rows: x0 = A X, z0 = A Z.
    n = np.bincount(codes[ok], minlength=l).astype(float)
    A = sparse.csr_matrix((1.0 / n[codes[ok]], (codes[ok], np.flatnonzero(ok))), shape=(l, X.shape[0]))
    x0 = A @ X
    z0 = (A @ Z).toarray()
    index = pd.Index(blk.levels, name=blk.spec.name)
    return X, Z, G, x0, z0, index, n


def general_point(fit, factor=None) -> np.ndarray:
    """x0'β̂ + z0'b̂ for the targets of :func:`general_design`."""
    _, blocks = _blocks(fit)
    _, _, _, x0, z0, _, _ = general_design(fit, factor)
    b_hat = np.concatenate([fit.ranef[b.spec.name].to_numpy(float).ravel() for b in blocks])
    return x0 @ fit.fixef.to_numpy(float) + z0 @ b_hat
