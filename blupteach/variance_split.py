r"""The split of a prediction's error variance for a general mixed model, in sparse algebra.

For :math:`y = X\beta + Zb + \varepsilon`, :math:`b \sim N(0, G)`, :math:`G = \Lambda\Lambda'`, and
targets :math:`x_0'\beta + z_0'b`, the three parts (derived in :mod:`blupteach.intervals`) are

.. math::

    \texttt{mean} = a'\operatorname{Var}(\hat\beta)\,a, \quad
    \texttt{deviation} = z_0'Dz_0, \quad \texttt{noise} = \sigma_\varepsilon^2,
    \qquad D = \Lambda M^{-1}\Lambda', \quad M = I + \Lambda'Z'Z\Lambda/\sigma_\varepsilon^2,

with :math:`a = x_0 - X'ZDz_0/\sigma_\varepsilon^2` and
:math:`\operatorname{Var}(\hat\beta)^{-1} = (X'X - X'Z\Lambda M^{-1}\Lambda'Z'X/\sigma_\varepsilon^2)/\sigma_\varepsilon^2`
(Woodbury).  Only cross-products enter; D allows a singular G (a variance at 0).

How it is computed: when b falls into small independent blocks (one grouping factor: one
block of k effects per level), D is block diagonal and is formed block by block; otherwise M
is factored once (SuperLU) and the targets are solved a chunk at a time.  Neither path forms
a dense q × q or m × q matrix beyond those blocks, so 10⁴ groups with a random slope take
about a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse.csgraph  # noqa: F401  (sparse.csgraph.connected_components)
import scipy.sparse.linalg  # noqa: F401  (sparse.linalg.splu)
from scipy import linalg, sparse

from ._validation import as_float_array, check_choice, check_variance, cholesky

__all__ = ["variance_parts_mme", "TARGETS"]


#: What a prediction interval can be for.
TARGETS = ("new_observation", "group_mean")


def _check_target(target) -> str:
    return check_choice(target, "target", TARGETS)


def _frame(mean, deviation, noise, index) -> pd.DataFrame:
    mean, deviation = np.asarray(mean, float), np.asarray(deviation, float)
    noise = np.broadcast_to(np.asarray(noise, float), mean.shape)
    return pd.DataFrame({"mean": mean, "deviation": deviation, "noise": noise,
                         "total": mean + deviation + noise}, index=index)


# general model: the same split from the blocks of the mixed-model equations
# ---------------------------------------------------------------------------
def _matrix(A, name: str, shape: tuple) -> np.ndarray | sparse.spmatrix:
    """A 2-D float matrix (sparse kept sparse) whose known dimensions match ``shape`` (None: any)."""
    if sparse.issparse(A):
        A = sparse.csr_matrix(A, dtype=float)
        if not np.isfinite(A.data).all():
            raise ValueError(f"{name} has NaN or infinite entries")
    else:
        A = as_float_array(A, name)
        A = A[None, :] if A.ndim == 1 else A
        if A.ndim != 2:
            raise ValueError(f"{name} must be a 2-D matrix; got shape {A.shape}")
    for got, want, what in zip(A.shape, shape, ("rows", "columns")):
        if want is not None and got != want:
            raise ValueError(f"{name} must have {want} {what}; got shape {A.shape}")
    return A


def variance_parts_mme(X, Z, G, sigma_e2, x0, z0, *, target: str = "new_observation", index=None) -> pd.DataFrame:
    r"""Return the three parts for targets :math:`x_0'\beta + z_0'b` of a general mixed model.

    ``mean`` = :math:`a'\operatorname{Var}(\hat\beta)a` with :math:`a = x_0 - X'Z D z_0/\sigma_\varepsilon^2`,
    ``deviation`` = :math:`z_0' D z_0`, ``noise`` = σ_ε² (new observation) or 0, where
    :math:`D = \Lambda(I + \Lambda'Z'Z\Lambda/\sigma_\varepsilon^2)^{-1}\Lambda'`, G = ΛΛ' (this equals
    :math:`(Z'Z/\sigma_\varepsilon^2 + G^{-1})^{-1}` and allows a singular G, a variance at 0) and
    :math:`\operatorname{Var}(\hat\beta)^{-1} = (X'X - X'Z\Lambda M^{-1}\Lambda'Z'X/\sigma_\varepsilon^2)/\sigma_\varepsilon^2`,
    M = I + Λ'Z'ZΛ/σ_ε² (Woodbury).  Only the cross-products X'X, Z'X, Z'Z enter: no N × N
    (or dense N × q) matrix is formed.  A column of Z with no rows of data (a level never
    observed) gets D = its variance in G and contributes nothing to ``a``: the prediction
    of a new level carries all of its variance.

    Parameters
    ----------
    X : array_like, shape (N, p);  Z : array_like or scipy.sparse, shape (N, q);  G : array_like, shape (q, q)
    sigma_e2 : float, > 0
    x0 : array_like, shape (m, p);  z0 : array_like, shape (m, q)
        One row per target.
    target : {'new_observation', 'group_mean'}, keyword-only
    index : array_like, optional, keyword-only
        Labels of the m targets.

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
    sigma_e2 = check_variance(sigma_e2, "sigma_e2", positive=True)
    if np.ndim(sigma_e2) != 0:
        raise ValueError(f"sigma_e2 must be a single number; got shape {np.shape(sigma_e2)}")
    X = _matrix(X, "X", (None, None))
    if sparse.issparse(X):
        X = X.toarray()
    N, p = X.shape
    Z = _matrix(Z, "Z", (N, None))
    q = Z.shape[1]
    G = _matrix(G, "G", (q, q))
    G = G.toarray() if sparse.issparse(G) else G
    x0 = _matrix(x0, "x0", (None, p))
    z0 = _matrix(z0, "z0", (x0.shape[0], q))
    z0 = z0.toarray() if sparse.issparse(z0) else z0
    if index is not None and len(index) != x0.shape[0]:
        raise ValueError(f"index must have {x0.shape[0]} labels (one per target); got {len(index)}")
    evals, evecs = linalg.eigh((G + G.T) / 2)
    if evals.min() < -1e-10 * max(1.0, evals.max()):
        raise ValueError("G must be positive semi-definite (a covariance matrix)")
    Lam = evecs * np.sqrt(np.clip(evals, 0, None))            # G = Λ Λ'
    return _split(X, Z, Lam, sigma_e2, x0, z0, target, index)


