"""Tests of blupteach.best_linear and blupteach.posterior (claims C12-C16, lesson 04) and the lesson-04 panel.

Known variances throughout, as the claims require.  Monte-Carlo checks: the size is stated
in each test; the tolerance is 4 sample standard errors of that size; seeds are fixed.
"""

import numpy as np
import pytest
from scipy import stats

import blupteach as bt
from blupteach.best_linear import conditional_bias
from blupteach.simulate import draw_effects

N_SIZES = [1, 2, 3, 5, 8, 20, 2, 4]          # unbalanced
SB2, SE2 = 4.0, 9.0


@pytest.fixture(scope="module")
def data():
    s = bt.simulate_oneway(N_SIZES, SB2, SE2, mu=50.0, seed=42)
    return s.frame("group"), s.b


def _design(data):
    codes = data["group"].astype("category").cat.codes.to_numpy()
    return np.eye(codes.max() + 1)[codes]


# ---------------------------------------------------------------------------
# C12: BLUE of μ (GLS) beside the BLUPs
# ---------------------------------------------------------------------------
def test_C12_engine_mu_is_gls(data):
    df, _ = data
    fit = bt.fit_oneway(df["y"], df["group"])
    Z = _design(df)
    V = fit.sigma_b2 * Z @ Z.T + fit.sigma_e2 * np.eye(len(df))       # Var(y), full N × N
    one = np.ones(len(df))
    Vinv_1 = np.linalg.solve(V, one)
    gls = Vinv_1 @ df["y"].to_numpy() / (Vinv_1 @ one)
    assert fit.mu == pytest.approx(gls, rel=1e-12), "C12: the engine's mu_hat must be the GLS estimate"
    assert fit.var_mu == pytest.approx(1 / (Vinv_1 @ one), rel=1e-10)
    # and it is not the plain average of all readings on unbalanced data
    assert abs(fit.mu - df["y"].mean()) > 1e-3


# ---------------------------------------------------------------------------
# C13: linear in y; the MSE needs only two moments
# ---------------------------------------------------------------------------
def test_C13_engine_blup_is_W_at_y(data):
    df, _ = data
    fit = bt.fit_oneway(df["y"], df["group"])
    W, m = bt.blup_matrix(df["group"], fit.sigma_b2, fit.sigma_e2)
    assert W.shape == (len(N_SIZES), len(df))
    assert W @ df["y"].to_numpy() == pytest.approx(fit.blup, rel=1e-10, abs=1e-12), "C13: BLUP == W @ y"
    assert m @ df["y"].to_numpy() == pytest.approx(fit.mu, rel=1e-12)
    # hand example: two groups of one reading, σ_b² = σ_ε² = 1
    W2, _ = bt.blup_matrix(["a", "b"], 1.0, 1.0)
    assert W2.tolist() == [[0.25, -0.25], [-0.25, 0.25]]


@pytest.mark.parametrize("effects", ["gaussian", "two_point"])
def test_C13_mse_is_one_minus_w_sigma_b2_for_both_distributions(effects):
    """200,000 individuals, μ known; tolerance 4·sd(err²)/√200000 (≈ 1.3% of the MSE)."""
    n, size = 4, 200_000
    rng = np.random.default_rng(13)
    b = draw_effects(size, SB2, effects=effects, seed=rng)
    ybar = b + np.sqrt(SE2 / n) * rng.standard_normal(size)
    w = bt.shrinkage_weight(n, SB2, SE2)
    sq = (w * ybar - b) ** 2
    assert b.var() == pytest.approx(SB2, rel=0.02)
    assert abs(sq.mean() - (1 - w) * SB2) < 4 * sq.std() / np.sqrt(size), f"C13 ({effects})"


# ---------------------------------------------------------------------------
# C14: unbiased over the population, biased toward the mean for an individual
# ---------------------------------------------------------------------------
def test_C14_unbiased_on_average_biased_given_b():
    """200,000 individuals (μ known); the extreme group b > 2σ_b has about 4,500."""
    n, size = 3, 200_000
    rng = np.random.default_rng(14)
    b = np.sqrt(SB2) * rng.standard_normal(size)
    ybar = b + np.sqrt(SE2 / n) * rng.standard_normal(size)
    w = bt.shrinkage_weight(n, SB2, SE2)
    err = w * ybar - b
    assert abs(err.mean()) < 4 * err.std() / np.sqrt(size), "C14: mean error over the population ≈ 0"
    far = b > 2 * np.sqrt(SB2)
    e_far = err[far]
    assert e_far.mean() < -4 * e_far.std() / np.sqrt(far.sum()), "C14: error given a large b must be negative"
    expected = -(1 - w) * b[far].mean()                   # E(error | b) = −(1 − w) b
    assert abs(e_far.mean() - expected) < 4 * e_far.std() / np.sqrt(far.sum())
    assert conditional_bias([2.0], 4, 1.0, 4.0) == pytest.approx([-1.0])


