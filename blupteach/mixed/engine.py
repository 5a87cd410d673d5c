r"""The profiled deviance of a linear mixed model, as in lme4 (Bates et al. 2015).

Model: :math:`y = X\beta + Zb + \varepsilon`, :math:`b = \Lambda_\theta u`,
:math:`u \sim N(0, \sigma^2 I)`, :math:`\varepsilon \sim N(0, \sigma^2 I)`, so
:math:`\operatorname{Var}(b) = \sigma^2\Lambda_\theta\Lambda_\theta'`.  For given θ
the penalised least-squares system

.. math::

    \begin{pmatrix} \Lambda'Z'Z\Lambda + I & \Lambda'Z'X \\ X'Z\Lambda & X'X \end{pmatrix}
    \begin{pmatrix} u \\ \beta \end{pmatrix} =
    \begin{pmatrix} \Lambda'Z'y \\ X'y \end{pmatrix}

gives :math:`\hat u, \hat\beta` and the penalised residual sum of squares
:math:`r^2 = \|y - X\hat\beta - Z\Lambda\hat u\|^2 + \|\hat u\|^2`.  With
:math:`LL' = \Lambda'Z'Z\Lambda + I` and :math:`R_X'R_X` the Schur complement of
:math:`X'X`, the profiled deviances (−2 log-likelihood, σ² profiled out) are

.. math::

    d_{ML}(\theta) = \log|L|^2 + N\left(1 + \log\frac{2\pi r^2}{N}\right), \qquad
    d_{REML}(\theta) = \log|L|^2 + \log|R_X|^2 + (N-p)\left(1 + \log\frac{2\pi r^2}{N-p}\right).

Two evaluators share this algebra:

* :class:`SingleFactor` — one grouping factor with k terms: per-group sufficient
  statistics computed once, batched k × k solves over all groups (closed forms
  for k ≤ 2), β profiled out through a p × p Schur complement, and an analytic
  gradient (used by L-BFGS-B).
* :class:`General` — any number of (crossed, nested) factors and factors with a
  known relationship matrix K (:math:`\Lambda = \theta L_K`, :math:`K = L_KL_K'`):
  sparse Z'Z; the largest ordinary factor (block diagonal) is eliminated block by
  block and the rest (other factors and β) goes through one dense Cholesky.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, sparse

_LOG2PI = np.log(2 * np.pi)


def tri_index(k: int):
    """Rows and columns of the lower triangle of a k × k matrix in lme4's θ order (column-major)."""
    rows, cols = [], []
    for c in range(k):
        for r in range(c, k):
            rows.append(r)
            cols.append(c)
    return np.array(rows), np.array(cols)


def theta_lower(k: int):
    """Lower bounds of θ for one k-term block: 0 on the diagonal, -inf elsewhere."""
    r, c = tri_index(k)
    return np.where(r == c, 0.0, -np.inf)


def _inv_logdet(M):
    """Batched inverse and summed log-determinant of SPD k × k matrices (l, k, k)."""
    k = M.shape[-1]
    if k == 1:
        d = M[:, 0, 0]
        return (1.0 / d)[:, None, None], float(np.log(d).sum())
    if k == 2:
        a, b, d = M[:, 0, 0], M[:, 0, 1], M[:, 1, 1]
        det = a * d - b * b
        inv = np.empty_like(M)
        inv[:, 0, 0] = d / det
        inv[:, 1, 1] = a / det
        inv[:, 0, 1] = inv[:, 1, 0] = -b / det
        return inv, float(np.log(det).sum())
    L = np.linalg.cholesky(M)
    logdet = 2.0 * float(np.log(np.diagonal(L, axis1=1, axis2=2)).sum())
    return np.linalg.inv(M), logdet


# --- level-last helpers for the fast path: arrays (rows, cols, l), the level axis contiguous,
# so every operation is an elementwise one on length-l vectors (no BLAS, no per-level loop).
def _mm(A, B):
    """(a, t, l) @ (t, b, l) → (a, b, l), level by level."""
    return (A[:, :, None, :] * B[None, :, :, :]).sum(1)


def _mv(A, v):
    """(a, t, l) @ (t, l) → (a, l)."""
    return (A * v[None, :, :]).sum(1)


def _lT(T, A):
    """T' A for a constant (k, k) T and level-last A (k, m, l) or (k, l)."""
    if A.ndim == 2:
        return (T[:, :, None] * A[:, None, :]).sum(0)
    return (T[:, :, None, None] * A[:, None, :, :]).sum(0)