TARGET_CHUNK = 256      # targets solved at a time on the general path: memory q × 256
BLOCK_MAX = 2000        # largest independent block of b solved densely (one grouping factor: k)


def _split(X, Z, Lam, sigma_e2, x0, z0, target, index) -> pd.DataFrame:
    """The three parts from G's factor Λ (dense or sparse), all in sparse algebra.

    With M = I + Λ'Z'ZΛ/σ² and D = ΛM⁻¹Λ' = Var(b | y, β): ``deviation`` = z0 D z0',
    ``a`` = x0 − z0 D Z'X/σ² and Var(β̂)⁻¹ = (X'X − X'ZΛM⁻¹Λ'Z'X/σ²)/σ².  When b falls into
    small independent blocks (one grouping factor: one block of k effects per level), D is
    block diagonal and is formed block by block (:func:`_block_D`); otherwise M is factored
    once and the targets are solved TARGET_CHUNK at a time.  Neither path forms a dense
    q × q or m × q matrix beyond those blocks.
    """
    Z, Lam, z0 = (sparse.csr_matrix(A) for A in (Z, Lam, z0))
    q, (m, p) = Z.shape[1], x0.shape
    ZtX = np.asarray(Z.T @ X)                                  # (q, p)
    LtZt = (Lam.T @ Z.T).tocsr()                               # Λ'Z' (q, N)
    M = (sparse.identity(q, format="csr") + (LtZt @ LtZt.T) / sigma_e2).tocsr()
    D = _block_D(M, Lam)
    if D is not None:
        DZtX = np.asarray(D @ ZtX)                             # (q, p)
        XtVinvX = (X.T @ X - ZtX.T @ DZtX / sigma_e2) / sigma_e2
        deviation = np.asarray(z0.multiply(z0 @ D).sum(axis=1)).ravel()
        a = (x0 - np.asarray(z0 @ DZtX) / sigma_e2).T          # (p, m)
        mean = np.einsum("ij,ij->j", a, linalg.cho_solve(cholesky(XtVinvX, "X'V⁻¹X"), a))
        return _frame(mean, deviation, sigma_e2 if target == "new_observation" else 0.0, index)
    solve = sparse.linalg.splu(M.tocsc()).solve                # M is I + PSD: positive definite
    LtZtX = np.asarray(Lam.T @ ZtX)
    XtVinvX = (X.T @ X - LtZtX.T @ solve(LtZtX) / sigma_e2) / sigma_e2
    V_beta = cholesky(XtVinvX, "X'V⁻¹X")
    mean, deviation = np.empty(m), np.empty(m)
    for start in range(0, m, TARGET_CHUNK):
        rows = slice(start, min(start + TARGET_CHUNK, m))
        zc = z0[rows]
        Dz = Lam @ solve(np.asarray((Lam.T @ zc.T).toarray()))  # D z0' (q, c), D = Λ M⁻¹ Λ'
        deviation[rows] = np.asarray(zc.multiply(Dz.T).sum(axis=1)).ravel()
        a = x0[rows].T - ZtX.T @ Dz / sigma_e2                 # (p, c)
        mean[rows] = np.einsum("ij,ij->j", a, linalg.cho_solve(V_beta, a))
    return _frame(mean, deviation, sigma_e2 if target == "new_observation" else 0.0, index)