# ---------------------------------------------------------------------------
# C15: best among w'(ȳ_i − μ̂)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("groups", [None, 8], ids=["mu known", "mu GLS"])
def test_C15_analytic_minimum_at_w(groups):
    n = 5
    w = bt.shrinkage_weight(n, SB2, SE2)
    grid = np.sort(np.concatenate([[w], np.linspace(0, 1, 21)]))
    mse = bt.linear_predictor_mse(grid, n, SB2, SE2, groups=groups)
    assert grid[np.argmin(mse)] == w, "C15: the minimum must be exactly at w"
    f = 1.0 if groups is None else 1 - 1 / groups
    V = (SB2 + SE2 / n) * f
    assert mse == pytest.approx(mse[grid == w][0] + (grid - w) ** 2 * V, rel=1e-12)
    # known μ: the minimum is (1 − w)σ_b²; estimated μ: Henderson's PEV of b̂_i
    if groups is None:
        assert mse[grid == w][0] == pytest.approx((1 - w) * SB2, rel=1e-12)
    else:
        fit_pev = (1 - w) * SB2 + w**2 * (SB2 + SE2 / n) / groups
        assert mse[grid == w][0] == pytest.approx(fit_pev, rel=1e-12)


@pytest.mark.parametrize("mu_known", [True, False])
def test_C15_simulated_with_common_random_numbers(mu_known):
    """20,000 data sets of 8 balanced groups (160,000 predictions), one set of draws for every w'."""
    n, g, sims = 5, 8, 20_000
    rng = np.random.default_rng(15)
    b = np.sqrt(SB2) * rng.standard_normal((sims, g))
    ybar = b + np.sqrt(SE2 / n) * rng.standard_normal((sims, g))
    d = ybar if mu_known else ybar - ybar.mean(axis=1, keepdims=True)     # μ = 0 known, or GLS μ̂
    w = bt.shrinkage_weight(n, SB2, SE2)
    grid = np.sort(np.concatenate([[w], w + np.array([-0.3, -0.2, -0.1, -0.05, 0.05, 0.1, 0.2, 0.3])]))
    sq = (grid[:, None, None] * d[None] - b[None]) ** 2
    sim = sq.mean(axis=(1, 2))
    assert grid[np.argmin(sim)] == w, "C15: simulated MSE must be smallest at w"
    analytic = bt.linear_predictor_mse(grid, n, SB2, SE2, groups=None if mu_known else g)
    se = sq.reshape(grid.size, -1).std(axis=1) / np.sqrt(sims * g)
    assert (np.abs(sim - analytic) < 4 * se).all()
    # paired differences (common random numbers): each other w' is worse by many SEs
    diff = (sq - sq[grid == w]).reshape(grid.size, -1)
    others = grid != w
    assert (diff[others].mean(axis=1) > 4 * diff[others].std(axis=1) / np.sqrt(sims * g)).all()


# ---------------------------------------------------------------------------
# C16: Gaussian — posterior mean is the BLUP; two-point — the posterior mean beats it
# ---------------------------------------------------------------------------
def test_C16_gaussian_posterior_mean_equals_blup(data):
    df, _ = data
    post = bt.gaussian_posterior_mean(df["y"], df["group"], SB2, SE2, mu=50.0)
    ybar = df.groupby("group")["y"].mean().to_numpy()
    blup = bt.blup(ybar, np.array(N_SIZES), 50.0, SB2, SE2)
    assert np.max(np.abs(post - blup)) < 1e-10, "C16: Gaussian posterior mean == BLUP"


