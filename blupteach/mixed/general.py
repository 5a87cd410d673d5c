"""The general path: several (crossed, nested) factors and known-K factors, sparse Z'Z.

See :mod:`blupteach.mixed.engine` for the profiled deviance.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, sparse

from .engine import _finish, _inv_logdet, _potrf, _potri, _potrs, lower_factor, tri_index

__all__ = ["General"]


class General:
    """Profiled deviance for several (crossed, nested) factors and known-K factors.

    Parameters
    ----------
    X : ndarray (N, p); y : ndarray (N,)
    Z : scipy.sparse matrix (N, q), columns block by block, level-major inside a block
    blocks : list of dict with keys ``k``, ``l``, ``offset``, ``LK`` (None or dense
        lower Cholesky factor of K, l × l, for a known-K block with k = 1).
        ``blocks[0]`` is eliminated block by block when it is an ordinary block
        (``eliminate_first``); the rest (q2 columns) and β go through one dense Cholesky.

    Notes
    -----
    With Z = [Z1 Z2], Λ = diag(Λ1, Λ2) and D = Λ1'Z1'Z1Λ1 + I (block diagonal), the
    Schur complement of D in Λ'Z'ZΛ + I is Λ2'(Z2'Z2 − Z2'Z1 H Z1'Z2)Λ2 + I with
    H = Λ1 D⁻¹ Λ1' (block diagonal).  Z2'Z1 H Z1'Z2 is accumulated from the pairs of
    non-zeros of Z2'Z1 that share a level of factor 1 (their list is made once), one
    ``bincount`` per evaluation: no sparse product, no dense q1 × q2 matrix.
    """

    MAX_PAIRS = 30_000_000
    DENSE_MAX = 400_000     # entries: below this, Λ2 and Z2'Z1 are dense arrays (a small fit's
                            # time goes into building sparse objects, not into arithmetic)

    def __init__(self, X, Z, y, blocks, eliminate_first=True):
        self.N, self.p = X.shape
        self.q = Z.shape[1]
        self.blocks = blocks
        Z = sparse.csc_matrix(Z)
        b0 = blocks[0]
        self.q1 = b0["k"] * b0["l"] if (eliminate_first and b0["LK"] is None) else 0
        self.k1 = b0["k"] if self.q1 else 1
        q1, k1 = self.q1, self.k1
        self.q2 = q2 = self.q - q1
        Z1, Z2 = Z[:, :q1], Z[:, q1:]
        self.XtX, self.Xty, self.yty = X.T @ X, X.T @ y, float(y @ y)
        self.Z1tX = np.asarray(Z1.T @ X).reshape(q1 // k1, k1, self.p) if q1 else None
        self.Z1ty = np.asarray(Z1.T @ y).ravel().reshape(-1, k1) if q1 else None
        self.Z2tX = np.asarray(Z2.T @ X)
        self.Z2ty = np.asarray(Z2.T @ y).ravel()
        self.A22 = (Z2.T @ Z2).toarray()
        if q1:
            A11 = (Z1.T @ Z1).tocsr()
            l1 = q1 // k1
            D = np.empty((l1, k1, k1))
            for r in range(k1):
                for c in range(r, k1):
                    D[:, r, c] = D[:, c, r] = A11.diagonal(c - r)[r::k1]
            self.A11 = D
            self.A21s = (Z2.T @ Z1).tocsc()                    # (q2, q1), sparse
            self._pairs = self._make_pairs(self.A21s, q2, k1)
            self.A21 = self.A21s.toarray() if q1 * q2 <= self.DENSE_MAX else self.A21s
        # Λ2 template (the non-eliminated blocks): value = θ[tidx] * mult at (rows, cols)
        rows, cols, tidx, mult = [], [], [], []
        self.theta_slices, start = [], 0
        for j, b in enumerate(blocks):
            k, l, off = b["k"], b["l"], b["offset"] - q1
            tr, tc = tri_index(k)
            self.theta_slices.append(slice(start, start + tr.size))
            if not (j == 0 and q1):
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
            start += tr.size
        self.n_theta = start
        self.scalar = all(b["k"] == 1 for b in blocks)      # one θ per block: analytic gradient
        if rows:
            rows, cols = np.concatenate(rows), np.concatenate(cols)
            tmpl = sparse.csc_matrix((np.arange(1, rows.size + 1, dtype=float), (rows, cols)), shape=(q2, q2))
            order = tmpl.data.astype(np.int64) - 1
            self._lam_pattern = (tmpl.indices.copy(), tmpl.indptr.copy())
            self._lam_tidx = np.concatenate(tidx)[order]
            self._lam_mult = np.concatenate(mult)[order]
        else:
            self._lam_pattern = None
        # every non-eliminated block one ordinary column per level (crossed intercepts): Λ2 is
        # diagonal, and Λ2'R22Λ2 is an elementwise product
        self._diag = self._lam_pattern is not None and np.array_equal(self._lam_pattern[0], np.arange(q2)) \
            and np.array_equal(self._lam_pattern[1], np.arange(q2 + 1))

    @classmethod
    def _make_pairs(cls, A21, q2, k1):
        """W (q2² × l1k1²) with vec(A21 H A21') = W vec(H), from the pairs of non-zeros of A21 (q2 × q1)
        in columns of the same level; None when there are more than ``MAX_PAIRS`` pairs."""
        A = A21.tocsc()
        col_of = np.repeat(np.arange(A.shape[1]), np.diff(A.indptr))
        level = col_of // k1
        within = col_of % k1
        counts = np.bincount(level, minlength=A.shape[1] // k1)
        n_pairs = int((counts.astype(np.int64) ** 2).sum())
        if n_pairs > cls.MAX_PAIRS:
            return None                                     # fall back to a sparse product
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        # entries are sorted by column, hence by level: pair every entry with every entry of its level
        rep = np.repeat(np.arange(level.size), counts[level])
        first = starts[level[rep]]
        offset = np.arange(rep.size) - np.repeat(np.cumsum(counts[level]) - counts[level], counts[level])
        partner = first + offset
        target = A.indices[rep].astype(np.int64) * q2 + A.indices[partner]
        hidx = level[rep] * k1 * k1 + within[rep] * k1 + within[partner]
        # one sparse matrix W with vec(Z2'Z1 H Z1'Z2) = W vec(H): a matrix-vector product per
        # evaluation (rows are written in order), where a bincount scattered 10⁶s of weights
        return sparse.csr_matrix((A.data[rep] * A.data[partner], (target, hidx)),
                                 shape=(q2 * q2, A.shape[1] * k1))

    def lam2(self, theta):
        """Λ2, the relative covariance factor of the non-eliminated blocks (sparse q2 × q2)."""
        q2 = self.q2
        if self._lam_pattern is None:
            return np.zeros((q2, q2)) if q2 * q2 <= self.DENSE_MAX else sparse.csc_matrix((q2, q2))
        data = np.asarray(theta, dtype=float)[self._lam_tidx] * self._lam_mult
        if q2 * q2 <= self.DENSE_MAX:                      # dense: same numbers, no sparse overhead
            L = np.zeros((q2, q2))
            indices, indptr = self._lam_pattern
            L[indices, np.repeat(np.arange(q2), np.diff(indptr))] = data
            return L
        return sparse.csc_matrix((data, *self._lam_pattern), shape=(q2, q2))

    def _congruence(self, L2, lam, R):
        """Λ2'RΛ2 for a dense symmetric q2 × q2 R (Λ2 given as the vector λ when it is diagonal)."""
        if self._diag:
            out = R * lam[:, None]
            out *= lam[None, :]
            return out
        out = np.asarray((L2.T @ (L2.T @ R).T).T)
        return 0.5 * (out + out.T)

    def _T1(self, theta):
        return lower_factor(np.asarray(theta, dtype=float)[self.theta_slices[0]], self.k1)

    def _AHA(self, H):
        """Z2'Z1 H Z1'Z2 (dense q2 × q2) for block-diagonal H given as (l1, k1, k1)."""
        q2 = self.q2
        if self.k1 == 1 and not sparse.issparse(self.A21):        # small: one dense product
            return (self.A21 * H[:, 0, 0]) @ self.A21.T
        if self._pairs is not None:
            return (self._pairs @ H.ravel()).reshape(q2, q2)
        l1 = H.shape[0]
        Hs = sparse.bsr_matrix((H, np.arange(l1), np.arange(l1 + 1)), shape=(self.q1, self.q1))
        return (self.A21s @ Hs @ self.A21s.T).toarray()

    def _eliminate(self, theta):
        """Block 1 eliminated level by level: its log-determinant and what it leaves for the rest.

        Returns logdet, R22, rX, ry, SXX, rxy (the Schur complements of D) and T1, Dinv.
        """
        q1, p, k1 = self.q1, self.p, self.k1
        T1 = self._T1(theta)
        if k1 == 1:                                        # one column per level: plain arrays
            t2 = T1[0, 0] ** 2
            d = self.A11[:, 0, 0] * t2 + 1.0
            Dinv = (1.0 / d)[:, None, None]
            logdet = float(np.log(d).sum())
            h = t2 / d
            HZX = h[:, None] * self.Z1tX[:, 0, :]                   # H Z1'X   (l1, p)
            HZy = h * self.Z1ty[:, 0]                               # H Z1'y   (l1,)
            AHA = self._AHA(h[:, None, None])
            SXX = self.XtX - self.Z1tX[:, 0, :].T @ HZX
            rxy = self.Xty - self.Z1tX[:, 0, :].T @ HZy
        else:
            M11 = np.einsum("ji,ljm,mn->lin", T1, self.A11, T1) + np.eye(k1)
            Dinv, logdet = _inv_logdet(M11)
            H = np.einsum("ij,ljm,nm->lin", T1, Dinv, T1)
            HZX = np.einsum("lij,ljp->lip", H, self.Z1tX).reshape(q1, p)
            HZy = np.einsum("lij,lj->li", H, self.Z1ty).ravel()
            AHA = self._AHA(H)
            SXX = self.XtX - self.Z1tX.reshape(q1, p).T @ HZX
            rxy = self.Xty - self.Z1tX.reshape(q1, p).T @ HZy
        R22 = self.A22 - AHA
        rX = self.Z2tX - self.A21 @ HZX
        ry = self.Z2ty - self.A21 @ HZy
        return logdet, R22, rX, ry, SXX, rxy, T1, Dinv

    def solve(self, theta, reml=True, keep=False, grad=False):
        """Profiled deviance at θ (the order of ``blocks``); ``keep`` stores the solution in ``state``.

        ``grad`` (only when every block has one column per level, ``self.scalar``): also return
        the gradient, ``(dev, ∂dev/∂θ)`` (see :meth:`_gradient`).
        """
        q1, q2, p, k1 = self.q1, self.q2, self.p, self.k1
        if self._diag:
            lam = np.asarray(theta, dtype=float)[self._lam_tidx] * self._lam_mult
            L2 = sparse.diags(lam, format="csc") if keep else None
        else:
            lam, L2 = None, self.lam2(theta)
        if q1:
            logdet_L, R22, rX, ry, SXX, rxy, T1, Dinv = self._eliminate(theta)
        else:
            logdet_L, R22, rX, ry, SXX, rxy = 0.0, self.A22, self.Z2tX, self.Z2ty, self.XtX, self.Xty
        n = q2 + p
        S = np.empty((n, n))                                # [[Λ2'R22Λ2 + I, Λ2'rX], [., SXX]]
        rhs = np.empty(n)
        if q2:
            S22 = self._congruence(L2, lam, R22)            # Λ2'R22Λ2 + I
            S22[np.diag_indices(q2)] += 1.0
            S2X = lam[:, None] * rX if self._diag else np.asarray(L2.T @ rX)
            S[:q2, :q2], S[:q2, q2:], S[q2:, :q2] = S22, S2X, S2X.T
            rhs[:q2] = lam * ry if self._diag else np.asarray(L2.T @ ry).ravel()
        else:
            S22 = np.zeros((0, 0))
        S[q2:, q2:] = SXX
        rhs[q2:] = rxy
        if n:
            Lc, info = _potrf(S, lower=1, clean=1, overwrite_a=0)
            if info != 0:
                return (np.inf, np.zeros(self.n_theta)) if grad else np.inf
            dg = np.log(Lc.diagonal())
            logdet_L += 2.0 * float(dg[:q2].sum())
            logdet_RX = 2.0 * float(dg[q2:].sum())
            sol2, _ = _potrs(Lc, rhs, lower=1)
        else:
            Lc, logdet_RX, sol2 = np.zeros((0, 0)), 0.0, np.zeros(0)
        u2, beta = sol2[:q2], sol2[q2:]
        # r² = y'y − u'Λ'Z'y − β'X'y at the solution (the normal equations' identity)
        b2 = lam * u2 if self._diag else np.asarray(L2 @ u2).ravel()         # Λ2u2
        pwrss = self.yty - float(b2 @ self.Z2ty) - float(beta @ self.Xty)
        if q1:
            # u1 = D⁻¹Λ1'(Z1'y − Z1'Z2Λ2u2 − Z1'Xβ), level by level
            w = self.Z1ty - (self.A21.T @ b2).reshape(-1, k1) - np.einsum("lkp,p->lk", self.Z1tX, beta)
            u1 = np.einsum("lij,lj->li", Dinv, w @ T1)
            pwrss -= float((u1 * (self.Z1ty @ T1)).sum())
        else:
            u1 = np.zeros((0, k1))
        dev = _finish(logdet_L, logdet_RX, pwrss, self.N, p, reml)
        if keep:
            self.state = dict(u1=u1, u2=u2, L2=L2, beta=beta, pwrss=pwrss, Lc=Lc, S22=S22,
                              Dinv=Dinv if q1 else None, T1=T1 if q1 else None)
        if not grad:
            return dev
        if not np.isfinite(dev):
            return dev, np.zeros(self.n_theta)
        return dev, self._gradient(theta, reml, L2, lam, u1.ravel(), u2, pwrss, Lc,
                                   Dinv[:, 0, 0] if q1 else None)

    def _gradient(self, theta, reml, L2, lam, u1, u2, pwrss, Lc, dinv):
        r"""∂dev/∂θ_j when every block has one column per level (Λ_j = θ_j I, or θ_j L_K).

        With C the u-block of the inverse of the penalised system's matrix (REML: with X;
        ML: Λ'Z'ZΛ + I alone), the normal equations give C·A'Z·Λ = I − C_uu and
        û = Λ'Z'(y − Xβ̂ − ZΛû), so for θ_j > 0

        .. math::

            \frac{\partial\,\mathrm{dev}}{\partial\theta_j} = \frac{2}{\theta_j}
            \Big(n_j - \operatorname{tr} C_{jj} - \frac{n_{\mathrm{eff}}}{r^2}\|\hat u_j\|^2\Big)

        (n_j columns in block j), and 0 at θ_j = 0 (the deviance is even in θ_j).  Only the
        diagonal of C is needed: for the eliminated block it is D⁻¹ + Y S⁻¹ Y' level by level,
        summed as ⟨S⁻¹, Σ_l Y_l'Y_l⟩ with one more product W vec(h).
        """
        q1, q2, p = self.q1, self.q2, self.p
        n_eff = self.N - p if reml else self.N
        m = q2 + p if reml else q2
        Sinv = np.zeros((0, 0))
        if m:
            Sinv, _ = _potri(Lc[:m, :m], lower=1)
            Sinv = np.tril(Sinv) + np.tril(Sinv, -1).T
        g = np.zeros(self.n_theta)
        for j, b in enumerate(self.blocks):
            th = float(theta[j])
            if th == 0.0:
                continue
            if j == 0 and q1:
                hh = th ** 2 * dinv ** 2                          # (t1 / d_l)², per level
                trC = float(dinv.sum())
                if q2:
                    Q22 = self._congruence(L2, lam, self._AHA(hh[:, None, None]))
                    trC += float((Sinv[:q2, :q2] * Q22).sum())
                if reml and p:
                    Z1X = self.Z1tX[:, 0, :]
                    hZX = hh[:, None] * Z1X
                    trC += float((Sinv[q2:, q2:] * (Z1X.T @ hZX)).sum())
                    if q2:
                        QX = self.A21 @ hZX
                        QX = lam[:, None] * QX if self._diag else np.asarray(L2.T @ QX)
                        trC += 2.0 * float((Sinv[:q2, q2:] * QX).sum())
                n_j, usq = self.q1, float(u1 @ u1)
            else:
                sl = slice(b["offset"] - q1, b["offset"] - q1 + b["l"])
                n_j, usq = b["l"], float(u2[sl] @ u2[sl])
                trC = float(Sinv.diagonal()[sl].sum())
            g[j] = 2.0 / th * (n_j - trC - n_eff / pwrss * usq)
        return g

    def cond_cov_u(self):
        """Conditional covariance of u (/σ²), i.e. blocks of (Λ'Z'ZΛ + I)⁻¹: (l1, k1, k1) level blocks
        for block 0 and the dense q2 × q2 inverse of the rest."""
        st, q1, q2 = self.state, self.q1, self.q2
        S22 = st["S22"]
        Sinv = linalg.cho_solve((linalg.cholesky(S22, lower=True), True), np.eye(q2)) if q2 else S22
        if not q1:
            return None, Sinv
        Dinv, T1, k1 = st["Dinv"], st["T1"], self.k1
        if not q2:
            return Dinv, Sinv
        # Y = D⁻¹M12 = D⁻¹Λ1'Z1'Z2Λ2, level blocks (l1, k1, q2); blocks of M⁻¹: D⁻¹ + Y S22⁻¹ Y'
        F = st["L2"].T @ self.A21s                                 # (Z1'Z2Λ2)' (q2, q1)
        F = (F.toarray() if sparse.issparse(F) else np.asarray(F)).T
        Y = np.einsum("lij,ljq->liq", Dinv, np.einsum("ji,ljq->liq", T1, F.reshape(-1, k1, q2)))
        YS = (Y.reshape(-1, q2) @ Sinv).reshape(Y.shape)             # one matrix product, not a 3-way einsum
        blocks = Dinv + np.einsum("lkq,lmq->lkm", YS, Y)
        return blocks, Sinv

    def beta_cov(self):
        """(X'V⁻¹X)⁻¹ with V relative to σ²: from the X corner of the dense Cholesky factor."""
        Lc, q2 = self.state["Lc"], self.q2
        Lxx = Lc[q2:, q2:]
        Linv = linalg.solve_triangular(Lxx, np.eye(self.p), lower=True)
        return Linv.T @ Linv
