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

Two evaluators share this algebra and the helpers below:

* :class:`~blupteach.mixed.fast.SingleFactor` (``fast.py``) — one grouping factor with k terms: per-group sufficient
  statistics computed once, the k × k Cholesky factors of all groups at once (elementwise
  over the groups), β and r² from one Cholesky factor of the (p + 1) × (p + 1)
  Schur complement of [X y], an analytic gradient (used by L-BFGS-B) and a
  method-of-moments starting θ.
* :class:`~blupteach.mixed.general.General` (``general.py``) — any number of (crossed, nested) factors and factors with a
  known relationship matrix K (:math:`\Lambda = \theta L_K`, :math:`K = L_KL_K'`):
  sparse Z'Z; the largest ordinary factor (block diagonal) is eliminated block by
  block and the rest (other factors and β) goes through one dense Cholesky.  When
  every block has one column per level (crossed or nested intercepts, known K) it
  has an analytic gradient too (L-BFGS-B); otherwise NLopt's BOBYQA minimises it
  without derivatives, as lme4 does.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

_LOG2PI = np.log(2 * np.pi)

# LAPACK's Cholesky factor, solve and inverse, called directly: a small fit evaluates the
# deviance 15-50 times, and scipy.linalg's wrappers cost more than a 7 × 7 factorisation
_potrf, _potrs, _potri = linalg.get_lapack_funcs(("potrf", "potrs", "potri"), dtype=np.float64)


def tri_index(k: int):
    """Rows and columns of the lower triangle of a k × k matrix in lme4's θ order (column-major)."""
    rows, cols = [], []
    for c in range(k):
        for r in range(c, k):
            rows.append(r)
            cols.append(c)
    return np.array(rows), np.array(cols)


def lower_factor(theta, k: int):
    """The k × k lower-triangular relative factor Λ of one block from its θ (order of :func:`tri_index`)."""
    T = np.zeros((k, k))
    T[tri_index(k)] = theta
    return T


def theta_lower(k: int):
    """Lower bounds of θ for one k-term block: 0 on the diagonal, -inf elsewhere."""
    r, c = tri_index(k)
    return np.where(r == c, 0.0, -np.inf)


def gram(X):
    """X'X; for up to 8 columns from elementwise sums, not BLAS (a long dot product wakes
    BLAS threads, slow on a busy machine)."""
    p = X.shape[1]
    if p <= 8:
        return np.array([[float((X[:, i] * X[:, j]).sum()) for j in range(p)] for i in range(p)]).reshape(p, p)
    return X.T @ X


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


def _finish(logdet_L, logdet_RX, pwrss, N, p, reml):
    """The profiled deviance from its pieces; +inf (never NaN) where it is not defined."""
    if pwrss <= 0 or not np.isfinite(pwrss):
        return np.inf
    n_eff = N - p if reml else N
    dev = logdet_L + n_eff * (1.0 + _LOG2PI + np.log(pwrss / n_eff)) + (logdet_RX if reml else 0.0)
    return float(dev) if np.isfinite(dev) else np.inf
