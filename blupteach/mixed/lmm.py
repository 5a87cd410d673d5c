r"""``fit_lmm``: REML/ML fit of a linear mixed model from an lme4 formula.

.. math::

    y = X\beta + Zb + \varepsilon, \qquad b \sim N(0, G), \quad \varepsilon \sim N(0, \sigma^2 I),
    \qquad G = \sigma^2 \Lambda_\theta \Lambda_\theta'

θ (the relative covariance factors) is found by minimising the profiled
deviance (:mod:`blupteach.mixed.engine`) with L-BFGS-B under bounds that allow
the boundary (a variance exactly 0, a correlation ±1); β̂ and σ̂² follow in
closed form at θ̂.
"""

from __future__ import annotations

import contextlib

import numpy as np
from scipy import linalg

from .._validation import check_choice
from .design import build_design, sparse_Z
from .engine import lower_factor, theta_lower, tri_index
from .fast import SingleFactor
from .general import General
from .result import LmmFit

__all__ = ["fit_lmm", "loglik_at"]

_CONTROLLER = []     # threadpoolctl's controller, made on the first fit (not at import)


def _one_blas_thread():
    """Fits run on one BLAS thread: on a small, shared machine a second (spinning) OpenBLAS
    thread cost 2-10x more than it saved, for 2 x 2 blocks and for a 1100 x 1100 Cholesky alike."""
    if not _CONTROLLER:
        try:
            from threadpoolctl import ThreadpoolController
            _CONTROLLER.append(ThreadpoolController())
        except Exception:  # pragma: no cover - a dependency; without it only speed changes
            _CONTROLLER.append(None)
    ctl = _CONTROLLER[0]
    return ctl.limit(limits=1, user_api="blas") if ctl is not None else contextlib.nullcontext()

# Tight enough that θ agrees with lme4's tight fits to ~1e-8 (sleepstudy), loose enough to
# stop without a tail of line searches chasing changes below rounding.
_OPTS = {"ftol": 1e-12, "gtol": 1e-8, "maxiter": 2000, "maxls": 50}
# BOBYQA's stopping rule, as lme4's (nloptwrap: absolute tolerances 1e-8 on the deviance and θ)
_BOBYQA = {"ftol_abs": 1e-8, "xtol_abs": 1e-8, "maxeval": 100_000}


def _minimise(fun, x0, bounds, jac):
    """L-BFGS-B with the analytic gradient when there is one, else BOBYQA (as lme4).

    Without a gradient, Powell's BOBYQA (NLopt's, lme4's default optimiser) models the
    deviance by quadratic interpolation: on Penicillin it needed 47 evaluations where
    L-BFGS-B with central differences needed 73 (and the analytic gradient 16), and
    each evaluation is most of the cost of a small fit.
    """
    if jac:
        from scipy import optimize      # here, not at import: importing blupteach stays light
        res = optimize.minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=bounds, options=_OPTS)
        return np.asarray(res.x, dtype=float)
    return _bobyqa(fun, x0, bounds)


def _bobyqa(fun, x0, bounds):
    """Minimise ``fun`` from ``x0`` within ``bounds`` (lower only) by NLopt's BOBYQA; the best θ seen."""
    import nlopt
    n = len(x0)
    best = [np.inf, np.asarray(x0, dtype=float).copy()]

    def objective(x, grad):
        f = fun(x)
        if f < best[0]:
            best[0], best[1] = f, np.array(x, dtype=float)
        return f if np.isfinite(f) else 1e300

    opt = nlopt.opt(nlopt.LN_BOBYQA, n)
    opt.set_min_objective(objective)
    opt.set_lower_bounds([-np.inf if lo is None else lo for lo, _ in bounds])
    opt.set_ftol_abs(_BOBYQA["ftol_abs"])
    opt.set_xtol_abs(_BOBYQA["xtol_abs"])
    opt.set_maxeval(_BOBYQA["maxeval"])
    with contextlib.suppress(nlopt.RoundoffLimited):
        opt.optimize(np.asarray(x0, dtype=float))
    return best[1]


def _optimise(fun, dev, x0, bounds, jac, lower):
    """Minimise, then leave the boundary where it is a trap, then snap near-zero θ to 0.

    At a diagonal θ_i = 0 the deviance is flat to first order in θ_i (Σ = ΛΛ' is
    quadratic in θ), so a projected step that lands there sees a zero gradient
    and stops even when a positive variance fits better.  Probe θ_i = 0.01 and
    restart from there if it is better.
    """
    theta = _minimise(fun, x0, bounds, jac)
    for _ in range(3):
        on_boundary = np.flatnonzero((lower == 0) & (theta == 0))
        if not on_boundary.size:                  # an interior optimum: nothing to probe
            break
        f0 = dev(theta)
        for i in on_boundary:
            trial = theta.copy()
            trial[i] = 1e-2
            if dev(trial) < f0 - 1e-10 * max(1.0, abs(f0)):
                theta = _minimise(fun, trial, bounds, jac)
                break
        else:
            break
    return _snap(theta, dev, lower)


