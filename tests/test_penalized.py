"""BLUP as ridge regression (issue 4, claims C8–C11).

References outside the code under test: Henderson's equations (``mme``), the
one-way closed forms (``bt.blup``/``bt.gls_mean``), a general-purpose numerical
minimiser of the written-out objective, hand-written cross-validation loops.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

import blupteach as bt
from blupteach import penalized as P


def _data(n_per=(2, 3, 5, 8, 12, 20), seed=0, sigma_b2=4.0, sigma_e2=9.0, slope=None):
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(len(n_per)), n_per)
    x = rng.normal(size=group.size)
    y = 10 + rng.normal(0, np.sqrt(sigma_b2), len(n_per))[group] + rng.normal(0, np.sqrt(sigma_e2), group.size)
    if slope is not None:
        y = y + slope * x
        return group, x, y
    return group, y


def test_blup_lambda():
    assert P.blup_lambda(25.0, 100.0) == 4.0
    assert P.blup_lambda(0.0, 1.0) == np.inf
    np.testing.assert_allclose(P.blup_lambda([1.0, 2.0], 4.0), [4.0, 2.0])
    with pytest.raises(ValueError, match="sigma_b2 must be >= 0"):
        P.blup_lambda(-1.0, 1.0)


@pytest.mark.parametrize("sigma_b2,sigma_e2", [(4.0, 9.0), (0.5, 20.0), (30.0, 1.0)])
def test_ridge_equals_blup_exactly_at_lambda(sigma_b2, sigma_e2):
    """C9: at λ = σ_ε²/σ_b² the ridge solution is the BLUP (Henderson and the closed form)."""
    group, y = _data()
    X, Z, _ = P.indicator_design(group)
    lam = sigma_e2 / sigma_b2
    beta, b = P.ridge(X, Z, y, lam)
    h = bt.mme(X, Z, sigma_b2, sigma_e2, y)
    np.testing.assert_allclose(beta, h.beta_hat, rtol=1e-12)
    np.testing.assert_allclose(b, h.b_hat, rtol=1e-10, atol=1e-12)
    n = np.bincount(group).astype(float)
    means = np.bincount(group, y) / n
    mu = bt.gls_mean(means, n, sigma_b2, sigma_e2)
    np.testing.assert_allclose(b, bt.blup(means, n, mu, sigma_b2, sigma_e2), rtol=1e-10, atol=1e-12)
    # ... and measurably not 10% away
    for factor in (0.9, 1.1):
        _, b_off = P.ridge(X, Z, y, lam * factor)
        assert np.abs(b_off - h.b_hat).max() > 1e-3 * np.abs(h.b_hat).max(), f"C9: λ×{factor} must differ"


def test_ridge_with_covariate_matches_fit_lmm():
    """C8/C9 on real data: radon with floor as an unpenalised covariate, at the REML variances."""
    d = bt.datasets.load("radon_mn")
    fit = bt.fit_lmm("log_radon ~ floor + (1 | county)", d)
    lam = P.blup_lambda(fit.varcorr["county"].iat[0, 0], fit.sigma2)
    X, Z, levels = P.indicator_design(d.county, covariates=d.floor)
    beta, b = P.ridge(X, Z, d.log_radon, lam)
    np.testing.assert_allclose(beta, fit.fixef.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(b, fit.ranef["county"].loc[levels, "(Intercept)"], rtol=1e-7, atol=1e-10)


def test_argmin_of_objective_is_blup():
    """C8: a general-purpose minimiser of ‖y − Xβ − Zb‖² + λ‖b‖² lands on the BLUP."""
    group, y = _data(seed=3)
    X, Z, _ = P.indicator_design(group)
    sigma_b2, sigma_e2 = 4.0, 9.0
    lam = sigma_e2 / sigma_b2
    p = X.shape[1]
    res = optimize.minimize(lambda v: P.penalized_objective(v[:p], v[p:], X, Z, y, lam),
                            np.zeros(p + Z.shape[1]), method="BFGS", options={"gtol": 1e-10})
    h = bt.mme(X, Z, sigma_b2, sigma_e2, y)
    np.testing.assert_allclose(res.x[p:], h.b_hat, atol=1e-5)
    np.testing.assert_allclose(res.x[:p], h.beta_hat, atol=1e-5)


def test_objective_hand_value():
    assert P.penalized_objective([0.0], [1.0], [[1.0]], [[1.0]], [2.0], 3.0) == 4.0


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=2, max_size=6), st.floats(0.05, 50.0), st.floats(0.05, 50.0),
       st.integers(0, 10_000))
def test_property_ridge_is_mme(n_per, sigma_b2, sigma_e2, seed):
    group, y = _data(tuple(n_per), seed=seed)
    X, Z, _ = P.indicator_design(group)
    y_before = y.copy()
    _, b = P.ridge(X, Z, y, sigma_e2 / sigma_b2)
    h = bt.mme(X, Z, sigma_b2, sigma_e2, y)
    np.testing.assert_allclose(b, h.b_hat, rtol=1e-7, atol=1e-9 * (1 + np.abs(y).max()))
    np.testing.assert_array_equal(y, y_before)


def test_path_limits():
    group, y = _data()
    X, Z, _ = P.indicator_design(group)
    path = P.ridge_path(X, Z, y, [0.0, 1.0, np.inf])
    fitted = path.fitted_groups()
    means = np.bincount(group, y) / np.bincount(group)
    np.testing.assert_allclose(fitted[0], means, rtol=1e-10)             # λ = 0: no pooling
    np.testing.assert_allclose(fitted[2], np.full(means.size, y.mean()))  # λ = ∞: complete pooling
    assert np.all(path.b_hat[2] == 0)
    # b̂ shrinks monotonically toward 0 along the path
    grid = np.geomspace(0.01, 100, 30)
    norms = np.linalg.norm(P.ridge_path(X, Z, y, grid).b_hat, axis=1)
    assert np.all(np.diff(norms) < 0)


def test_generalized_ridge():
    group, y = _data(seed=4)
    X, Z, _ = P.indicator_design(group)
    q = Z.shape[1]
    # G = σ_b² I: the plain ridge at λ = σ_ε²/σ_b²
    _, b1 = P.generalized_ridge(X, Z, y, 4.0 * np.eye(q), 9.0)
    np.testing.assert_allclose(b1, P.ridge(X, Z, y, 9.0 / 4.0)[1], rtol=1e-10)
    # correlated G (AR(1)-like): the minimiser of ‖y − Xβ − Zb‖² + σ_ε² b'G⁻¹b ...
    G = 4.0 * 0.7 ** np.abs(np.subtract.outer(np.arange(q), np.arange(q)))
    beta, b = P.generalized_ridge(X, Z, y, G, 9.0)
    Ginv = np.linalg.inv(G)

    def obj(v):
        r = y - X @ v[:1] - Z @ v[1:]
        return r @ r + 9.0 * v[1:] @ Ginv @ v[1:]

    res = optimize.minimize(obj, np.zeros(1 + q), method="BFGS", options={"gtol": 1e-10})
    np.testing.assert_allclose(res.x[1:], b, atol=1e-5)
    # ... and no single λ reproduces it
    path = P.ridge_path(X, Z, y, np.geomspace(1e-3, 1e3, 400))
    assert np.abs(path.b_hat - b).max(axis=1).min() > 1e-2


def test_cv_lambda_matches_hand_loop():
    group, x, y = _data(seed=5, slope=1.5)
    X, Z, _ = P.indicator_design(group, covariates=x)
    grid = np.array([0.5, 2.0, 8.0])
    res = P.cv_lambda(X, Z, y, grid, n_folds=5, seed=11)
    fold = np.empty(y.size, dtype=int)
    fold[np.random.default_rng(11).permutation(y.size)] = np.arange(y.size) % 5
    expect = []
    for lam in grid:
        sse = 0.0
        for k in range(5):
            tr, te = fold != k, fold == k
            h = bt.mme(X[tr], Z[tr], 1.0, lam, y[tr])        # G = I, R = λI ⇔ ridge penalty λ
            sse += ((y[te] - X[te] @ h.beta_hat - Z[te] @ h.b_hat) ** 2).sum()
        expect.append(sse / y.size)
    np.testing.assert_allclose(res.cv_mse, expect, rtol=1e-8)
    assert res.lam_cv == grid[np.argmin(expect)]
    assert "5-fold" in res.scheme and "default_rng(11)" in res.scheme
    again = P.cv_lambda(X, Z, y, grid, n_folds=5, seed=11)
    np.testing.assert_array_equal(again.cv_mse, res.cv_mse)


def test_reml_lambda_beside_cv_on_radon():
    """C10: the data choose the penalty: REML λ = σ̂_ε²/σ̂_b², and 10-fold CV lands nearby."""
    d = bt.datasets.load("radon_mn")
    fit = bt.fit_lmm("log_radon ~ floor + (1 | county)", d)
    lam_reml = P.blup_lambda(fit.varcorr["county"].iat[0, 0], fit.sigma2)
    np.testing.assert_allclose(lam_reml, fit.sigma2 / fit.varcorr["county"].iat[0, 0])
    X, Z, _ = P.indicator_design(d.county, covariates=d.floor)
    grid = np.geomspace(0.1, 1000, 41)
    cv = P.cv_lambda(X, Z, d.log_radon, grid, n_folds=10, seed=3)
    assert 1.0 < lam_reml < 30.0 and 1.0 < cv.lam_cv < 30.0
    cv_at_reml = np.interp(np.log(lam_reml), np.log(grid), cv.cv_mse)
    assert cv_at_reml < 1.01 * cv.cv_mse.min()           # REML's λ is nearly as good out of sample
    assert cv.cv_mse[0] > cv.cv_mse.min() and cv.cv_mse[-1] > cv.cv_mse.min()


def test_bias_variance_tradeoff():
    """C11: MSE at the BLUP's λ < MSE at λ = 0 (no pooling); bias² up, variance down along λ."""
    sigma_b2, sigma_e2 = 1.0, 4.0
    lams = np.array([0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 64.0])
    bv = P.bias_variance(lams, n=5, g=30, sigma_b2=sigma_b2, sigma_e2=sigma_e2, n_sims=300, seed=1)
    np.testing.assert_allclose(bv.bias2 + bv.variance, bv.mse, rtol=1e-10)
    mse = dict(zip(bv.lam, bv.mse))
    assert mse[4.0] < 0.7 * mse[0.0]
    assert np.all(np.diff(bv.variance) < 0) and np.all(np.diff(bv.bias2.to_numpy()[1:]) > 0)
    # λ = 0 is unbiased: bias² is only simulation noise (≈ Var/n_sims)
    assert bv.bias2.iloc[0] < 5 * bv.variance.iloc[0] / 300
    # no pooling's variance is σ_ε²/n, up to simulation error
    np.testing.assert_allclose(bv.variance.iloc[0], sigma_e2 / 5, rtol=0.1)


