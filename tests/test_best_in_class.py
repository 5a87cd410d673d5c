"""Tests of "best" over the real class (C15) and of "best on average" (C26), lesson 04.

The class: predictors L'y of b_t, linear in y, unbiased for every μ (L'1 = 0), variances known.
Monte-Carlo checks: size stated in each test, tolerance 4 sample standard errors, seeds fixed.
"""

import numpy as np
import pytest
from scipy.special import ndtr

import blupteach as bt

N_SIZES = [1, 2, 3, 5, 8, 20, 2, 4]          # unbalanced
SB2, SE2 = 4.0, 9.0


def _group():
    return np.repeat(np.arange(len(N_SIZES)), N_SIZES)


def test_data_covariance_by_hand():
    V = bt.data_covariance(["a", "b", "a"], 2.0, 3.0)
    assert V.tolist() == [[5.0, 0.0, 2.0], [0.0, 5.0, 0.0], [2.0, 0.0, 5.0]]


def test_mse_matrix_hand_case():
    """Two groups of one reading, σ_b² = σ_ε² = 1; L = (a, −a) predicts b_1.

    Error a(y1 − y2) − b1 = a(b1 − b2 + e1 − e2) − b1: MSE = (a − 1)² + a² + 2a², minimised at a = 1/4.
    """
    for a in (0.0, 0.25, 0.5, 1.0):
        mse = bt.linear_predictor_mse_matrix([a, -a], ["x", "y"], 1.0, 1.0, target="x")
        assert mse == pytest.approx((a - 1) ** 2 + 3 * a**2, rel=1e-12)


def test_blup_row_gives_henderson_pev():
    """MSE of the BLUP's row of W equals pev(target='deviation'): computed two independent ways."""
    group = _group()
    W, _ = bt.blup_matrix(group, SB2, SE2)
    mse = np.array([bt.linear_predictor_mse_matrix(W[i], group, SB2, SE2, target=i) for i in range(len(N_SIZES))])
    assert mse == pytest.approx(bt.pev(N_SIZES, SB2, SE2, target="deviation"), rel=1e-10)


@pytest.mark.parametrize("target", [0, 1, 5])
def test_C15_perturbation_costs_DVD(target):
    """MSE(ℓ + D) − MSE(ℓ) = D'VD > 0 for random D with D'1 = 0; a wrong formula (no cross term) would not."""
    group = _group()
    ell = bt.blup_matrix(group, SB2, SE2)[0][target]
    V = bt.data_covariance(group, SB2, SE2)
    D = np.random.default_rng(target).standard_normal((6, group.size))
    D -= D.mean(axis=1, keepdims=True)
    D *= 0.05
    excess = bt.linear_predictor_mse_matrix(ell + D, group, SB2, SE2, target=target) - \
        bt.linear_predictor_mse_matrix(ell, group, SB2, SE2, target=target)
    quad = np.einsum("kn,nm,km->k", D, V, D)
    assert excess == pytest.approx(quad, rel=1e-8, abs=1e-12), "C15: the excess must be D'VD"
    assert (quad > 0).all()
    # the cross term vanishes only at the BLUP: at another unbiased row it does not
    other = ell + D[0]
    excess_other = bt.linear_predictor_mse_matrix(other + D[1:], group, SB2, SE2, target=target) - \
        bt.linear_predictor_mse_matrix(other, group, SB2, SE2, target=target)
    assert not np.allclose(excess_other, quad[1:], rtol=1e-3)


