"""From (formula, data, K) to checked arrays: y, X and one record per random-effect block.

Every check that lme4 makes on a model before fitting is made here, at the
public edge, and raises ``ValueError`` saying what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, sparse

from .._validation import _rows
from .engine import gram
from .columns import build_columns, factor_codes
from .formula import Block, ParsedFormula, parse_formula


@dataclass
class BlockData:
    """A random-effect block on the data: ``Zk`` (N × k) columns, level ``codes`` (N,)."""

    spec: Block
    columns: list
    levels: list
    codes: np.ndarray
    Zk: np.ndarray
    LK: np.ndarray | None = None     # lower Cholesky factor of K (known-relationship block)
    K: np.ndarray | None = None

    @property
    def k(self) -> int:
        return len(self.columns)

    @property
    def l(self) -> int:
        return len(self.levels)


@dataclass
class Design:
    """The checked arrays of a model; ``blocks`` in formula order (the keys of varcorr, ranef)."""

    formula: str
    parsed: ParsedFormula
    y: np.ndarray
    X: np.ndarray
    xnames: list
    xlevels: dict
    blocks: list

    def lme4_order(self) -> list:
        """Block indices in lme4's order: by decreasing number of levels, ties in formula order.

        lme4's ``mkReTrms`` (``reorder = TRUE``) and MixedModels.jl sort the random-effect
        terms this way; θ is laid out block after block in this order.
        """
        return sorted(range(len(self.blocks)), key=lambda i: -self.blocks[i].l)   # sorted() is stable

    def theta_perm(self) -> np.ndarray:
        """Index array ``perm`` with θ_lme4 = θ_formula[perm] (each block's lower triangle, column-major)."""
        sizes = [b.k * (b.k + 1) // 2 for b in self.blocks]
        starts = np.cumsum([0] + sizes)
        return np.concatenate([np.arange(starts[i], starts[i + 1]) for i in self.lme4_order()]).astype(np.int64)


def _check_data(data, parsed: ParsedFormula) -> dict:
    """Raise on bad data; return the factorisations (codes, uniques) of the text columns, made to find
    their missing values (code -1) and kept for :func:`.columns.factor_codes`."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame; got {type(data).__name__}")
    missing = [v for v in parsed.variables if v not in data.columns]
    if missing:
        raise ValueError(f"data has no column(s) {missing} used in the formula; its columns are {list(data.columns)}")
    factorized = {}
    for v in parsed.variables:                 # column by column: no copy of the used columns
        col = data[v]
        if isinstance(col.dtype, np.dtype) and col.dtype.kind == "f":
            bad = np.isnan(col.to_numpy())     # numpy floats: no Series
        elif col.dtype == object:
            factorized[v] = pd.factorize(col.to_numpy())
            bad = factorized[v][0] < 0
        else:
            bad = col.isna().to_numpy()
        if bad.any():
            raise ValueError(f"data column {v!r} has {int(bad.sum())} missing (NaN) value(s) ({_rows(bad)}); "
                             "drop or impute those rows first")
    ycol = data[parsed.response]
    if not pd.api.types.is_numeric_dtype(ycol) or pd.api.types.is_bool_dtype(ycol):
        raise ValueError(f"the response {parsed.response!r} must be numeric; got dtype {ycol.dtype}")
    if not np.isfinite(ycol.to_numpy(dtype=float)).all():
        raise ValueError(f"the response {parsed.response!r} has infinite values ({_rows(~np.isfinite(ycol.to_numpy(dtype=float)))})")
    return factorized


def _check_rank(X, names):
    """Raise naming the columns (in formula order) that depend on the columns before them.

    Column j depends on columns 0..j-1 when its residual after projecting on them is
    below 1e-7 of its norm; the residuals come from X'X (Schur complements, :func:`.engine.gram`).
    """
    p = X.shape[1]
    XtX = gram(X)
    kept, dropped = [], []
    for j in range(p):
        norm2 = XtX[j, j]
        if kept:
            Q = XtX[np.ix_(kept, kept)]
            v = XtX[kept, j]
            res2 = norm2 - v @ linalg.solve(Q, v, assume_a="pos")
        else:
            res2 = norm2
        if norm2 <= 0 or res2 <= 1e-14 * norm2:
            dropped.append(names[j])
        else:
            kept.append(j)
    if dropped:
        raise ValueError(f"the fixed-effects design X is rank deficient (rank {len(kept)} of {p} columns): "
                         f"column(s) {dropped} are linear combinations of the columns before them; remove them from the formula")


def _known_K(K, block: Block, data):
    """Levels (K's order) and the dense K for a known-relationship block."""
    if len(block.terms) != 1 or block.terms[0] != ():
        raise ValueError(f"K[{block.name!r}]: a known relationship matrix needs a random intercept only, (1 | {block.name})")
    if isinstance(K, pd.DataFrame):
        levels = pd.Index(K.index)
        if list(K.columns) != list(levels):
            raise ValueError(f"K[{block.name!r}] must have the same labels on its rows and columns")
        Kd = K.to_numpy(dtype=float)
    else:
        _, levels = factor_codes(data, block.factor)
        Kd = K.toarray() if sparse.issparse(K) else np.asarray(K, dtype=float)
        if Kd.shape != (len(levels), len(levels)):
            raise ValueError(f"K[{block.name!r}] must be {len(levels)} × {len(levels)} (one row per level of "
                             f"{block.name!r}, sorted); got shape {Kd.shape}. Pass a DataFrame indexed by level to use other levels")
    if not np.isfinite(Kd).all():
        raise ValueError(f"K[{block.name!r}] has NaN or infinite entries")
    if not np.allclose(Kd, Kd.T, rtol=1e-10, atol=1e-12):
        raise ValueError(f"K[{block.name!r}] must be symmetric")
    try:
        LK = linalg.cholesky(Kd, lower=True)
    except linalg.LinAlgError:
        raise ValueError(f"K[{block.name!r}] must be positive definite (its Cholesky factorisation failed)") from None
    return levels, Kd, LK


def build_design(formula, data, K=None) -> Design:
    """Parse, check and build the model's arrays (see :func:`blupteach.fit_lmm`)."""
    parsed = parse_formula(formula)
    factorized = _check_data(data, parsed)
    K = {} if K is None else K
    if not isinstance(K, dict):
        raise ValueError("K must be a dict: grouping factor name → relationship matrix")
    names = [b.name for b in parsed.blocks]
    unknown = [k for k in K if k not in names]
    if unknown:
        raise ValueError(f"K names grouping factor(s) {unknown} that the formula does not have; it has {names}")
    y = data[parsed.response].to_numpy(dtype=float)
    N = y.size
    xlevels: dict = {}
    X, xnames = build_columns(data, parsed.fixed, xlevels)
    _check_rank(X, xnames)
    if N <= X.shape[1]:
        raise ValueError(f"data has {N} rows, not more than the {X.shape[1]} fixed effects")
    blocks = []
    for spec in parsed.blocks:
        Zk, cols = build_columns(data, spec.terms, xlevels)
        if spec.name in K:
            levels, Kd, LK = _known_K(K[spec.name], spec, data)
            codes, _ = factor_codes(data, spec.factor, levels)
            if (codes < 0).any():
                raise ValueError(f"K[{spec.name!r}] has no row for level(s) "
                                 f"{list(pd.unique(np.asarray(data[spec.factor[0]])[codes < 0]))[:3]} found in the data")
            blocks.append(BlockData(spec, cols, levels, codes, Zk, LK, Kd))
            continue
        codes, levels = factor_codes(data, spec.factor, factorized=factorized)
        if len(levels) < 2:
            raise ValueError(f"grouping factor {spec.name!r} has only one level ({levels[0]!r}); "
                             "a random effect needs at least 2 levels")
        if len(levels) >= N:
            raise ValueError(f"grouping factor {spec.name!r} has {len(levels)} levels for {N} observations; "
                             "it needs fewer levels than observations (else the random effects and the residual "
                             "variance cannot be told apart)")
        if len(cols) * len(levels) >= N:
            raise ValueError(f"the term ({' + '.join(cols)} | {spec.name}) has {len(cols)} × {len(levels)} = "
                             f"{len(cols) * len(levels)} random effects for {N} observations; it needs fewer "
                             "random effects than observations (lme4's rule)")
        blocks.append(BlockData(spec, cols, levels, codes, Zk))
    return Design(formula, parsed, y, X, xnames, xlevels, blocks)


def sparse_Z(blocks, n_rows):
    """Sparse Z (n_rows × q): each block's columns level-major, offsets in block order."""
    mats = []
    for b in blocks:
        k, l = b.k, b.l
        ok = b.codes >= 0
        rows = np.repeat(np.flatnonzero(ok), k)
        cols = (b.codes[ok, None] * k + np.arange(k)).ravel()
        vals = b.Zk[ok].ravel()
        mats.append(sparse.csc_matrix((vals, (rows, cols)), shape=(n_rows, k * l)))
    return sparse.hstack(mats, format="csc")
