r"""Henderson's mixed-model equations, written out.

For :math:`y = X\beta + Zb + \varepsilon` with :math:`b \sim N(0, G)` and
:math:`\varepsilon \sim N(0, R)`, the BLUE :math:`\hat\beta` and the BLUP
:math:`\hat b` solve

.. math::

    \underbrace{\begin{pmatrix} X'R^{-1}X & X'R^{-1}Z \\ Z'R^{-1}X & Z'R^{-1}Z + G^{-1} \end{pmatrix}}_{C}
    \begin{pmatrix} \hat\beta \\ \hat b \end{pmatrix}
    = \begin{pmatrix} X'R^{-1}y \\ Z'R^{-1}y \end{pmatrix}.

With :math:`R = \sigma_\varepsilon^2 I` and :math:`G = \sigma_b^2 I` this is ridge
regression on b with :math:`\lambda = \sigma_\varepsilon^2/\sigma_b^2` (lesson 03).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import linalg, sparse

from .._validation import as_float_array, check_scalar

__all__ = ["mme", "MMEResult"]


@dataclass
class MMEResult:
    """Solution of Henderson's equations: ``beta_hat`` (p,), ``b_hat`` (q,), ``C`` (p+q, p+q), ``rhs`` (p+q,)."""

    beta_hat: np.ndarray
    b_hat: np.ndarray
    C: np.ndarray
    rhs: np.ndarray


def _matrix(A, name, shape):
    A = as_float_array(A.toarray() if sparse.issparse(A) else A, name)
    A = np.atleast_2d(A)
    if A.shape != shape:
        raise ValueError(f"{name} must have shape {shape}; got {A.shape}")
    return A


def _spd_inverse_apply(A, B, name):
    """A⁻¹B by Cholesky; A must be symmetric positive definite."""
    try:
        c = linalg.cho_factor(A, lower=True)
    except linalg.LinAlgError:
        raise ValueError(f"{name} must be positive definite (its Cholesky factorisation failed)") from None
    return linalg.cho_solve(c, B)


def mme(X, Z, G, R, y) -> MMEResult:
    r"""Solve Henderson's mixed-model equations for β̂ (BLUE) and b̂ (BLUP).

    Parameters
    ----------
    X : array_like (N, p)
        Fixed-effects design.
    Z : array_like or sparse (N, q)
        Random-effects design.
    G : array_like (q, q), or a number for :math:`G = gI`
        Covariance of b; symmetric positive definite.
    R : array_like (N, N), or a number for :math:`R = rI`
        Covariance of ε; symmetric positive definite.
    y : array_like (N,)

    Returns
    -------
    MMEResult
        ``beta_hat``, ``b_hat``, the coefficient matrix ``C`` (the left-hand side
        above) and ``rhs``.  :math:`C^{-1}` holds the prediction error variances.

    Raises
    ------
    ValueError
        Shapes that do not match y; NaN; G or R not positive definite (a number ≤ 0);
        a singular C (X not of full column rank).

    Examples
    --------
    Two groups of two, σ_b² = σ_ε² = 1 (λ = 1): group means 2 and 4, grand mean 3,
    w = 2/(2 + 1), so b̂ = ±2/3 (hand check: (2/3)(4 − 3)).

    >>> import numpy as np
    >>> r = mme(np.ones((4, 1)), np.kron(np.eye(2), np.ones((2, 1))), 1.0, 1.0, [1., 3., 3., 5.])
    >>> r.beta_hat.round(6), r.b_hat.round(6)
    (array([3.]), array([-0.666667,  0.666667]))
    """
    y = as_float_array(y, "y", ndim=1)
    N = y.size
    if np.ndim(X) == 0:
        raise ValueError(f"X must have {N} rows to match y")
    X = _matrix(X, "X", (N, np.shape(X)[1] if np.ndim(X) == 2 else 1))    # checks the rows too
    Zd = Z.toarray() if sparse.issparse(Z) else as_float_array(Z, "Z")
    if Zd.ndim != 2 or Zd.shape[0] != N:
        raise ValueError(f"Z must be 2-dimensional with {N} rows to match y; got shape {np.shape(Zd)}")
    Zd = _matrix(Zd, "Z", Zd.shape)
    p, q = X.shape[1], Zd.shape[1]
    if np.ndim(G) == 0:
        g = check_scalar(G, "G")
        if not g > 0:
            raise ValueError(f"G must be > 0 when given as a number (G = gI); got {G}")
        Ginv = np.eye(q) / g
    else:
        Ginv = _spd_inverse_apply(_matrix(G, "G", (q, q)), np.eye(q), "G")
    if np.ndim(R) == 0:
        r = check_scalar(R, "R")
        if not r > 0:
            raise ValueError(f"R must be > 0 when given as a number (R = rI); got {R}")
        RiX, RiZ, Riy = X / r, Zd / r, y / r
    else:
        Rm = _matrix(R, "R", (N, N))
        RiX, RiZ, Riy = (_spd_inverse_apply(Rm, A, "R") for A in (X, Zd, y))
    C = np.block([[X.T @ RiX, X.T @ RiZ], [Zd.T @ RiX, Zd.T @ RiZ + Ginv]])
    rhs = np.concatenate([X.T @ Riy, Zd.T @ Riy])
    try:
        sol = linalg.solve(C, rhs, assume_a="sym")
    except linalg.LinAlgError:
        raise ValueError("the mixed-model equations are singular: X must have full column rank") from None
    if not np.isfinite(sol).all():
        raise ValueError("the mixed-model equations are singular: X must have full column rank")
    return MMEResult(beta_hat=sol[:p], b_hat=sol[p:], C=C, rhs=rhs)