def test_C15_mse_matrix_against_monte_carlo():
    """40,000 clinics (seeded, through simulate_oneway); simulated MSE within 4 SE of the formula."""
    sims, g = 40_000, len(N_SIZES)
    s = bt.simulate_oneway(np.tile(N_SIZES, sims), SB2, SE2, mu=50.0, seed=150)
    Y = s.y.reshape(sims, -1)
    B = s.b.reshape(sims, g)
    group = _group()
    ell = bt.blup_matrix(group, SB2, SE2)[0][1]
    D = np.zeros(group.size)
    D[1], D[0] = 0.1, -0.1                      # move weight from patient 0's reading to patient 1's
    L = np.vstack([ell, ell + D])
    sq = (Y @ L.T - B[:, [1]]) ** 2
    analytic = bt.linear_predictor_mse_matrix(L, group, SB2, SE2, target=1)
    assert (np.abs(sq.mean(0) - analytic) < 4 * sq.std(0) / np.sqrt(sims)).all()
    diff = sq[:, 1] - sq[:, 0]
    assert diff.mean() > 4 * diff.std() / np.sqrt(sims)


def test_mse_matrix_refuses_biased_or_misshapen_L():
    with pytest.raises(ValueError, match="L must sum to 0"):
        bt.linear_predictor_mse_matrix([0.5, 0.0], ["a", "b"], 1.0, 1.0, target="a")
    with pytest.raises(ValueError, match="L must have 2"):
        bt.linear_predictor_mse_matrix([0.5, 0.0, -0.5], ["a", "b"], 1.0, 1.0, target="a")
    with pytest.raises(ValueError, match="target"):
        bt.linear_predictor_mse_matrix([0.5, -0.5], ["a", "b"], 1.0, 1.0, target="c")


# ---------------------------------------------------------------------------
# C26: best on average, not for every individual
# ---------------------------------------------------------------------------
def test_conditional_mse_hand_values():
    # w = 1/2 at n = 4, σ_b² = 1, σ_ε² = 4: (1/4) b² + (1/4)
    assert bt.conditional_mse([0.0, 1.0, 3.0], 4, 1.0, 4.0) == pytest.approx([0.25, 0.5, 2.5])
    assert bt.conditional_mse([0.0, 3.0], 4, 1.0, 4.0, w_prime=1.0) == pytest.approx([1.0, 1.0])


def test_C26_crossing_is_where_the_curves_meet():
    n, sb2, se2 = 5, 25.0, 100.0
    c = bt.conditional_mse_crossing(n, sb2, se2)
    assert c / 5.0 == pytest.approx(np.sqrt(2.8), rel=1e-12)
    raw = se2 / n
    assert bt.conditional_mse(c, n, sb2, se2) == pytest.approx(raw, rel=1e-12)
    assert bt.conditional_mse(0.99 * c, n, sb2, se2) < raw < bt.conditional_mse(1.01 * c, n, sb2, se2)
    assert 2 * (1 - ndtr(c / 5.0)) == pytest.approx(0.0943, abs=5e-4)


def test_C26_simulated_given_b():
    """20,000 readings-means at each of three fixed b_i, μ known: the raw mean wins only beyond the crossing."""
    n, sb2, se2, sims = 5, 25.0, 100.0, 20_000
    c = bt.conditional_mse_crossing(n, sb2, se2)
    w = bt.shrinkage_weight(n, sb2, se2)
    for b, blup_better in ((0.0, True), (0.7 * c, True), (1.5 * c, False)):
        ybar = b + bt.simulate_oneway(n, 0.0, se2, g=sims, seed=26).group_means   # b_i fixed, noise drawn
        diff = (w * ybar - b) ** 2 - (ybar - b) ** 2           # BLUP minus raw, paired
        assert diff.mean() == pytest.approx(bt.conditional_mse(b, n, sb2, se2) - se2 / n,
                                            abs=4 * diff.std() / np.sqrt(sims))
        assert (diff.mean() < 0) == blup_better


def test_conditional_mse_bad_input():
    with pytest.raises(ValueError, match="sigma_b2"):
        bt.conditional_mse_crossing(5, 0.0, 1.0)
    with pytest.raises(ValueError, match="b"):
        bt.conditional_mse([np.nan], 5, 1.0, 1.0)


def test_conditional_mse_refuses_mismatched_lengths():
    with pytest.raises(ValueError, match="b .* and n"):
        bt.conditional_mse([0.0, 1.0], [1, 2, 3], 1.0, 4.0)
