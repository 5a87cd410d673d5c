"""Independent reference computations for the one-way model (tests only).

Everything here is done the slow, general way — dense matrices, ``numpy.linalg``
solves — so that it shares no code and no shortcut with ``blupteach.oneway``:

    y = 1μ + Zb + ε,  V = σ_b² ZZ' + σ_ε² I,
    μ̂ = (1'V⁻¹y)/(1'V⁻¹1),  b̂ = σ_b² Z'V⁻¹(y − 1μ̂),
    Var(b | y, μ known) = σ_b² I − σ_b⁴ Z'V⁻¹Z,
    PEV = σ_ε² × (Z block of the inverse of Henderson's coefficient matrix
          [[X'X, X'Z], [Z'X, Z'Z + (σ_ε²/σ_b²) I]]),
    REML logLik = −½[(N−1) log 2π + log|V| + log(1'V⁻¹1) + r'V⁻¹r],
    ML logLik   = −½[N log 2π + log|V| + r'V⁻¹r],  r = y − 1μ̂.
"""
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Dense:
    levels: pd.Index
    mu: float
    var_mu: float
    b_hat: np.ndarray
    cond_var: np.ndarray
    pev: np.ndarray | None
    loglik_reml: float
    loglik_ml: float


def design(group):
    codes, levels = pd.factorize(pd.Series(list(group)), sort=True)
    Z = np.zeros((codes.size, levels.size))
    Z[np.arange(codes.size), codes] = 1.0
    return Z, pd.Index(levels)


def dense_oneway(y, group, sigma_b2, sigma_e2) -> Dense:
    y = np.asarray(y, dtype=float)
    Z, levels = design(group)
    N, g = Z.shape
    X = np.ones((N, 1))
    V = sigma_b2 * (Z @ Z.T) + sigma_e2 * np.eye(N)
    Vi_X = np.linalg.solve(V, X)
    XtViX = float((X.T @ Vi_X)[0, 0])
    mu = float((X.T @ np.linalg.solve(V, y))[0]) / XtViX
    r = y - mu
    Vi_r = np.linalg.solve(V, r)
    b_hat = sigma_b2 * (Z.T @ Vi_r)
    cond_var = sigma_b2 - sigma_b2**2 * np.diag(Z.T @ np.linalg.solve(V, Z))
    pev = None
    if sigma_b2 > 0:
        C = np.block([[X.T @ X, X.T @ Z], [Z.T @ X, Z.T @ Z + (sigma_e2 / sigma_b2) * np.eye(g)]])
        C_inv = np.linalg.solve(C, np.eye(g + 1))
        pev = sigma_e2 * np.diag(C_inv)[1:]
    _, logdet = np.linalg.slogdet(V)
    quad = float(r @ Vi_r)
    log2pi = np.log(2 * np.pi)
    return Dense(
        levels=levels, mu=mu, var_mu=1.0 / XtViX, b_hat=b_hat, cond_var=cond_var, pev=pev,
        loglik_reml=-0.5 * ((N - 1) * log2pi + logdet + np.log(XtViX) + quad),
        loglik_ml=-0.5 * (N * log2pi + logdet + quad),
    )