@pytest.mark.parametrize("call,match", [
    (lambda X, Z, y: P.ridge(X, Z, y, -1.0), "lam must be >= 0"),
    (lambda X, Z, y: P.ridge(X, Z[:-1], y, 1.0), "Z must have"),
    (lambda X, Z, y: P.ridge(X[:-1], Z, y, 1.0), "X must have"),
    (lambda X, Z, y: P.ridge(X, Z, np.where(np.arange(y.size) == 3, np.nan, y), 1.0), "y has 1 NaN"),
    (lambda X, Z, y: P.ridge(np.column_stack([X, X]), Z, y, 1.0), "full column rank"),
    (lambda X, Z, y: P.ridge(X, Z, y, [1.0, 2.0]), "single number"),
    (lambda X, Z, y: P.cv_lambda(X, Z, y, [1.0], n_folds=1, seed=0), "n_folds must be"),
    (lambda X, Z, y: P.generalized_ridge(X, Z, y, -np.eye(Z.shape[1]), 1.0), "G must be positive definite"),
    (lambda X, Z, y: P.bias_variance([1.0], n=1, g=5, sigma_b2=1, sigma_e2=1, seed=0), "n must be a whole number >= 2"),
])
def test_bad_input(call, match):
    group, y = _data()
    X, Z, _ = P.indicator_design(group)
    with pytest.raises(ValueError, match=match):
        call(X, Z, y)


