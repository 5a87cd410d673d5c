"""Shrinkage in two dimensions (lesson 07): own lines, W = Σ(Σ + S)⁻¹, the bend, the simulator.

Reference numbers from R 4.x, lme4 1.1-31 on ``sleepstudy`` (``lmList(Reaction ~ Days | Subject)``
and ``coef(lmer(Reaction ~ Days + (Days | Subject)))``, REML), pasted with 10 digits.
"""

import numpy as np
import pandas as pd
import pytest

import blupteach as bt

# lme4: coef(lmList(Reaction ~ Days | Subject, sleepstudy))
LMLIST = {308: (244.1926691, 21.764702424), 335: (263.0346927, -2.881033939), 372: (267.0448000, 11.298073333)}
# lme4: coef(lmer(Reaction ~ Days + (Days | Subject), sleepstudy)) = fixef + ranef
LME4_COEF = {308: (253.6636558, 19.666261725), 309: (211.0063668, 1.847605344), 310: (212.4446959, 5.018429490),
             335: (251.0714364, -0.284879217), 337: (286.2955917, 19.095551118), 372: (263.7196970, 11.751308036)}


@pytest.fixture(scope="module")
def sleep():
    return bt.datasets.load("sleepstudy")


@pytest.fixture(scope="module")
def fit(sleep):
    return bt.fit_lmm("Reaction ~ Days + (Days | Subject)", sleep)


def test_own_lines_match_lme4_lmlist(sleep):
    own = bt.own_lines(sleep["Reaction"], sleep["Days"], sleep["Subject"])
    assert own.shape == (18, 3) and (own["n"] == 10).all()
    for s, coef in LMLIST.items():
        assert own.loc[s, ["intercept", "slope"]].to_numpy() == pytest.approx(coef, abs=1e-6)


def test_own_lines_by_hand_and_single_reading():
    own = bt.own_lines([1.0, 3.0, 5.0, 2.0, 2.0], [0, 1, 0, 4, 4], ["a", "a", "b", "c", "c"])
    assert own.loc["a", ["intercept", "slope"]].tolist() == pytest.approx([1.0, 2.0])
    assert np.isnan(own.loc["b", "slope"]) and own.loc["b", "n"] == 1      # one reading: no line
    assert np.isnan(own.loc["c", "intercept"]) and own.loc["c", "n"] == 2  # two readings, one time: no line


def test_shrinkage_matrix_by_hand():
    # Σ = I, t = (0, 1), σ² = 1: S = (X'X)⁻¹ = [[1, -1], [-1, 2]], W = (I + S)⁻¹ = [[3, 1], [1, 2]] / 5
    assert bt.shrinkage_matrix(np.eye(2), [0, 1], 1.0) == pytest.approx(np.array([[3, 1], [1, 2]]) / 5)
    # Σ = 0: no pull away from the centre is allowed at all, W = 0; a huge Σ: W → I
    assert bt.shrinkage_matrix(np.zeros((2, 2)), [0, 1, 2], 1.0) == pytest.approx(np.zeros((2, 2)))
    assert bt.shrinkage_matrix(1e9 * np.eye(2), [0, 1, 2], 1.0) == pytest.approx(np.eye(2), abs=1e-8)


def test_w_formula_gives_lme4s_blup_lines(sleep, fit):
    """β̂ + W(own − β̂) equals lme4's coef() and the engine's fixef + ranef, for every subject."""
    own = bt.own_lines(sleep["Reaction"], sleep["Days"], sleep["Subject"])
    beta = fit.fixef.to_numpy()
    W = bt.shrinkage_matrix(fit.varcorr["Subject"], np.arange(10), fit.sigma2)
    lines = beta + (own[["intercept", "slope"]].to_numpy() - beta) @ W.T
    assert lines == pytest.approx(beta + fit.ranef["Subject"].to_numpy(), abs=1e-8)
    for s, coef in LME4_COEF.items():
        assert lines[list(own.index).index(s)] == pytest.approx(coef, rel=1e-6, abs=1e-4)   # lme4 optimiser tolerance


def test_shrinkage_angle_by_hand():
    # arrow (−1, 1) against the straight path (−2, 0): 45°; straight: 0°; with a scale the angle changes
    assert bt.shrinkage_angle([[2.0, 0.0]], [[1.0, 1.0]], [0.0, 0.0]) == pytest.approx([45.0])
    assert bt.shrinkage_angle([[2.0, 2.0]], [[1.0, 1.0]], [0.0, 0.0]) == pytest.approx([0.0], abs=1e-6)
    # scale (1, 2): arrow (−1, 0.5), path (−2, 0): atan(0.5) = 26.565°
    assert bt.shrinkage_angle([[2.0, 0.0]], [[1.0, 1.0]], [0.0, 0.0], scale=[1, 2]) == pytest.approx([26.56505118])


def test_sleepstudy_arrows_bend(sleep, fit):
    own = bt.own_lines(sleep["Reaction"], sleep["Days"], sleep["Subject"])[["intercept", "slope"]].to_numpy()
    blup = fit.fixef.to_numpy() + fit.ranef["Subject"].to_numpy()
    sd = np.sqrt(np.diag(fit.varcorr["Subject"].to_numpy()))
    angle = bt.shrinkage_angle(own, blup, fit.fixef, scale=sd)
    assert angle.max() == pytest.approx(52.7, abs=0.1) and (angle > 30).sum() == 8