def _AT(A, T):
    """A T for level-last A (a, k, l) and a constant (k, k) T."""
    return (A[:, :, None, :] * T[None, :, :, None]).sum(1)


def _inv_logdet_last(M):
    """Inverse and summed log-determinant of level-last SPD blocks (k, k, l)."""
    k = M.shape[0]
    if k == 1:
        return 1.0 / M, float(np.log(M[0, 0]).sum())
    if k == 2:
        a, b, d = M[0, 0], M[0, 1], M[1, 1]
        det = a * d - b * b
        return np.array([[d, -b], [-b, a]]) / det, float(np.log(det).sum())
    inv, logdet = _inv_logdet(np.moveaxis(M, 2, 0))
    return np.moveaxis(inv, 0, 2), logdet


def _finish(logdet_L, logdet_RX, pwrss, N, p, reml):
    if pwrss <= 0 or not np.isfinite(pwrss):
        return np.inf
    n_eff = N - p if reml else N
    dev = logdet_L + n_eff * (1.0 + _LOG2PI + np.log(pwrss / n_eff))
    return dev + logdet_RX if reml else dev


class SingleFactor:
    """Profiled deviance and its gradient for one grouping factor (k terms, l levels).

    Parameters
    ----------
    X : ndarray (N, p); Zk : ndarray (N, k) the random-effect columns; codes : int (N,) in 0..l-1.

    The data enter once, as per-level sums A_g = Z_g'Z_g, B_g = Z_g'X_g, c_g = Z_g'y_g
    (stored level-last: (k, k, l), (k, p, l), (k, l)) and X'X, X'y, y'y.
    """

    def __init__(self, X, Zk, codes, n_levels, y):
        self.N, self.p = X.shape
        self.k = Zk.shape[1]
        self.l = n_levels
        k, p, l = self.k, self.p, n_levels
        bc = lambda w: np.bincount(codes, weights=w, minlength=l)   # noqa: E731
        A = np.empty((k, k, l))
        for i in range(k):
            for j in range(i, k):
                A[i, j] = A[j, i] = bc(Zk[:, i] * Zk[:, j])
        self.A = A
        self.B = np.array([[bc(Zk[:, i] * X[:, j]) for j in range(p)] for i in range(k)]).reshape(k, p, l)
        self.c = np.array([bc(Zk[:, i] * y) for i in range(k)])
        # elementwise sums, not BLAS: a long dot product wakes BLAS threads (slow on a busy machine)
        self.XtX = np.array([[float((X[:, i] * X[:, j]).sum()) for j in range(p)] for i in range(p)]).reshape(p, p)
        self.Xty = np.array([float((X[:, i] * y).sum()) for i in range(p)])
        self.yty = float((y * y).sum())
        self.rows, self.cols = tri_index(k)

    def lam(self, theta):
        T = np.zeros((self.k, self.k))
        T[self.rows, self.cols] = theta
        return T

    def solve(self, theta, reml=True, grad=False):
        """Deviance at θ (and its gradient when ``grad``); keeps the solution in ``self.state``."""
        T = self.lam(theta)
        A, B, c, k, p = self.A, self.B, self.c, self.k, self.p
        AT = _AT(A, T)                                       # A_g Λ           (k, k, l)
        M = _lT(T, AT)                                       # Λ' A_g Λ
        M[np.arange(k), np.arange(k)] += 1.0
        Minv, logdet_L = _inv_logdet_last(M)
        P = _lT(T, B)                                        # Λ' B_g          (k, p, l)
        r = _lT(T, c)                                        # Λ' c_g          (k, l)
        MP = _mm(Minv, P)
        Mr = _mv(Minv, r)
        S = self.XtX - (P[:, :, None, :] * MP[:, None, :, :]).sum((0, 3))
        t = self.Xty - (P * Mr[:, None, :]).sum((0, 2))
        if p:
            try:
                RX = linalg.cholesky(S, lower=True)
            except linalg.LinAlgError:
                return (np.inf, np.zeros_like(theta)) if grad else np.inf
            beta = linalg.cho_solve((RX, True), t)
            logdet_RX = 2.0 * float(np.log(np.diag(RX)).sum())
        else:
            RX, beta, logdet_RX = np.zeros((0, 0)), np.zeros(0), 0.0
        u = Mr - (MP * beta[None, :, None]).sum(1)           # (k, l)
        pwrss = self.yty - float((u * r).sum()) - float(beta @ self.Xty)
        dev = _finish(logdet_L, logdet_RX, pwrss, self.N, p, reml)
        self.state = dict(T=T, Minv=np.moveaxis(Minv, 2, 0), u=u.T, beta=beta, pwrss=pwrss, RX=RX, S=S)
        if not grad:
            return dev
        if not np.isfinite(dev):
            return dev, np.zeros_like(theta)
        # d dev = tr(G dΣ) with Σ = ΛΛ' (relative covariance), see the module notes:
        # G = Σ_g W_g − [REML] Σ_g T_g C T_g' − (n_eff / r²) Σ_g s_g s_g'
        ATM = _mm(AT, Minv)                                  # A Λ M⁻¹
        W = A.sum(2) - (ATM[:, :, None, :] * AT[None, :, :, :].transpose(0, 2, 1, 3)).sum((1, 3))
        res = c - (B * beta[None, :, None]).sum(1)           # Z_g'(y − Xβ)       (k, l)
        s = res - _mv(ATM, _lT(T, res))                      # Z_g'V⁻¹(y − Xβ)
        n_eff = self.N - p if reml else self.N
        G = W - (n_eff / pwrss) * (s[:, None, :] * s[None, :, :]).sum(2)
        if reml and p:
            Tg = B - _mm(ATM, P)                             # Z_g'V⁻¹X           (k, p, l)
            C = linalg.cho_solve((RX, True), np.eye(p))
            TC = (Tg[:, :, None, :] * C[None, :, :, None]).sum(1)      # (k, p, l)
            G -= (TC[:, None, :, :] * Tg[None, :, :, :]).sum((2, 3))
        dT = 2.0 * (G @ T)
        return dev, dT[self.rows, self.cols]