def _block_D(M, Lam):
    """D = ΛM⁻¹Λ' (sparse) when M and Λ split b into independent blocks of ≤ BLOCK_MAX; else None.

    The blocks are the connected components of the pattern of M + Λ + Λ'; D is block
    diagonal on them, each block Λ_c M_c⁻¹ Λ_c' computed densely, blocks of one size at once.
    """
    q = M.shape[0]
    pattern = (abs(M) + abs(Lam) + abs(Lam.T)).tocsr()
    count, comp = sparse.csgraph.connected_components(pattern, directed=False)
    sizes = np.bincount(comp, minlength=count)
    if sizes.max() > BLOCK_MAX or float(np.sum(sizes.astype(float) ** 2)) > 5e7:
        return None
    order = np.lexsort((np.arange(q), comp, sizes[comp]))     # by block size, then block: contiguous
    local = np.empty(q, dtype=np.intp)
    first = np.r_[0, np.flatnonzero(np.diff(comp[order])) + 1]
    local[order] = np.arange(q) - np.repeat(first, np.diff(np.r_[first, q]))
    rows, cols, vals = [], [], []
    for s in np.unique(sizes):
        members = np.flatnonzero(sizes == s)                   # the blocks of size s
        slot = np.full(count, -1)
        slot[members] = np.arange(members.size)
        idx = np.empty((members.size, s), dtype=np.intp)       # idx[j] = the columns of block j
        in_size = order[sizes[comp[order]] == s]
        idx[slot[comp[in_size]], local[in_size]] = in_size
        Mb, Lb = _blocks(M, idx, slot, comp, local), _blocks(Lam.tocsr(), idx, slot, comp, local)
        Db = Lb @ np.linalg.solve(Mb, np.swapaxes(Lb, 1, 2))   # Λ_c M_c⁻¹ Λ_c' (small SPD solves)
        rows.append(np.repeat(idx, s, axis=1).ravel())
        cols.append(np.tile(idx, (1, s)).ravel())
        vals.append(Db.ravel())
    return sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(q, q))


def _blocks(A, idx, slot, comp, local):
    """The (blocks, s, s) dense diagonal blocks of sparse A on the blocks listed in idx."""
    nb, s = idx.shape
    out = np.zeros((nb, s, s))
    coo = A[idx.ravel()].tocoo()                               # rows of the blocks, in idx order
    r = idx.ravel()[coo.row]
    keep = slot[comp[coo.col]] == slot[comp[r]]
    out[slot[comp[r[keep]]], local[r[keep]], local[coo.col[keep]]] = coo.data[keep]
    return out