def test_two_point_posterior_by_bayes_rule():
    ybar, n = np.array([-3.0, 0.4, 2.5]), 4
    s = np.sqrt(SE2 / n)
    lik_plus = stats.norm.pdf(ybar, np.sqrt(SB2), s)
    lik_minus = stats.norm.pdf(ybar, -np.sqrt(SB2), s)
    by_hand = np.sqrt(SB2) * (lik_plus - lik_minus) / (lik_plus + lik_minus)
    assert bt.two_point_posterior_mean(ybar, n, SB2, SE2) == pytest.approx(by_hand, rel=1e-12)


def test_C16_two_point_posterior_beats_blup():
    """200,000 individuals, μ known; paired difference of squared errors > 4 SE."""
    n, size = 4, 200_000
    rng = np.random.default_rng(16)
    b = draw_effects(size, SB2, effects="two_point", seed=rng)
    ybar = b + np.sqrt(SE2 / n) * rng.standard_normal(size)
    w = bt.shrinkage_weight(n, SB2, SE2)
    diff = (w * ybar - b) ** 2 - (bt.two_point_posterior_mean(ybar, n, SB2, SE2) - b) ** 2
    assert diff.mean() > 4 * diff.std() / np.sqrt(size), "C16: two-point posterior mean must beat the BLUP"
    assert diff.mean() > 0.1 * (1 - w) * SB2      # clearly, not marginally


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
def test_bad_input():
    with pytest.raises(ValueError, match="effects"):
        bt.simulate_oneway([2, 2], 1.0, 1.0, effects="uniform", seed=0)
    with pytest.raises(ValueError, match="sigma_e2"):
        bt.blup_matrix(["a", "b"], 1.0, 0.0)
    with pytest.raises(ValueError, match="groups"):
        bt.linear_predictor_mse(0.5, 4, 1.0, 1.0, groups=1)
    with pytest.raises(ValueError, match="n is empty"):
        bt.simulate_oneway([], 1.0, 1.0, seed=0)
    with pytest.raises(ValueError, match="group must have"):
        bt.gaussian_posterior_mean([1.0, 2.0], ["a"], 1.0, 1.0)


# ---------------------------------------------------------------------------
# the lesson-04 panel, headless
# ---------------------------------------------------------------------------
def test_conditional_bias_panel_updates_in_place():
    from blupteach.panels.bias import B_GRID, draws
    p = bt.panels.conditional_bias()
    ax_e, ax_m = p.figure.axes
    counts = (len(ax_e.collections), len(ax_e.lines), len(ax_m.lines), len(ax_m.patches))
    limits = (ax_e.get_xlim(), ax_e.get_ylim(), ax_m.get_xlim(), ax_m.get_ylim())
    p.update(n=20, sigma_b2=9.0, sigma_e2=50.0)
    b, _, err = draws(20, 9.0, 50.0)
    assert np.asarray(ax_e.collections[0].get_offsets()) == pytest.approx(np.column_stack([b, err]) / 3.0)
    w = bt.shrinkage_weight(20, 9.0, 50.0)
    xb, yb = ax_e.lines[1].get_data()
    assert np.asarray(yb) == pytest.approx(-(1 - w) * np.asarray(xb))
    _, mse = ax_m.lines[1].get_data()
    assert np.asarray(mse) == pytest.approx(bt.conditional_mse(3.0 * B_GRID, 20, 9.0, 50.0) / (50.0 / 20))
    c = bt.conditional_mse_crossing(20, 9.0, 50.0) / 3.0
    assert ax_m.patches[1].get_x() == pytest.approx(c)
    assert (len(ax_e.collections), len(ax_e.lines), len(ax_m.lines), len(ax_m.patches)) == counts
    assert (ax_e.get_xlim(), ax_e.get_ylim(), ax_m.get_xlim(), ax_m.get_ylim()) == limits


def test_conditional_bias_panel_holds_every_individual_whole():
    """At the slider ends and inside, all 300 individuals lie inside the fixed limits (no clipped marker)."""
    from blupteach.panels.bias import SPEC, X_LIM, Y_LIM, draws
    for n in (SPEC["n"].min, 3, SPEC["n"].max):
        for sb2 in (SPEC["sigma_b2"].min, 10.0, SPEC["sigma_b2"].max):
            for se2 in (SPEC["sigma_e2"].min, 30.0, SPEC["sigma_e2"].max):
                b, _, err = draws(n, sb2, se2)
                assert np.abs(b / np.sqrt(sb2)).max() < 0.95 * X_LIM
                assert np.abs(err / np.sqrt(sb2)).max() < 0.95 * Y_LIM
