"""Closed forms of the one-way model (blupteach/oneway.py), checked by hand.

Every expected number below is worked out from the formula in the comment beside
it, not taken from the code under test.  Claims: C3 (BLUP = weighted average),
C4 (w = nσ_b²/(nσ_b² + σ_ε²)), C5 (w → 1), C6 (w grows with σ_b², falls with σ_ε²).
"""
import numpy as np
import pandas as pd
import pytest

import blupteach as bt


# ---------------------------------------------------------------------------
# shrinkage_weight (C4)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "n, sigma_b2, sigma_e2, expected",
    [
        (2, 1.0, 4.0, 1 / 3),         # 2·1/(2·1 + 4) = 2/6: Alice
        (20, 1.0, 4.0, 5 / 6),        # 20/(20 + 4): Bob
        (5, 25.0, 100.0, 5 / 9),      # 125/(125 + 100): lesson-02 panel defaults
        (1, 3.0, 1.0, 3 / 4),         # 3/(3 + 1)
        (10, 0.5, 5.0, 1 / 2),        # 5/(5 + 5): σ_ε²/σ_b² = n gives w = 1/2
        (3, 2.0, 0.0, 1.0),           # no noise: trust the data fully
    ],
)
def test_shrinkage_weight_hand_values(n, sigma_b2, sigma_e2, expected):
    """C4: the weight is nσ_b²/(nσ_b² + σ_ε²)."""
    w = bt.shrinkage_weight(n, sigma_b2, sigma_e2)
    assert isinstance(w, float)
    assert w == pytest.approx(expected, rel=1e-14)


def test_n_zero_gives_weight_zero():
    """A group never observed is predicted at the population mean (w = 0), even with σ_ε² = 0."""
    assert bt.shrinkage_weight(0, 2.0, 3.0) == 0.0
    assert bt.shrinkage_weight(0, 2.0, 0.0) == 0.0


def test_sigma_b2_zero_gives_weight_zero():
    """σ_b² = 0: no real differences, complete pooling (w = 0) whatever n is."""
    assert bt.shrinkage_weight(7, 0.0, 3.0) == 0.0
    np.testing.assert_array_equal(bt.shrinkage_weight(np.array([0, 1, 1000]), 0.0, 1.0), [0.0, 0.0, 0.0])


def test_shrinkage_weight_broadcasts():
    n = np.array([[1], [2]])             # shape (2, 1)
    sigma_b2 = np.array([1.0, 3.0])      # shape (2,)
    w = bt.shrinkage_weight(n, sigma_b2, 4.0)
    assert w.shape == (2, 2)
    # n·σ_b²/(n·σ_b² + 4): [[1/5, 3/7], [2/6, 6/10]]
    np.testing.assert_allclose(w, [[1 / 5, 3 / 7], [2 / 6, 6 / 10]], rtol=1e-14)
    # arrays in every argument
    w = bt.shrinkage_weight([2, 20], [1.0, 1.0], [4.0, 4.0])
    np.testing.assert_allclose(w, [1 / 3, 5 / 6], rtol=1e-14)


def test_weight_tends_to_one_as_n_grows():
    """C5: w → 1 as n → ∞; 1 − w = σ_ε²/(nσ_b² + σ_ε²) = 1/(n + 1) when σ_b² = σ_ε²."""
    n = 10.0 ** np.arange(0, 9)
    w = bt.shrinkage_weight(n, 1.0, 1.0)
    np.testing.assert_allclose(1 - w, 1 / (n + 1), rtol=1e-6)
    assert w[-1] > 1 - 1e-8
    assert np.all(np.diff(w) > 0)


# ---------------------------------------------------------------------------
# blup, partial_pooling, gls_mean (C3)
# ---------------------------------------------------------------------------
def test_blup_hand_values():
    # w = 1/3 and 5/6 (above); b̂ = w(ȳ − μ) = (1/3)(10 − 12), (5/6)(14 − 12)
    b_hat = bt.blup([10.0, 14.0], [2, 20], 12.0, 1.0, 4.0)
    np.testing.assert_allclose(b_hat, [-2 / 3, 5 / 3], rtol=1e-14)


