r"""The fast path: one grouping factor, per-level sufficient statistics, analytic gradient.

See :mod:`blupteach.mixed.engine` for the profiled deviance.  The gradient: with
:math:`\Sigma = \Lambda\Lambda'` (relative covariance) and
:math:`d\,\mathrm{dev} = \operatorname{tr}(G\, d\Sigma)`,

.. math::

    G = \sum_g Z_g'V_g^{-1}Z_g \;-\; [\text{REML}]\sum_g T_g (X'V^{-1}X)^{-1} T_g'
        \;-\; \frac{n_{\mathrm{eff}}}{r^2}\sum_g s_g s_g',

:math:`T_g = Z_g'V_g^{-1}X_g`, :math:`s_g = Z_g'V_g^{-1}(y_g - X_g\hat\beta)`, and
:math:`\partial\,\mathrm{dev}/\partial\Lambda = 2G\Lambda` (lower triangle = ∂/∂θ).
"""

from __future__ import annotations

import numpy as np

from .engine import _finish, _inv_logdet, _potrf, _potri, _potrs, gram, tri_index

__all__ = ["SingleFactor"]


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
        self.XtX = gram(X)                                   # (Xty, yty below likewise)
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
            RX, info = _potrf(S, lower=1, clean=1, overwrite_a=0)
            if info != 0:
                return (np.inf, np.zeros_like(theta)) if grad else np.inf
            beta, _ = _potrs(RX, t, lower=1)
            logdet_RX = 2.0 * float(np.log(RX.diagonal()).sum())
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
            C, _ = _potri(RX, lower=1)                       # (X'V⁻¹X)⁻¹ (lower triangle)
            C = np.tril(C) + np.tril(C, -1).T
            TC = (Tg[:, :, None, :] * C[None, :, :, None]).sum(1)      # (k, p, l)
            G -= (TC[:, None, :, :] * Tg[None, :, :, :]).sum((2, 3))
        dT = 2.0 * (G @ T)
        return dev, dT[self.rows, self.cols]
