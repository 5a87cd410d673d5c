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

from .mixed.design import sparse_Z


def _design(fit):
    design = getattr(fit, "design", None)
    if design is None or not hasattr(design, "X") or not hasattr(design, "blocks"):
        raise ValueError("fit must be a one-way fit (bt.fit_oneway) or a general fit (bt.fit_lmm) with its "
                         f"design; got {type(fit).__name__}")
    return design


def _G(fit, blocks):
    """G = block-diag over blocks of I_levels ⊗ Σ_block, or σ²_K·K for a known-K block."""
    Gs = []
    for b in blocks:
        cov = np.asarray(fit.varcorr[b.spec.name], float)
        if getattr(b, "K", None) is not None:
            Gs.append(float(cov.ravel()[0]) * np.asarray(b.K, float))
        else:
            Gs.append(np.kron(np.eye(len(b.levels)), cov))
    return linalg.block_diag(*Gs)


def _block(blocks, factor):
    names = [b.spec.name for b in blocks]
    if factor is None:
        return blocks[0]
    if factor not in names:
        raise ValueError(f"factor must be one of the fit's grouping factors {names}; got {factor!r}")
    return blocks[names.index(factor)]


def _targets(design, factor):
    """X, Z and the targets x0, z0 (one row per level of ``factor``), their index and n."""
    X = np.asarray(design.X, float)
    Z = sparse_Z(design.blocks, X.shape[0])
    blk = _block(design.blocks, factor)
    l = len(blk.levels)
    codes = np.asarray(blk.codes)
    ok = codes >= 0
    # A (l × N) averages each level's rows: x0 = A X, z0 = A Z.
    n = np.bincount(codes[ok], minlength=l).astype(float)
    A = sparse.csr_matrix((1.0 / n[codes[ok]], (codes[ok], np.flatnonzero(ok))), shape=(l, X.shape[0]))
    x0 = A @ X
    z0 = (A @ Z).toarray()
    index = pd.Index(blk.levels, name=blk.spec.name)
    return X, Z, x0, z0, index, n


def general_design(fit, factor=None):
    """Return X, Z, G, x0, z0, index, n for :func:`blupteach.intervals.variance_parts_mme`."""
    design = _design(fit)
    X, Z, x0, z0, index, n = _targets(design, factor)
    return X, Z, _G(fit, design.blocks), x0, z0, index, n


def general_point(fit, factor=None) -> np.ndarray:
    """x0'β̂ + z0'b̂ for the targets of :func:`general_design` (G is not needed, so not built)."""
    design = _design(fit)
    _, _, x0, z0, _, _ = _targets(design, factor)
    b_hat = np.concatenate([fit.ranef[b.spec.name].to_numpy(float).ravel() for b in design.blocks])
    return x0 @ fit.fixef.to_numpy(float) + z0 @ b_hat