def test_partial_pooling_is_the_weighted_average():
    """C3: μ + b̂_i = w·ȳ_i + (1 − w)·μ: (1/3)·10 + (2/3)·12 = 34/3; (5/6)·14 + (1/6)·12 = 41/3."""
    pooled = bt.partial_pooling([10.0, 14.0], [2, 20], 12.0, 1.0, 4.0)
    np.testing.assert_allclose(pooled, [34 / 3, 41 / 3], rtol=1e-14)


def test_blup_with_n_zero_and_sigma_b2_zero():
    # n = 0: w = 0, so the prediction is μ itself and b̂ = 0
    np.testing.assert_array_equal(bt.blup([10.0, 14.0], [0, 0], 12.0, 1.0, 4.0), [0.0, 0.0])
    np.testing.assert_array_equal(bt.partial_pooling([10.0, 14.0], [3, 9], 12.0, 0.0, 4.0), [12.0, 12.0])


def test_gls_mean_hand_values():
    # u_i = 1/(σ_b² + σ_ε²/n_i) = 1/(1 + 2) = 1/3 and 1/(1 + 0.2) = 5/6
    # μ̂ = (10/3 + 14·5/6)/(1/3 + 5/6) = 15/(7/6) = 90/7;  Var(μ̂) = 1/(7/6) = 6/7
    assert bt.gls_mean([10.0, 14.0], [2, 20], 1.0, 4.0) == pytest.approx(90 / 7, rel=1e-14)
    assert bt.var_gls_mean([2, 20], 1.0, 4.0) == pytest.approx(6 / 7, rel=1e-14)
    assert bt.gls_weights([2, 20], 1.0, 4.0) == pytest.approx([2 / 7, 5 / 7], rel=1e-14)
    # equal n: the plain average; Var = (1 + 4/2)/2 = 3/2
    assert bt.gls_mean([10.0, 14.0], [2, 2], 1.0, 4.0) == pytest.approx(12.0, rel=1e-14)
    assert bt.var_gls_mean([2, 2], 1.0, 4.0) == pytest.approx(1.5, rel=1e-14)


def test_gls_mean_differs_from_raw_grand_mean_when_unbalanced():
    """The population mean is the GLS μ̂ (90/7 above), not the raw mean of the observations (13.64)."""
    raw_grand = (2 * 10.0 + 20 * 14.0) / 22
    mu_hat = bt.gls_mean([10.0, 14.0], [2, 20], 1.0, 4.0)
    assert abs(mu_hat - raw_grand) > 0.5


# ---------------------------------------------------------------------------
# inputs are never changed
# ---------------------------------------------------------------------------
def test_inputs_not_mutated():
    ybar = np.array([10.0, 14.0, 9.0])
    n = np.array([2, 20, 5])
    sb = np.array([1.0, 2.0, 3.0])
    keep = [ybar.copy(), n.copy(), sb.copy()]
    bt.shrinkage_weight(n, sb, 4.0)
    bt.blup(ybar, n, 12.0, sb, 4.0)
    bt.partial_pooling(ybar, n, 12.0, 1.0, 4.0)
    bt.gls_mean(ybar, n, 1.0, 4.0)
    for before, after in zip(keep, [ybar, n, sb]):
        np.testing.assert_array_equal(before, after)
        assert before.dtype == after.dtype

    y = pd.Series([1.0, 3.0, 5.0, 7.0, 2.0, 4.0], name="y")
    group = pd.Series(list("aabbcc"), name="g")
    y0, g0 = y.copy(), group.copy()
    bt.fit_oneway(y, group)
    pd.testing.assert_series_equal(y, y0)
    pd.testing.assert_series_equal(group, g0)
    y_list, g_list = [1.0, 3.0, 5.0, 7.0], ["a", "a", "b", "b"]
    bt.fit_oneway(y_list, g_list)
    assert y_list == [1.0, 3.0, 5.0, 7.0] and g_list == ["a", "a", "b", "b"]