def _snap(theta, dev, lower):
    """Put diagonal θ that are nearly 0 exactly on the boundary when that is no worse."""
    near = np.flatnonzero((lower == 0) & (theta < 1e-4) & (theta != 0))
    if not near.size:
        return theta
    best, fbest = theta.copy(), dev(theta)
    for i in near:
        trial = best.copy()
        trial[i] = 0.0
        f = dev(trial)
        if f <= fbest + 1e-10 * max(1.0, abs(fbest)):
            best, fbest = trial, f
    return best


def fit_lmm(formula, data, *, method: str = "REML", K=None, engine: str = "auto", weights=None) -> LmmFit:
    r"""Fit a linear mixed model written in lme4 syntax, by REML (default) or ML.

    Parameters
    ----------
    formula : str
        lme4 syntax, read as lme4 reads it (:mod:`blupteach.mixed.formula` lists every
        spelling), e.g. ``"Reaction ~ Days + (Days | Subject)"`` (correlated intercept and
        slope), ``"Reaction ~ Days + (Days || Subject)"`` (uncorrelated),
        ``"y ~ 1 + (1 | a) + (1 | b)"`` (crossed), ``"y ~ x + (1 | school/class)"``
        (nested), ``"y ~ x + (0 + x | g)"`` (no random intercept).  Categorical variables
        are coded as R codes them: treatment contrasts named like ``MachineB``, every
        level (``MachineA``, …) where there is no intercept.
    data : pandas.DataFrame
        One row per observation; every column the formula names, none missing.
    method : {'REML', 'ML'}, keyword-only
    K : dict, optional, keyword-only
        Grouping factor name → known relationship matrix K (``G = sigma^2 K`` over its
        levels), for a block ``(1 | name)``.  A DataFrame indexed (rows and columns) by
        level may hold levels with no data (an animal with no record); an array or
        sparse matrix must follow the sorted levels found in the data.  Positive definite.
    engine : {'auto', 'fast', 'general'}, keyword-only
        'fast' (one grouping factor, no K: per-group sufficient statistics, analytic
        gradient), 'general' (sparse, any design), 'auto' picks 'fast' when it applies.
    weights : None, keyword-only
        lme4's prior weights have no counterpart here (every observation has residual
        variance σ²): anything but None is refused, never ignored.

    Returns
    -------
    LmmFit
        ``loglik``, ``fixef``, ``sigma2``, ``varcorr``, ``ranef``, ``ranef_cov``,
        ``singular``, ``theta`` (lme4's order), ``predict(newdata)``,
        ``conditional_ranef(rows)``; printing it gives an lme4-like summary.

    Raises
    ------
    ValueError
        A term lme4 would read otherwise or this engine cannot fit (a covariance-structure
        term such as ``ar1(...)``, an ``offset(...)``, a function of a column or of a
        grouping factor: the message names the term); a column not in ``data``; no
        random term; a grouping factor with one level,
        or with as many levels as observations, or a term with as many random
        effects as observations (lme4's identifiability rules, over all levels);
        NaN in a used column (the rows are named); a rank-deficient fixed-effects
        design (the dependent columns are named); a bad ``method``, ``K`` or ``engine``.

    Examples
    --------
    >>> import blupteach as bt
    >>> fit = bt.fit_lmm("Reaction ~ Days + (Days | Subject)", bt.datasets.load("sleepstudy"))
    >>> round(fit.loglik, 3), round(float(fit.fixef["Days"]), 4)   # lme4: -871.814, 10.4673
    (-871.814, 10.4673)

    Notes
    -----
    Known-K blocks skip the "fewer levels than observations" rule (relatives make
    an animal model identifiable with one record per animal).  Lessons 03, 05, 07, 09.
    """
    if weights is not None:
        raise ValueError("weights: prior weights (lme4's weights=) are not supported: this engine gives every "
                         "observation the same residual variance sigma^2, so a weighted model would be fitted "
                         "as an unweighted one; drop weights= (or fit the weighted model with lme4)")
    method = check_choice(method, "method", ("REML", "ML"))
    engine = check_choice(engine, "engine", ("auto", "fast", "general"))
    with _one_blas_thread():
        return _fit(formula, data, method, K, engine)


