"""The James-Stein estimator (blupteach.stein) and its simulator (simulate_fixed_means):
hand-checked values, the positive part, Efron & Morris's published factor, Stein's paradox
over fixed true means, bad input."""
import numpy as np
import pytest

import blupteach as bt


def test_hand_example():
    # x = (1, 2, 3, 6): mean 3, deviations (-2, -1, 0, 3), S = 14, k - 3 = 1, sigma2 = 1: c = 13/14
    assert bt.stein_factor([1.0, 2.0, 3.0, 6.0], 1.0) == pytest.approx(13 / 14, rel=1e-15)
    np.testing.assert_allclose(bt.james_stein([1.0, 2.0, 3.0, 6.0], 1.0), np.array([16, 29, 42, 81]) / 14, rtol=1e-14)


def test_positive_part_and_edges():
    # x = (0, 1, 2, 3): S = 5; sigma2 = 10 would give c = 1 - 10/5 = -1: floored at 0, all at the mean 1.5
    assert bt.stein_factor([0.0, 1.0, 2.0, 3.0], 10.0) == 0.0
    np.testing.assert_array_equal(bt.james_stein([0.0, 1.0, 2.0, 3.0], 10.0), np.full(4, 1.5))
    # k = 3: k - 3 = 0, no shrinkage at all
    np.testing.assert_allclose(bt.james_stein([1.0, 5.0, 2.0], 4.0), [1.0, 5.0, 2.0])
    # all equal: S = 0, nothing to shrink, no NaN
    np.testing.assert_array_equal(bt.james_stein([2.0, 2.0, 2.0, 2.0], 1.0), np.full(4, 2.0))


def test_rows_are_data_sets():
    X = np.array([[1.0, 2.0, 3.0, 6.0], [0.0, 1.0, 2.0, 3.0]])
    np.testing.assert_allclose(bt.stein_factor(X, 1.0), [13 / 14, 1 - 1 / 5])
    np.testing.assert_allclose(bt.james_stein(X, 1.0)[1], bt.james_stein(X[1], 1.0))


def test_efron_morris_published_factor():
    """Efron & Morris (1977, Scientific American 236(5):119-127): c = 0.212 for the 18 batters,
    sigma2 = pbar(1 - pbar)/45 known."""
    bb = bt.datasets.load("efron_morris_1970")
    x = (bb["Hits"] / bb["AB"]).to_numpy()
    sigma2 = x.mean() * (1 - x.mean()) / 45
    assert bt.stein_factor(x, sigma2) == pytest.approx(0.212, abs=5e-4)


def test_inputs_unchanged():
    x = np.array([1.0, 2.0, 3.0, 6.0])
    bt.james_stein(x, 1.0)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0, 6.0])


@pytest.mark.parametrize("theta", [np.zeros(10), np.linspace(-3, 3, 10), np.r_[np.zeros(9), 8.0],
                                   np.r_[np.zeros(5), 1.0, 2.0, 3.0]])
def test_stein_paradox_fixed_means(theta):
    """For each fixed theta, James-Stein's mean total squared error is below the raw means' k*sigma2."""
    r = bt.stein_risk(theta, 1.0, reps=4000, seed=3)
    assert r.gain - 4 * r.gain_se > 0
    assert r.raw == pytest.approx(theta.size, rel=0.05)


def test_stein_risk_can_fail():
    """The same scoring run on a fixed shrinkage (always half-way) finds it worse at a wide spread."""
    theta = np.linspace(-6, 6, 10)
    X = bt.simulate_fixed_means(theta, 1.0, reps=2000, seed=3)
    half = X.mean(1, keepdims=True) + 0.5 * (X - X.mean(1, keepdims=True))
    assert np.sum((half - theta) ** 2, 1).mean() > np.sum((X - theta) ** 2, 1).mean()


def test_simulate_fixed_means_seeded_and_common():
    a = bt.simulate_fixed_means([0.0, 0.0, 0.0], 1.0, reps=5, seed=2)
    b = bt.simulate_fixed_means([0.0, 0.0, 0.0, 0.0], 4.0, reps=5, seed=2)
    np.testing.assert_array_equal(a, bt.simulate_fixed_means([0.0, 0.0, 0.0], 1.0, reps=5, seed=2))
    np.testing.assert_allclose(2 * a, b[:, :3])     # mean i's noise is the same for every k
    with pytest.raises(TypeError):
        bt.simulate_fixed_means([0.0, 0.0, 0.0], 1.0, reps=5)   # seed is required


@pytest.mark.parametrize("call, match", [
    (lambda: bt.james_stein([1.0, np.nan, 2.0, 3.0], 1.0), "x"),
    (lambda: bt.james_stein([1.0, 2.0], 1.0), "x must hold k >= 3"),
    (lambda: bt.james_stein(np.zeros((2, 2, 4)), 1.0), "x must hold"),
    (lambda: bt.james_stein("abcd", 1.0), "x must be numeric"),
    (lambda: bt.james_stein([1.0, 2.0, 3.0], 0.0), "sigma2 must be > 0"),
    (lambda: bt.james_stein([1.0, 2.0, 3.0], [1.0, 2.0]), "sigma2 must be a single number"),
    (lambda: bt.stein_factor([1.0, 2.0, 3.0], np.inf), "sigma2"),
    (lambda: bt.stein_risk(np.zeros((2, 4)), 1.0, reps=10, seed=0), "theta must be 1-D"),
    (lambda: bt.stein_risk(np.zeros(4), 1.0, reps=1, seed=0), "reps"),
    (lambda: bt.simulate_fixed_means([0.0, np.inf], 1.0, reps=3, seed=0), "theta"),
    (lambda: bt.simulate_fixed_means([0.0, 1.0], -1.0, reps=3, seed=0), "sigma2"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()