def test_indicator_design():
    X, Z, levels = P.indicator_design(["b", "a", "b"], covariates=[1.0, 2.0, 3.0])
    np.testing.assert_array_equal(X, [[1, 1], [1, 2], [1, 3]])
    np.testing.assert_array_equal(Z, [[0, 1], [1, 0], [0, 1]])
    assert list(levels) == ["a", "b"]
    with pytest.raises(ValueError, match="missing label"):
        P.indicator_design(pd.Series(["a", None]))


def test_panel_headless():
    """Lesson-03 panel: dots = bt.ridge at λ, stars = bt.mme BLUPs at σ_ε²/σ_b²; artists never rebuilt."""
    from blupteach.panels.ridge import eight_groups

    panel = bt.panels.penalized()
    n_artists = [len(ax.get_children()) for ax in panel.figure.axes]
    # the path axes holds two scatters: the ridge dots (zorder 3) under the BLUP stars (zorder 4)
    dot_coll, star_coll = sorted(panel.figure.axes[0].collections, key=lambda c: c.get_zorder())
    group, y = eight_groups()
    X, Z, _ = P.indicator_design(group)
    for lam, sb2, se2 in [(0.5, 4.0, 16.0), (4.0, 4.0, 16.0), (20.0, 1.0, 30.0)]:
        panel.update(lam=lam, sigma_b2=sb2, sigma_e2=se2)
        dots = dot_coll.get_offsets()
        stars = star_coll.get_offsets()
        np.testing.assert_allclose(dots[:, 1], P.ridge(X, Z, y, lam)[1], rtol=1e-12)
        np.testing.assert_allclose(stars[:, 1], bt.mme(X, Z, sb2, se2, y).b_hat, rtol=1e-12)
        np.testing.assert_allclose(stars[:, 0], se2 / sb2)
        assert np.allclose(dots, stars) == np.isclose(lam, se2 / sb2)
    assert [len(ax.get_children()) for ax in panel.figure.axes] == n_artists
