"""Standard errors of the cross-validation curve (bt.cv_lambda's cv_se, diff_se, one_se_band)."""
import numpy as np
import pytest

import blupteach as bt
from blupteach.penalized import CVResult


def _groups(seed=4, g=12, n=6):
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(g), n)
    y = 3.0 + rng.normal(0.0, 1.0, g)[group] + rng.normal(0.0, 2.0, group.size)
    return group, y


def test_standard_errors_match_a_hand_loop_over_folds():
    group, y = _groups()
    X, Z, _ = bt.indicator_design(group)
    grid = np.array([0.0, 1.0, 4.0, 50.0])
    res = bt.cv_lambda(X, Z, y, grid, n_folds=4, seed=7)
    fold = np.empty(y.size, dtype=int)
    fold[np.random.default_rng(7).permutation(y.size)] = np.arange(y.size) % 4
    mse_k = np.empty((4, grid.size))
    for k in range(4):
        tr, te = fold != k, fold == k
        for j, lam in enumerate(grid):
            beta, b = bt.ridge(X[tr], Z[tr], y[tr], lam)
            mse_k[k, j] = np.mean((y[te] - X[te] @ beta - Z[te] @ b) ** 2)
    best = np.argmin(res.cv_mse)
    np.testing.assert_allclose(res.cv_se, mse_k.std(0, ddof=1) / 2.0, rtol=1e-8)       # √K = 2
    np.testing.assert_allclose(res.diff_se, (mse_k - mse_k[:, [best]]).std(0, ddof=1) / 2.0, rtol=1e-8, atol=1e-15)
    assert res.diff_se[best] == 0.0 and np.all(res.cv_se > 0)


def test_one_se_band_by_hand():
    cv = CVResult(lam=np.array([0.0, 1.0, 2.0, 3.0]), cv_mse=np.array([1.5, 1.1, 1.0, 1.3]), lam_cv=2.0,
                  scheme="hand", cv_se=np.full(4, 0.2), diff_se=np.array([0.3, 0.2, 0.0, 0.1]))
    assert cv.one_se_band().tolist() == [False, True, True, False]                 # 0.5 > 0.3, 0.1 ≤ 0.2, 0.3 > 0.1
    assert cv.one_se_band(paired=False).tolist() == [False, True, True, False]      # threshold 1.0 + 0.2
    cv.cv_se = np.full(4, 0.35)
    assert cv.one_se_band(paired=False).tolist() == [False, True, True, True]


def test_radon_reml_lambda_inside_the_paired_band_extremes_outside():
    """C10, made falsifiable: REML's λ is within one paired SE of CV's best; λ = 0 and λ = 10⁵ are not."""
    d = bt.datasets.load("radon_mn")
    fit = bt.fit_lmm("log_radon ~ floor + (1 | county)", d)
    lam_reml = bt.blup_lambda(fit.varcorr["county"].iat[0, 0], fit.sigma2)
    X, Z, _ = bt.indicator_design(d.county, covariates=d.floor)
    grid = np.r_[0.0, np.geomspace(0.1, 1000, 41), 1e5]
    cv = bt.cv_lambda(X, Z, d.log_radon, grid, n_folds=10, seed=3)
    band = cv.one_se_band()
    assert grid[band].min() < lam_reml < grid[band].max()
    assert not band[0] and not band[-1]
    # the textbook band (SE of the curve) is too wide here to tell no pooling from the best
    assert cv.one_se_band(paired=False)[0]


def test_cv_lambda_still_refuses_bad_folds():
    group, y = _groups()
    X, Z, _ = bt.indicator_design(group)
    with pytest.raises(ValueError, match="n_folds"):
        bt.cv_lambda(X, Z, y, [1.0], n_folds=1, seed=0)


def test_bias_variance_mse_se_is_the_replicates_standard_error():
    """mse_se shrinks like 1/√n_sims and is of the size the replicate-to-replicate spread implies."""
    kw = dict(n=5, g=30, sigma_b2=1.0, sigma_e2=4.0, seed=1)
    small = bt.bias_variance([0.0, 4.0], n_sims=100, **kw)
    big = bt.bias_variance([0.0, 4.0], n_sims=1600, **kw)
    ratio = small.mse_se.to_numpy() / big.mse_se.to_numpy()
    np.testing.assert_allclose(ratio, 4.0, rtol=0.25)
    # λ = 0: each replicate's MSE is a mean of g·… squared N(0, σ_ε²/n) errors: sd ≈ (σ_ε²/n)·√(2/g)
    np.testing.assert_allclose(big.mse_se.iloc[0] * np.sqrt(1600), 0.8 * np.sqrt(2 / 30), rtol=0.1)