class General:
    """Profiled deviance for several (crossed, nested) factors and known-K factors.

    Parameters
    ----------
    X : ndarray (N, p); y : ndarray (N,)
    Z : scipy.sparse matrix (N, q), columns block by block, level-major inside a block
    blocks : list of dict with keys ``k``, ``l``, ``offset``, ``LK`` (None or dense
        lower Cholesky factor of K, l × l, for a known-K block with k = 1).
        ``blocks[0]`` must be an ordinary block when ``n1 > 0``: it is eliminated
        block-diagonally.
    """

    def __init__(self, X, Z, y, blocks, eliminate_first=True):
        self.N, self.p = X.shape
        self.q = Z.shape[1]
        self.blocks = blocks
        Z = sparse.csc_matrix(Z)
        self.ZtZ = (Z.T @ Z).tocsc()
        self.ZtX = np.asarray(Z.T @ X)
        self.Zty = np.asarray(Z.T @ y).ravel()
        self.XtX, self.Xty, self.yty = X.T @ X, X.T @ y, float(y @ y)
        b0 = blocks[0]
        self.q1 = b0["k"] * b0["l"] if (eliminate_first and b0["LK"] is None) else 0
        self.k1 = b0["k"]
        # Λ template: value = θ[tidx] * mult at (rows, cols)
        rows, cols, tidx, mult = [], [], [], []
        self.theta_slices, start = [], 0
        for b in blocks:
            k, l, off = b["k"], b["l"], b["offset"]
            tr, tc = tri_index(k)
            if b["LK"] is None:
                lev = np.repeat(np.arange(l), tr.size)
                rows.append(off + lev * k + np.tile(tr, l))
                cols.append(off + lev * k + np.tile(tc, l))
                tidx.append(start + np.tile(np.arange(tr.size), l))
                mult.append(np.ones(lev.size))
            else:
                LK = sparse.coo_matrix(b["LK"])
                rows.append(off + LK.row)
                cols.append(off + LK.col)
                tidx.append(np.full(LK.nnz, start))
                mult.append(LK.data)
            self.theta_slices.append(slice(start, start + tr.size))
            start += tr.size
        rows, cols = np.concatenate(rows), np.concatenate(cols)
        self.n_theta = start
        tmpl = sparse.csc_matrix((np.arange(1, rows.size + 1, dtype=float), (rows, cols)), shape=(self.q, self.q))
        order = tmpl.data.astype(np.int64) - 1
        self._lam_pattern = (tmpl.indices.copy(), tmpl.indptr.copy())
        self._lam_tidx = np.concatenate(tidx)[order]
        self._lam_mult = np.concatenate(mult)[order]

    def lam(self, theta):
        data = np.asarray(theta, dtype=float)[self._lam_tidx] * self._lam_mult
        return sparse.csc_matrix((data, *self._lam_pattern), shape=(self.q, self.q))

    def _block_diag(self, M11):
        """(l1, k1, k1) blocks of a block-diagonal sparse matrix."""
        k, l = self.k1, self.q1 // self.k1
        D = np.empty((l, k, k))
        for r in range(k):
            for c in range(r, k):
                D[:, r, c] = D[:, c, r] = M11.diagonal(c - r)[r::k] if c > r else M11.diagonal()[r::k]
        return D

    def solve(self, theta, reml=True, keep=False):
        q1, q, p = self.q1, self.q, self.p
        Lam = self.lam(theta)
        M = (Lam.T @ self.ZtZ @ Lam).tocsc() + sparse.identity(q, format="csc")
        LtZtX = np.asarray(Lam.T @ self.ZtX)
        c = np.asarray(Lam.T @ self.Zty).ravel()
        q2 = q - q1
        M22 = M[q1:, q1:].toarray()
        top = np.hstack([M22, LtZtX[q1:]])
        S = np.vstack([top, np.hstack([LtZtX[q1:].T, self.XtX])])
        r2 = np.concatenate([c[q1:], self.Xty])
        logdet_L = 0.0
        if q1:
            D = self._block_diag(M[:q1, :q1])
            Dinv, logdet_L = _inv_logdet(D)
            l1 = q1 // self.k1
            Dsp = sparse.bsr_matrix((Dinv, np.arange(l1), np.arange(l1 + 1)), shape=(q1, q1)).tocsr()
            E = sparse.vstack([M[q1:, :q1], sparse.csr_matrix(LtZtX[:q1].T)]).tocsr()   # (q2+p, q1)
            ED = E @ Dsp
            S = S - (ED @ E.T).toarray()
            r2 = r2 - ED @ c[:q1]
        if S.shape[0]:
            try:
                Lc = linalg.cholesky(S, lower=True)
            except linalg.LinAlgError:
                return np.inf
            dg = np.log(np.diag(Lc))
            logdet_L += 2.0 * float(dg[:q2].sum())
            logdet_RX = 2.0 * float(dg[q2:].sum())
            sol2 = linalg.cho_solve((Lc, True), r2)
        else:
            Lc, logdet_RX, sol2 = np.zeros((0, 0)), 0.0, np.zeros(0)
        if q1:
            u1 = Dsp @ (c[:q1] - E.T @ sol2)
            u = np.concatenate([u1, sol2[:q2]])
        else:
            u = sol2[:q2]
        beta = sol2[q2:]
        pwrss = self.yty - float(u @ c) - float(beta @ self.Xty)
        dev = _finish(logdet_L, logdet_RX, pwrss, self.N, p, reml)
        if keep:
            self.state = dict(Lam=Lam, M=M, u=u, beta=beta, pwrss=pwrss,
                              Dinv=Dinv if q1 else None, Dsp=Dsp if q1 else None)
        return dev

    def cond_cov_u(self):
        """Diagonal level blocks of M⁻¹ (the conditional covariance of u / σ²), as a dense
        q2 × q2 matrix for the non-eliminated part and (l1, k1, k1) blocks for block 0."""
        st, q1 = self.state, self.q1
        M = st["M"]
        M22 = M[q1:, q1:].toarray()
        if not q1:
            return None, linalg.cho_solve((linalg.cholesky(M22, lower=True), True), np.eye(M22.shape[0])) if M22.size else M22
        Dsp, Dinv = st["Dsp"], st["Dinv"]
        M21 = M[q1:, :q1]
        if M22.size == 0:
            return Dinv, M22
        Sr = M22 - (M21 @ Dsp @ M21.T).toarray()
        Sinv = linalg.cho_solve((linalg.cholesky(Sr, lower=True), True), np.eye(Sr.shape[0]))
        Y = (Dsp @ M21.T).toarray()                            # D⁻¹ M12 (q1, q2)
        l1, k1 = Dinv.shape[0], self.k1
        Yr = Y.reshape(l1, k1, -1)
        blocks = Dinv + np.einsum("lkq,qr,lmr->lkm", Yr, Sinv, Yr)
        return blocks, Sinv
