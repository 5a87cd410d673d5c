r"""The fast path: one grouping factor, per-level sufficient statistics, analytic gradient.

See :mod:`blupteach.mixed.engine` for the profiled deviance.  Level g (rows
:math:`Z_g, X_g, y_g`) enters only through :math:`D_g = Z_g'[Z_g\;X_g\;y_g]`
(k × m, m = k + p + 1), and the whole data through :math:`[X\;y]'[X\;y]`.  At θ:

.. math::

    M_g = \Lambda'Z_g'Z_g\Lambda + I = L_gL_g', \qquad
    H_g = L_g^{-1}\Lambda'D_g, \qquad
    \begin{pmatrix} X'V^{-1}X & X'V^{-1}y \\ \cdot & y'V^{-1}y \end{pmatrix}
    = [X\;y]'[X\;y] - \sum_g H_{g,xy}'H_{g,xy} = R R',

(:math:`H_{g,xy}` the last p + 1 columns of :math:`H_g`, R lower triangular), so
:math:`R_X` is R's leading p × p block, :math:`\hat\beta` solves
:math:`R_XR_X'\beta = X'V^{-1}y`, the penalised residual sum of squares is
:math:`r^2 = R_{p+1,p+1}^2` and :math:`\log|L|^2 = 2\sum_g\log|L_g|`.

The gradient: with :math:`\Sigma = \Lambda\Lambda'` (relative covariance) and
:math:`d\,\mathrm{dev} = \operatorname{tr}(G\, d\Sigma)`,

.. math::

    G = \sum_g Z_g'V_g^{-1}Z_g \;-\; [\text{REML}]\sum_g T_g (X'V^{-1}X)^{-1} T_g'
        \;-\; \frac{n_{\mathrm{eff}}}{r^2}\sum_g s_g s_g',

:math:`T_g = Z_g'V_g^{-1}X_g`, :math:`s_g = Z_g'V_g^{-1}(y_g - X_g\hat\beta)`, and
:math:`\partial\,\mathrm{dev}/\partial\Lambda = 2G\Lambda` (lower triangle = ∂/∂θ).  All three
come from :math:`E_g = Z_g'V_g^{-1}[Z_g\;X_g\;y_g] = D_g - H_{g,z}'H_g` (Woodbury;
:math:`H_{g,z}` the first k columns of :math:`H_g`): with :math:`F_g = [T_g\; Z_g'V_g^{-1}y_g]`
its last p + 1 columns and :math:`w = (-\hat\beta, 1)`, :math:`s_g = F_gw` and

.. math::

    G = \sum_g E_{g,z} - \sum_g F_g Q F_g', \qquad
    Q = [\text{REML}]\begin{pmatrix} (X'V^{-1}X)^{-1} & 0 \\ 0 & 0 \end{pmatrix}
        + \frac{n_{\mathrm{eff}}}{r^2}\, w w'.

Per-level arrays are stored level-last, ``(k, ·, l)``: a product with the constant Λ is one
matrix product over all levels, and the k × k Cholesky factors and triangular solves are
k-step loops of elementwise operations on contiguous length-l vectors (no per-level loop).
"""

from __future__ import annotations

import numpy as np

from .engine import _finish, _inv_logdet, _potrf, _potrs, gram, tri_index

__all__ = ["SingleFactor"]


def _chol_levels(M):
    """Lower Cholesky factors of l SPD k × k blocks stored level-last ``M[i, j, g]`` (k, k, l)."""
    k = M.shape[0]
    L = np.zeros_like(M)
    for j in range(k):
        L[j, j] = np.sqrt(M[j, j] - (L[j, :j] ** 2).sum(0)) if j else np.sqrt(M[0, 0])
        for i in range(j + 1, k):
            L[i, j] = (M[i, j] - (L[i, :j] * L[j, :j]).sum(0) if j else M[i, 0]) / L[j, j]
    return L


def _forward_levels(L, Y):
    """:math:`L_g^{-1}Y_g` for every level: L (k, k, l) lower triangular, Y (k, m, l) → (k, m, l)."""
    k = L.shape[0]
    H = np.empty_like(Y)
    for a in range(k):
        rest = Y[a] - (L[a, :a, None, :] * H[:a]).sum(0) if a else Y[a]
        H[a] = rest / L[a, a]
    return H