def _fit(formula, data, method, K, engine) -> LmmFit:
    reml = method == "REML"
    des = build_design(formula, data, K)
    resp = des.parsed.response
    spread = float(np.ptp(des.y))
    if spread == 0.0:
        raise ValueError(f"the response {resp!r} is constant ({des.y[0]:g} in every row): there is no variation to "
                         "split between groups and noise")
    blocks = des.blocks
    single = len(blocks) == 1 and blocks[0].K is None
    if engine == "fast" and not single:
        raise ValueError("engine='fast' needs exactly one grouping factor and no K; use 'general' or 'auto'")
    use_fast = single and engine != "general"

    # θ layout: block after block, each block's lower triangle
    lower = np.concatenate([theta_lower(b.k) for b in blocks])
    x0 = np.where(lower == 0, 1.0, 0.0)          # start: Λ = I (1 on the diagonal, 0 below)
    bounds = [(lo if np.isfinite(lo) else None, None) for lo in lower]
    N = des.y.size

    fitter = _fit_fast if use_fast else _fit_general
    theta, dev, sigma2, beta, vbeta, lambdas, ranefs = fitter(des, reml, x0, bounds, lower)
    if not sigma2 > 1e-12 * float(np.var(des.y)):
        raise ValueError(f"the model leaves no residual variation in {resp!r} (sigma2 = {sigma2:.3g}): the fixed and "
                         "random effects reproduce every row exactly (e.g. the response is constant within each "
                         "group), so the noise variance cannot be estimated; check the data or drop a term")

    b_hat = {name: bhat for name, (bhat, _) in ranefs.items()}
    ranef_cov = {b.spec.name: ranefs[b.spec.name][1] for b in blocks}
    singular = bool(np.any((lower == 0) & (theta == 0)))
    theta = theta[des.theta_perm()]          # formula order → lme4's (blocks by decreasing levels)
    return LmmFit(
        formula=formula, method=method, loglik=float(-0.5 * dev), sigma2=float(sigma2), ranef_cov=ranef_cov,
        singular=singular, theta=theta, n_obs=N, engine="fast" if use_fast else "general", design=des,
        lambdas=lambdas, beta_hat=np.asarray(beta, dtype=float), vbeta=vbeta, b_hat=b_hat)


def _fit_fast(des, reml, x0, bounds, lower):
    """One grouping factor: sufficient statistics, analytic gradient (:mod:`.fast`)."""
    N, blocks = des.y.size, des.blocks
    b = blocks[0]
    ev = SingleFactor(des.X, b.Zk, b.codes, b.l, des.y)
    start = ev.moment_start()              # nearer the optimum than Λ = I: fewer evaluations
    x0 = x0 if start is None else start    # a Cholesky factor: its diagonal is > 0, within the bounds
    theta = _optimise(lambda t: ev.solve(t, reml, grad=True), lambda t: ev.solve(t, reml), x0, bounds, True, lower)
    dev = ev.solve(theta, reml)
    st = ev.state
    T = st["T"]
    sigma2 = st["pwrss"] / (N - des.X.shape[1] if reml else N)
    u, Minv = ev.conditional()
    bhat = u @ T.T                                                  # b = Λu per level
    cov = sigma2 * (T @ Minv @ T.T)                                 # σ² Λ M⁻¹ Λ'
    lambdas = {b.spec.name: T}
    ranefs = {b.spec.name: (bhat, cov)}
    beta = st["beta"]
    vbeta = sigma2 * linalg.cho_solve((st["RX"], True), np.eye(beta.size)) if beta.size else np.zeros((0, 0))
    return theta, dev, sigma2, beta, vbeta, lambdas, ranefs


def _specs(blocks):
    """:class:`~.general.General`'s block records (k, l, column offset, LK) in the given order, and the offsets."""
    offsets = np.cumsum([0] + [b.k * b.l for b in blocks])
    return [dict(k=b.k, l=b.l, offset=int(o), LK=b.LK) for b, o in zip(blocks, offsets)], offsets