@pytest.mark.parametrize("call, match", [
    (lambda: bt.own_lines([1.0, np.nan], [0, 1], ["a", "a"]), "y"),
    (lambda: bt.own_lines([1.0, 2.0], [0, 1, 2], ["a", "a"]), "t must have 2"),
    (lambda: bt.own_lines([1.0, 2.0], [0, 1], ["a", None]), "group has 1 missing"),
    (lambda: bt.shrinkage_matrix(np.eye(3), [0, 1], 1.0), "Sigma must be a symmetric 2 x 2"),
    (lambda: bt.shrinkage_matrix([[1, 2], [2, 1]], [0, 1], 1.0), "positive semi-definite"),
    (lambda: bt.shrinkage_matrix(np.eye(2), [3, 3], 1.0), "two distinct times"),
    (lambda: bt.shrinkage_matrix(np.eye(2), [0, 1], 0.0), "sigma_e2"),
    (lambda: bt.shrinkage_angle([[1.0, 1.0]], [[1.0, 1.0]], [0.0, 0.0]), "no direction"),
    (lambda: bt.shrinkage_angle([[1.0, 1.0]], [[0.0, 1.0]], [0.0, 0.0], scale=[1, 0]), "scale must be positive"),
    (lambda: bt.shrinkage_angle([[1.0, 1.0, 1.0]], [[0.0, 1.0, 1.0]], [0.0, 0.0]), r"\(g, 2\)"),
    (lambda: bt.simulate_lines([1.0, 2.0], np.eye(2), 1.0, {"a": [0]}, seed=None), "seed"),
    (lambda: bt.simulate_lines([1.0], np.eye(2), 1.0, {"a": [0]}, seed=1), "beta must be 2"),
    (lambda: bt.simulate_lines([1.0, 2.0], -np.eye(2), 1.0, {"a": [0]}, seed=1), "Sigma"),
    (lambda: bt.simulate_lines([1.0, 2.0], np.eye(2), 1.0, {}, seed=1), "times must be a non-empty dict"),
])
def test_bad_input_raises(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_inputs_not_mutated(sleep):
    before = sleep.copy()
    Sigma = np.array([[2.0, 0.5], [0.5, 1.0]])
    t = np.arange(4.0)
    own = np.array([[1.0, 2.0]])
    bt.own_lines(sleep["Reaction"], sleep["Days"], sleep["Subject"])
    bt.shrinkage_matrix(Sigma, t, 1.0)
    bt.shrinkage_angle(own, own + 1, [0.0, 0.0])
    pd.testing.assert_frame_equal(sleep, before)
    assert Sigma.tolist() == [[2.0, 0.5], [0.5, 1.0]] and t.tolist() == [0, 1, 2, 3] and own.tolist() == [[1.0, 2.0]]


def test_simulate_lines_is_seeded_and_follows_the_model():
    a = bt.simulate_lines([1.0, 2.0], np.eye(2), 1.0, {"x": [0, 1, 2], "y": [5]}, seed=3)
    b = bt.simulate_lines([1.0, 2.0], np.eye(2), 1.0, {"x": [0, 1, 2], "y": [5]}, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert a["group"].tolist() == ["x", "x", "x", "y"] and a["t"].tolist() == [0, 1, 2, 5]
    # no noise: each individual's readings lie exactly on its drawn line
    c = bt.simulate_lines([1.0, 2.0], np.eye(2), 0.0, {"x": [0, 1, 2]}, seed=3)
    b0, b1 = c.attrs["b"]["x"]
    assert c["y"].to_numpy() == pytest.approx(1 + b0 + (2 + b1) * np.arange(3))
    # many individuals: the drawn effects have covariance close to Σ
    many = bt.simulate_lines([0.0, 0.0], [[4.0, 1.0], [1.0, 1.0]], 1.0, {i: [0] for i in range(4000)}, seed=5)
    cov = np.cov(np.array(list(many.attrs["b"].values())).T)
    assert cov == pytest.approx(np.array([[4.0, 1.0], [1.0, 1.0]]), abs=0.25)


def test_simulate_lines_draws_as_a_loop_over_individuals_would():
    # reference: the per-individual loop (2 effects, then that individual's noises), in numpy itself
    Sigma, times = np.array([[0.5, 0.1], [0.1, 0.2]]), {"a": [0.0, 1.0, 2.0], "b": [3.0], 7: [0.0, 4.0]}
    rng, y = np.random.default_rng(4), []
    for ts in times.values():
        b = rng.multivariate_normal(np.zeros(2), Sigma, method="eigh")
        y.extend((1.0 + b[0]) + (2.0 + b[1]) * np.asarray(ts) + np.sqrt(0.3) * rng.standard_normal(len(ts)))
    out = bt.simulate_lines([1.0, 2.0], Sigma, 0.3, times, seed=4)
    assert np.allclose(out["y"], y, atol=1e-12) and out["group"].tolist() == ["a"] * 3 + ["b"] + [7] * 2