class SingleFactor:
    """Profiled deviance and its gradient for one grouping factor (k terms, l levels).

    Parameters
    ----------
    X : ndarray (N, p); Zk : ndarray (N, k) the random-effect columns; codes : int (N,) in 0..l-1;
    n_levels : int (l); y : ndarray (N,).

    The data enter once, as the per-level sums :math:`D_g = Z_g'[Z_g\\;X_g\\;y_g]`
    (stored level-last ``D[i, j, g]``, shape (k, k + p + 1, l)) and :math:`[X\\;y]'[X\\;y]`.
    The products with Λ are BLAS calls: :func:`~blupteach.mixed.fit_lmm` runs them on one thread.
    """

    def __init__(self, X, Zk, codes, n_levels, y):
        self.N, self.p = X.shape
        self.k = Zk.shape[1]
        self.l = n_levels
        k, l = self.k, n_levels
        Xy = np.column_stack([X, y])
        bc = lambda w: np.bincount(codes, weights=w, minlength=l)   # noqa: E731
        D = np.empty((k, k + Xy.shape[1], l))
        for i in range(k):
            for j in range(i, k):
                D[i, j] = D[j, i] = bc(Zk[:, i] * Zk[:, j])
            for j in range(Xy.shape[1]):
                D[i, k + j] = bc(Zk[:, i] * Xy[:, j])
        self.D = D
        self.A_sum = D[:, :k].sum(2)                         # Σ_g Z_g'Z_g
        self.Gxy = gram(Xy)                                  # [X y]'[X y], elementwise sums (engine.gram)
        self.rows, self.cols = tri_index(k)
        self.eye_p = np.eye(self.p)

    def moment_start(self):
        r"""A starting θ from per-level least squares (a method-of-moments estimate), or None.

        With :math:`\tilde\beta` the pooled least-squares fit and, for each level whose
        :math:`A_g = Z_g'Z_g` is well conditioned, :math:`\tilde b_g = A_g^{-1}Z_g'(y_g - X_g\tilde\beta)`:
        :math:`\operatorname{Cov}(\tilde b_g) \approx \Sigma_b + \sigma^2 A_g^{-1}`, so

        .. math::

            \tilde\Sigma_b = \widehat{\operatorname{Cov}}(\tilde b_g) - \tilde\sigma^2\,\overline{A_g^{-1}},
            \qquad \theta_0 = \text{the lower triangle of } \operatorname{chol}(\tilde\Sigma_b / \tilde\sigma^2),

        :math:`\tilde\sigma^2` the residual variance within levels.  None (start from Λ = I)
        when fewer than 2k + 1 levels qualify or :math:`\tilde\Sigma_b` is not positive definite.
        Only the optimiser's path depends on it, not the optimum; it is rounded to 3 significant
        figures so that rounding noise in the data's sums does not move that path.
        """
        k, p, D, G = self.k, self.p, self.D, self.Gxy
        A = D[:, :k]                                                        # Z_g'Z_g   (k, k, l)
        with np.errstate(invalid="ignore", divide="ignore"):                # NaN where A_g is singular
            L = _chol_levels(A)
            # |A_g| / Π_j (A_g)_jj = Π_j L_jj² / (A_g)_jj: 1 for orthogonal columns, 0 for collinear ones
            ok = np.prod([L[j, j] ** 2 / A[j, j] for j in range(k)], axis=0) > 1e-8
        n_ok = int(ok.sum())
        if n_ok < 2 * k + 1 or self.N - p - k * n_ok <= 0:
            return None
        w = np.append(-np.linalg.solve(G[:p, :p], G[:p, p]), 1.0) if p else np.ones(1)
        rhs = (w @ D[:, k:])[:, ok]                                         # Z_g'(y_g − X_gβ̃)   (k, l_ok)
        Ainv, _ = _inv_logdet(np.ascontiguousarray(A[:, :, ok].transpose(2, 0, 1)))
        b = np.einsum("gab,bg->ga", Ainv, rhs)                              # b̃_g   (l_ok, k)
        sigma2 = (w @ G @ w - float((b * rhs.T).sum())) / (self.N - p - k * n_ok)
        if not sigma2 > 0:
            return None
        dev = b - b.mean(0)
        Sigma = (dev.T @ dev) / ((n_ok - 1) * sigma2) - Ainv.mean(0)
        try:
            theta = np.linalg.cholesky(Sigma)[self.rows, self.cols]
        except np.linalg.LinAlgError:
            return None
        # to 3 significant figures: rounding noise in the sums (y and y + Xδ give the same REML fit)
        # must not move the start, and so the optimiser's path and where it stops
        return np.array([float(f"{t:.3g}") for t in theta])

    def lam(self, theta):
        """The k × k lower-triangular relative factor Λ from θ."""
        T = np.zeros((self.k, self.k))
        T[self.rows, self.cols] = theta
        return T

    def solve(self, theta, reml=True, grad=False):
        """Deviance at θ (and its gradient when ``grad``); keeps the solution in ``self.state``."""
        T = self.lam(theta)
        D, k, p = self.D, self.k, self.p
        Y = (T.T @ D.reshape(k, -1)).reshape(D.shape)        # Λ'D_g                (k, m, l)
        M = T.T @ Y[:, :k]                                   # M[s, b] = Σ_a (Λ'A_g)[s, a] Λ[a, b]: Λ'Z_g'Z_gΛ
        for j in range(k):
            M[j, j] += 1.0
        L = _chol_levels(M)
        H = _forward_levels(L, Y)                            # L_g⁻¹Λ'D_g
        logdet_L = 2.0 * sum(float(np.log(L[j, j]).sum()) for j in range(k))
        HH = np.matmul(H, H.transpose(0, 2, 1)).sum(0)       # Σ_g H_g'H_g          (m, m)
        S = self.Gxy - HH[k:, k:]                            # [X y]'V⁻¹[X y]
        R, info = _potrf(S, lower=1, clean=1)
        if info != 0:                                        # X'V⁻¹X singular, or r² = 0
            return (np.inf, np.zeros_like(theta)) if grad else np.inf
        RX = R[:p, :p]
        beta = _potrs(RX, S[:p, p], lower=1)[0] if p else np.zeros(0)   # X'V⁻¹X β = X'V⁻¹y
        pwrss = float(R[p, p]) ** 2
        logdet_RX = 2.0 * float(np.log(RX.diagonal()).sum())
        dev = _finish(logdet_L, logdet_RX, pwrss, self.N, p, reml)
        self.state = dict(T=T, Y=Y, M=M, beta=beta, pwrss=pwrss, RX=RX)
        if not grad:
            return dev
        if not np.isfinite(dev):
            return dev, np.zeros_like(theta)
        # d dev = tr(G dΣ) with Σ = ΛΛ', see the module notes: E_g = D_g − H_gz'H_g,
        # G = Σ_g E_gz − Σ_g F_g Q F_g',  F_g = E_g's last p + 1 columns
        F = D[:, k:] - (H[:, :k, None, :] * H[:, None, k:, :]).sum(0)   # (k, p + 1, l)
        w = np.append(-beta, 1.0)
        n_eff = self.N - p if reml else self.N
        Q = (n_eff / pwrss) * np.outer(w, w)
        if reml and p:
            Q[:p, :p] += _potrs(RX, self.eye_p, lower=1)[0]  # (X'V⁻¹X)⁻¹
        FQ = (Q @ F).reshape(k, -1)                          # Q symmetric
        G = self.A_sum - HH[:k, :k] - FQ @ F.reshape(k, -1).T
        dT = 2.0 * (G @ T)
        return dev, dT[self.rows, self.cols]

    def conditional(self):
        r"""At the last θ solved: :math:`\hat u` (l, k) and :math:`M_g^{-1}` (l, k, k).

        :math:`\hat u_g = M_g^{-1}\Lambda'Z_g'(y_g - X_g\hat\beta)`, so :math:`\hat b_g = \Lambda\hat u_g`
        and the conditional covariance of :math:`b_g` is :math:`\sigma^2\Lambda M_g^{-1}\Lambda'`.
        """
        st, k = self.state, self.k
        Minv, _ = _inv_logdet(np.ascontiguousarray(st["M"].transpose(2, 0, 1)))
        rhs = np.append(-st["beta"], 1.0) @ st["Y"][:, k:]  # Λ'Z_g'(y_g − X_gβ)   (k, l)
        u = np.einsum("gab,bg->ga", Minv, rhs)
        return u, Minv