def _fit_general(des, reml, x0, bounds, lower):
    """Any design: sparse Z'Z (:mod:`.general`); L-BFGS-B with the analytic gradient when every
    block has one column per level, else BOBYQA."""
    N, blocks = des.y.size, des.blocks
    # eliminate the ordinary block with most columns first
    order = sorted(range(len(blocks)), key=lambda i: (blocks[i].K is not None, -blocks[i].k * blocks[i].l))
    ob = [blocks[i] for i in order]
    specs, offsets = _specs(ob)
    Z = sparse_Z(ob, N)
    ev = General(des.X, Z, des.y, specs)
    tsl = np.cumsum([0] + [tri_index(b.k)[0].size for b in blocks])
    perm = np.concatenate([np.arange(tsl[i], tsl[i + 1]) for i in order])   # general θ → formula θ

    # optimise in the evaluator's own θ order, so a formula's term order cannot change the path;
    # one column per level in every block (crossed, nested intercepts; known K): analytic gradient
    def deviance(t):
        return ev.solve(t, reml)

    def deviance_and_gradient(t):
        return ev.solve(t, reml, grad=True)

    theta_g = _optimise(deviance_and_gradient if ev.scalar else deviance, deviance, x0[perm],
                        [bounds[i] for i in perm], ev.scalar, lower[perm])
    theta = np.empty_like(theta_g)
    theta[perm] = theta_g
    dev = ev.solve(theta_g, reml, keep=True)
    st = ev.state
    sigma2 = st["pwrss"] / (N - des.X.shape[1] if reml else N)
    blocks11, Sinv = ev.cond_cov_u()
    q1 = ev.q1
    b1 = st["u1"] @ st["T1"].T if q1 else np.zeros((0, 1))        # b = Λu, level by level
    bfull = np.concatenate([b1.ravel(), st["L2"] @ st["u2"]])
    lambdas, ranefs = {}, {}
    for j, (b, o) in enumerate(zip(ob, offsets)):
        ts = theta[tsl[order[j]]:tsl[order[j] + 1]]
        n = b.k * b.l
        bhat = bfull[o:o + n].reshape(b.l, b.k)
        if b.K is None:
            T = lower_factor(ts, b.k)
            if j == 0 and q1:
                Minv = blocks11
            else:
                s = o - q1
                idx = s + np.arange(b.l)[:, None] * b.k + np.arange(b.k)
                Minv = Sinv[idx[:, :, None], idx[:, None, :]]
            cov = sigma2 * (T @ Minv @ T.T)
        else:
            T = np.array([[ts[0]]])
            s = o - q1
            LS = b.LK @ Sinv[s:s + n, s:s + n]
            cov = (sigma2 * ts[0] ** 2 * np.einsum("ij,ij->i", LS, b.LK)).reshape(-1, 1, 1)
        lambdas[b.spec.name] = T
        ranefs[b.spec.name] = (bhat, cov)
    beta = st["beta"]
    vbeta = sigma2 * ev.beta_cov() if des.X.shape[1] else np.zeros((0, 0))
    return theta, dev, sigma2, beta, vbeta, lambdas, ranefs


def loglik_at(formula, data, theta, *, method: str = "REML", K=None) -> float:
    r"""Return the log-likelihood at given relative covariance factors θ (β and σ² profiled out).

    −½ × lme4's profiled deviance: ``loglik_at(f, d, getME(fit, "theta"))`` is
    ``-REMLcrit(fit) / 2`` (``method="REML"``) or ``-deviance(fit) / 2`` (ML, lme4's
    ``devfun`` at θ).

    Parameters
    ----------
    formula, data, K
        As for :func:`fit_lmm`.
    theta : array_like, shape (n_theta,)
        In lme4's order, as :attr:`LmmFit.theta` and ``getME(fit, "theta")``: the blocks
        by decreasing number of levels (ties in formula order), each block's
        lower-triangular factor :math:`\Lambda` (with :math:`G = \sigma^2\Lambda\Lambda'`)
        column by column.
    method : {'REML', 'ML'}, keyword-only

    Raises
    ------
    ValueError
        ``theta`` of the wrong length or not finite, and everything :func:`fit_lmm` refuses.

    Examples
    --------
    >>> import blupteach as bt
    >>> d = bt.datasets.load("dyestuff")
    >>> round(-2 * bt.mixed.loglik_at("Yield ~ 1 + (1 | Batch)", d, [0.8483237832]), 4)   # lme4: REMLcrit 319.6543
    319.6543
    """
    method = check_choice(method, "method", ("REML", "ML"))
    des = build_design(formula, data, K)
    theta = np.asarray(theta, dtype=float)
    n_theta = sum(tri_index(b.k)[0].size for b in des.blocks)
    if theta.shape != (n_theta,):
        raise ValueError(f"theta must have {n_theta} entries for this formula; got shape {theta.shape}")
    if not np.isfinite(theta).all():
        raise ValueError(f"theta must be finite; got {theta.tolist()}")
    in_formula_order = np.empty_like(theta)
    in_formula_order[des.theta_perm()] = theta
    specs, _ = _specs(des.blocks)
    with _one_blas_thread():
        ev = General(des.X, sparse_Z(des.blocks, des.y.size), des.y, specs, eliminate_first=False)
        return float(-0.5 * ev.solve(in_formula_order, method == "REML"))
