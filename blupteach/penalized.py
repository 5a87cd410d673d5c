r"""BLUP as penalised (ridge) regression (lesson 03).

Model and objective
-------------------
.. math::

    y = X\beta + Zb + \varepsilon, \qquad
    (\hat\beta_\lambda, \hat b_\lambda) = \arg\min_{\beta, b}\;
    \|y - X\beta - Zb\|^2 + \lambda \|b\|^2 ,

with the *sum* of squares (not the mean) and the penalty λ‖b‖² (not λ‖b‖²/2):
β (intercept and covariates) is not penalised, Z holds the raw 0/1 group
indicators.  With :math:`G = \sigma_b^2 I` and :math:`R = \sigma_\varepsilon^2 I`,
Henderson's equations multiplied through by :math:`\sigma_\varepsilon^2` are exactly the
normal equations of this objective at

.. math::

    \lambda = \sigma_\varepsilon^2 / \sigma_b^2 ,

so the ridge solution *is* the BLUP there (claims C8, C9).  With λ‖b‖²/2 the
matching λ would be 2σ_ε²/σ_b²; with a mean-scaled loss ‖·‖²/N it would be
σ_ε²/(Nσ_b²).  For correlated effects (:math:`G` not a multiple of I) the penalty
is the generalised ridge :math:`\sigma_\varepsilon^2\, b'G^{-1}b` and no single λ
exists (:func:`generalized_ridge`).

=================  ===========  ==========================================
symbol             argument     meaning
=================  ===========  ==========================================
:math:`\lambda`    ``lam``      ridge penalty; σ_ε²/σ_b² gives the BLUP
:math:`X`          ``X``        unpenalised design (N × p), e.g. intercept
:math:`Z`          ``Z``        group indicators (N × q)
:math:`y`          ``y``        response (N,)
=================  ===========  ==========================================

Limits: λ → 0 is no pooling (each group's own mean), λ → ∞ is complete
pooling (b = 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg

from ._validation import as_float_array, check_variance, check_variances, check_whole, group_codes
from .mixed.henderson import mme
from .simulate import random_folds, simulate_replicates

__all__ = [
    "blup_lambda",
    "indicator_design",
    "penalized_objective",
    "ridge",
    "ridge_path",
    "RidgePath",
    "generalized_ridge",
    "cv_lambda",
    "CVResult",
    "bias_variance",
]


def blup_lambda(sigma_b2, sigma_e2):
    r"""The ridge penalty at which ridge regression gives the BLUP: :math:`\lambda = \sigma_\varepsilon^2/\sigma_b^2`.

    Returns ``inf`` when σ_b² = 0 (complete pooling).  Raises ``ValueError`` for a
    negative or non-finite variance.

    >>> blup_lambda(25.0, 100.0)
    4.0
    """
    sigma_b2 = check_variance(sigma_b2, "sigma_b2")
    sigma_e2 = check_variance(sigma_e2, "sigma_e2")
    if np.ndim(sigma_b2) == 0 and np.ndim(sigma_e2) == 0:
        return np.inf if sigma_b2 == 0 else float(sigma_e2 / sigma_b2)
    sb, se = np.broadcast_arrays(np.asarray(sigma_b2, dtype=float), np.asarray(sigma_e2, dtype=float))
    return np.divide(se, sb, out=np.full(sb.shape, np.inf), where=sb > 0)


def indicator_design(group, *, covariates=None):
    """``(X, Z, levels)``: X = [1, covariates] (N × p), Z = 0/1 group indicators (N × g), levels sorted.

    Raises ``ValueError`` for missing labels or non-numeric / NaN covariates.
    """
    codes, levels = group_codes(group, "group")
    Z = np.zeros((codes.size, levels.size))
    Z[np.arange(codes.size), codes] = 1.0
    X = np.ones((codes.size, 1))
    if covariates is not None:
        C = as_float_array(covariates, "covariates")
        C = C.reshape(codes.size, -1) if C.ndim == 1 else C
        if C.shape[0] != codes.size:
            raise ValueError(f"covariates must have {codes.size} rows to match group; got {C.shape[0]}")
        X = np.column_stack([X, C])
    return X, Z, pd.Index(levels)


def _check_xzy(X, Z, y):
    y = as_float_array(y, "y")
    N = y.shape[0]
    X = as_float_array(X, "X")
    Z = as_float_array(Z, "Z")
    X = X.reshape(-1, 1) if X.ndim == 1 else X
    Z = Z.reshape(-1, 1) if Z.ndim == 1 else Z
    if X.shape[0] != N:
        raise ValueError(f"X must have {N} rows to match y; got {X.shape[0]}")
    if Z.shape[0] != N:
        raise ValueError(f"Z must have {N} rows to match y; got {Z.shape[0]}")
    return X, Z, y


def _check_lams(lam):
    try:
        lams = np.atleast_1d(np.asarray(lam, dtype=float))
    except (TypeError, ValueError):
        raise ValueError(f"lam must be a number >= 0 or a list of them (inf allowed); got {lam!r}") from None
    if lams.ndim != 1 or np.isnan(lams).any() or (lams < 0).any():
        raise ValueError(f"lam must be >= 0 (a penalty; inf allowed for complete pooling); got {lam!r}")
    return lams


def penalized_objective(beta, b, X, Z, y, lam) -> float:
    r""":math:`\|y - X\beta - Zb\|^2 + \lambda\|b\|^2` (sum of squares, λ‖b‖² not λ‖b‖²/2).

    >>> penalized_objective([0.0], [1.0], [[1.0]], [[1.0]], [2.0], 3.0)   # (2 − 1)² + 3·1²
    4.0
    """
    X, Z, y = _check_xzy(X, Z, y)
    if np.ndim(lam) != 0:
        raise ValueError(f"lam must be a single number (one penalty); got {lam!r}")
    lam = float(_check_lams(lam)[0])
    b = as_float_array(b, "b", ndim=1)
    beta = as_float_array(beta, "beta", ndim=1)
    if b.size != Z.shape[1] or beta.size != X.shape[1]:
        raise ValueError(f"beta and b must have {X.shape[1]} and {Z.shape[1]} entries (columns of X and Z); "
                         f"got {beta.size} and {b.size}")
    r = y - X @ beta - Z @ b
    return float(r @ r + lam * b @ b)


@dataclass
class RidgePath:
    """Ridge solutions along a grid: ``lam`` (m,), ``beta_hat`` (m, p), ``b_hat`` (m, q)."""

    lam: np.ndarray
    beta_hat: np.ndarray
    b_hat: np.ndarray

    def fitted_groups(self, X_row=None) -> np.ndarray:
        """Predicted group means β̂₀ + b̂_i (m, q) for an intercept-first X (or x'β̂ + b̂_i for X_row)."""
        base = self.beta_hat[:, 0] if X_row is None else self.beta_hat @ np.asarray(X_row, dtype=float)
        return base[:, None] + self.b_hat


def _path(X, Z, Y, lams):
    """Core of the path for y or a matrix of responses Y (N × S): β̂ (m, p[, S]), b̂ (m, q[, S]).

    Profiling β out, b̂(λ) minimises ‖M(y − Zb)‖² + λ‖b‖² with M = I − X(X'X)⁻¹X':
    b̂(λ) = U diag(1/(d + λ)) U'Z'My from one eigendecomposition Z'MZ = U diag(d) U'.
    At λ = 0 directions with d = 0 (b not identified, e.g. an intercept inside the
    span of Z) get 0: the minimum-norm solution, which leaves the fitted values unique.
    """
    cX = linalg.cho_factor(X.T @ X, lower=True)
    MZ = Z - X @ linalg.cho_solve(cX, X.T @ Z)
    d, U = linalg.eigh(Z.T @ MZ)
    d = np.clip(d, 0.0, None)
    tol = d.max() * 1e-10 * max(Z.shape) if d.size else 0.0
    proj = U.T @ (MZ.T @ Y)                       # U'Z'My  (q[, S])
    b = np.empty((lams.size,) + proj.shape)
    for i, lam in enumerate(lams):
        if np.isinf(lam):
            b[i] = 0.0
            continue
        denom = d + lam
        inv = np.where(denom > tol, 1.0 / np.where(denom > tol, denom, 1.0), 0.0)
        b[i] = U @ (inv.reshape(-1, *([1] * (proj.ndim - 1))) * proj)
    resid = Y[None] - np.einsum("nq,mq...->mn...", Z, b)
    beta = np.einsum("pn,mn...->mp...", linalg.cho_solve(cX, X.T), resid)
    return beta, b


def ridge_path(X, Z, y, lam) -> RidgePath:
    r"""Ridge solutions :math:`(\hat\beta_\lambda, \hat b_\lambda)` for every λ in ``lam``.

    Minimises :math:`\|y - X\beta - Zb\|^2 + \lambda\|b\|^2` (β unpenalised).

    Parameters
    ----------
    X : array_like (N, p), full column rank;  Z : array_like (N, q);  y : array_like (N,)
    lam : float or array_like (m,)
        Penalties ≥ 0; ``inf`` gives b = 0 (complete pooling); 0 gives no pooling
        (b̂ not unique when X's columns lie in Z's span: the minimum-norm one is returned,
        the fitted group means are unique).

    Returns
    -------
    RidgePath

    Raises
    ------
    ValueError
        Shapes that do not match y, NaN, a negative λ, or X not of full column rank.

    Examples
    --------
    Two groups of two with means 2 and 4: b̂ = ±n/(n + λ)·(ȳ_i − ȳ) = ±2/3 at λ = 1.

    >>> import numpy as np
    >>> p = ridge_path(np.ones((4, 1)), np.kron(np.eye(2), np.ones((2, 1))), [1., 3., 3., 5.], [1.0])
    >>> p.b_hat.round(6)
    array([[-0.666667,  0.666667]])
    """
    X, Z, y = _check_xzy(X, Z, y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-dimensional; got shape {y.shape}")
    lams = _check_lams(lam)
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise ValueError("X must have full column rank (its columns are not linearly independent)")
    beta, b = _path(X, Z, y, lams)
    return RidgePath(lam=lams, beta_hat=beta, b_hat=b)


def ridge(X, Z, y, lam):
    r"""``(beta_hat, b_hat)`` minimising :math:`\|y - X\beta - Zb\|^2 + \lambda\|b\|^2` at one λ.

    At ``lam = blup_lambda(sigma_b2, sigma_e2)`` this is the BLUP (C9).  See :func:`ridge_path`.
    """
    if np.ndim(lam) != 0:
        raise ValueError(f"lam must be a single number here (use ridge_path for a grid); got {lam!r}")
    p = ridge_path(X, Z, y, lam)
    return p.beta_hat[0], p.b_hat[0]


def generalized_ridge(X, Z, y, G, sigma_e2):
    r"""``(beta_hat, b_hat)`` minimising :math:`\|y - X\beta - Zb\|^2 + \sigma_\varepsilon^2\, b'G^{-1}b`.

    The penalty for correlated random effects (G not a multiple of I, e.g. a
    relationship matrix): no single λ reproduces it.  The solution is Henderson's
    (:func:`blupteach.mme` with R = σ_ε²I); with G = σ_b²I it is :func:`ridge` at
    λ = σ_ε²/σ_b².  Raises ``ValueError`` if G is not positive definite or σ_ε² ≤ 0.
    """
    sigma_e2 = check_variance(sigma_e2, "sigma_e2", positive=True)
    if np.ndim(sigma_e2) != 0:
        raise ValueError(f"sigma_e2 must be a single number (R = sigma_e2 I); got shape {np.shape(sigma_e2)}")
    r = mme(X, Z, G, sigma_e2, y)
    return r.beta_hat, r.b_hat


@dataclass
class CVResult:
    r"""Cross-validated λ: the ``lam`` grid (m,), ``cv_mse`` (m,), the chosen ``lam_cv``, the
    ``scheme``, and two standard errors across the K folds.

    With :math:`\text{MSE}_k(\lambda)` the held-out mean squared error of fold k (sd with
    K − 1 in the denominator):

    * ``cv_se`` (m,): :math:`\operatorname{sd}_k \text{MSE}_k(\lambda)/\sqrt{K}`, the standard
      error of the curve itself (it carries how hard each fold's rows are to predict, which
      every λ shares);
    * ``diff_se`` (m,): :math:`\operatorname{sd}_k [\text{MSE}_k(\lambda) - \text{MSE}_k(\lambda_{cv})]/\sqrt{K}`,
      the standard error of the *difference* from the minimum, paired within folds (0 at
      ``lam_cv``): the one to use when comparing two λ on the same folds.

    :meth:`one_se_band` gives the λ whose CV error is within one of these of the minimum.
    """

    lam: np.ndarray
    cv_mse: np.ndarray
    lam_cv: float
    scheme: str
    cv_se: np.ndarray
    diff_se: np.ndarray

    def one_se_band(self, *, paired: bool = True) -> np.ndarray:
        r"""Boolean mask (m,) of the λ within one standard error of the best.

        ``paired=True``: :math:`\text{CV}(\lambda) - \text{CV}(\lambda_{cv}) \le \texttt{diff\_se}(\lambda)`;
        ``paired=False`` (the textbook one-SE rule): :math:`\text{CV}(\lambda) \le
        \text{CV}(\lambda_{cv}) + \texttt{cv\_se}(\lambda_{cv})`.
        """
        i = int(np.argmin(self.cv_mse))
        excess = self.cv_mse - self.cv_mse[i]
        return excess <= (self.diff_se if paired else self.cv_se[i])


def cv_lambda(X, Z, y, lam, *, n_folds: int = 10, seed) -> CVResult:
    r"""Choose λ by K-fold cross-validation over observations (rows), seeded.

    Scheme: the rows are shuffled with ``numpy.random.default_rng(seed)`` (``seed`` required,
    :func:`blupteach.simulate.random_folds`) and cut
    into ``n_folds`` folds of near-equal size; for each fold the ridge path is fitted
    on the other rows and scored by the mean squared error of :math:`x'\hat\beta + z'\hat b`
    on the held-out rows; ``lam_cv`` minimises the average over all held-out rows.
    ``cv_se`` and ``diff_se`` are standard errors across folds (see :class:`CVResult`).
    A group whose rows all fall in one held-out fold is predicted by β̂ alone.

    Raises ``ValueError`` for ``n_folds`` < 2 or more folds than rows, and as :func:`ridge_path`.
    """
    X, Z, y = _check_xzy(X, Z, y)
    lams = _check_lams(lam)
    N = y.size
    fold = random_folds(N, n_folds, seed=seed)
    sse = np.zeros((n_folds, lams.size))
    for k in range(n_folds):
        test = fold == k
        beta, b = _path(X[~test], Z[~test], y[~test], lams)
        pred = beta @ X[test].T + b @ Z[test].T        # (m, n_test)
        sse[k] = ((y[test][None] - pred) ** 2).sum(1)
    cv = sse.sum(0) / N
    fold_mse = sse / np.bincount(fold, minlength=n_folds)[:, None]          # MSE_k(λ), (K, m)
    best = int(np.argmin(cv))
    se = fold_mse.std(0, ddof=1) / np.sqrt(n_folds)                           # sd_k MSE_k / √K
    diff_se = (fold_mse - fold_mse[:, [best]]).std(0, ddof=1) / np.sqrt(n_folds)   # paired within folds
    scheme = f"{n_folds}-fold cross-validation over observations, rows shuffled by numpy.random.default_rng({seed})"
    return CVResult(lam=lams, cv_mse=cv, lam_cv=float(lams[best]), scheme=scheme, cv_se=se, diff_se=diff_se)


def bias_variance(lam, *, n, g, sigma_b2, sigma_e2, mu: float = 0.0, n_sims: int = 400, seed) -> pd.DataFrame:
    r"""Bias², variance and MSE of the ridge group means :math:`\hat\beta_0 + \hat b_i` against λ, by simulation.

    One draw of true effects :math:`b_i \sim N(0, \sigma_b^2)` for ``g`` groups of ``n``
    observations is held fixed; ``n_sims`` noise draws :math:`\varepsilon \sim N(0, \sigma_\varepsilon^2)`
    give, for each λ, averaged over groups: bias² = mean_i (E θ̂_i − θ_i)², variance =
    mean_i Var θ̂_i and MSE = mean (θ̂_i − θ_i)² = bias² + variance, where θ_i = μ + b_i.
    λ = 0 is no pooling (unbiased, largest variance); λ = σ_ε²/σ_b² is the BLUP (C11).

    Returns DataFrame with columns ``lam``, ``bias2``, ``variance``, ``mse`` and ``mse_se``, the
    simulation's standard error of ``mse`` (sd over the replicates of each replicate's MSE
    over groups, divided by √n_sims): two λ differ beyond simulation error when their MSEs
    differ by several ``mse_se`` (the replicates are shared, so the paired error is smaller).
    """
    lams = _check_lams(lam)
    sigma_b2, sigma_e2 = check_variances(sigma_b2, sigma_e2)
    n, g, n_sims = check_whole(n, "n", 2), check_whole(g, "g", 2), check_whole(n_sims, "n_sims", 2)
    truth, Y = simulate_replicates(n, sigma_b2, sigma_e2, g=g, reps=n_sims, mu=mu, seed=seed)
    X, Z, _ = indicator_design(np.repeat(np.arange(g), n))
    beta, b = _path(X, Z, Y, lams)                     # (m, 1, S), (m, g, S)
    est = beta[:, :1, :] + b                          # (m, g, S)
    bias2 = ((est.mean(2) - truth) ** 2).mean(1)
    var = est.var(2).mean(1)
    mse_s = ((est - truth[None, :, None]) ** 2).mean(1)          # (m, S): each replicate's MSE over groups
    mse = mse_s.mean(1)
    mse_se = mse_s.std(1, ddof=1) / np.sqrt(n_sims)               # simulation error of mse
    return pd.DataFrame({"lam": lams, "bias2": bias2, "variance": var, "mse": mse, "mse_se": mse_se})
