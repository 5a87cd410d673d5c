"""Property tests (hypothesis) of the shrinkage weight and the BLUP.

Strategies are bounded so that nσ_b² cannot overflow (n ≤ 10⁶, σ² ≤ 10⁶) and
variances stay away from subnormal numbers.  Claims: C3, C4, C5, C6.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import blupteach as bt
from _reference import dense_oneway

counts = st.integers(min_value=0, max_value=10**6)
pos_counts = st.integers(min_value=1, max_value=10**6)
variances = st.one_of(st.just(0.0), st.floats(min_value=1e-6, max_value=1e6))
pos_variances = st.floats(min_value=1e-6, max_value=1e6)
TOL = 1e-12   # rounding slack for comparisons that are exact in real arithmetic


@given(counts, variances, variances)
def test_weight_in_unit_interval(n, sigma_b2, sigma_e2):
    """C4: w is a weight: 0 ≤ w ≤ 1."""
    assume(sigma_b2 > 0 or sigma_e2 > 0)
    w = bt.shrinkage_weight(n, sigma_b2, sigma_e2)
    assert 0.0 <= w <= 1.0


@given(counts, counts, pos_variances, variances)
def test_weight_non_decreasing_in_n(n1, n2, sigma_b2, sigma_e2):
    """C5: more readings never lower the weight on the individual's own mean."""
    lo, hi = sorted((n1, n2))
    assert bt.shrinkage_weight(lo, sigma_b2, sigma_e2) <= bt.shrinkage_weight(hi, sigma_b2, sigma_e2) + TOL


@given(counts, variances, variances, pos_variances)
def test_weight_non_decreasing_in_sigma_b2(n, s1, s2, sigma_e2):
    """C6: more real between-individual variation, more trust in the individual."""
    lo, hi = sorted((s1, s2))
    assert bt.shrinkage_weight(n, lo, sigma_e2) <= bt.shrinkage_weight(n, hi, sigma_e2) + TOL


@given(counts, pos_variances, variances, variances)
def test_weight_non_increasing_in_sigma_e2(n, sigma_b2, s1, s2):
    """C6: more noise, less trust in the individual."""
    lo, hi = sorted((s1, s2))
    assert bt.shrinkage_weight(n, sigma_b2, hi) <= bt.shrinkage_weight(n, sigma_b2, lo) + TOL


@given(pos_variances, pos_variances)
def test_weight_tends_to_one(sigma_b2, sigma_e2):
    """C5: 1 − w = σ_ε²/(nσ_b² + σ_ε²) < σ_ε²/(nσ_b²), which → 0 as n → ∞."""
    for n in (10, 10**3, 10**5, 10**7):
        gap = 1.0 - bt.shrinkage_weight(n, sigma_b2, sigma_e2)
        assert gap <= sigma_e2 / (n * sigma_b2) * (1 + 1e-9) + 1e-15
    ratio = sigma_e2 / sigma_b2                    # at most 10¹², so n_big ≤ 10¹⁸ (no overflow)
    n_big = int(np.ceil(1e6 * ratio))               # nσ_b² ≥ 10⁶σ_ε², so 1 − w ≤ 1/(10⁶ + 1)
    assert bt.shrinkage_weight(n_big, sigma_b2, sigma_e2) > 1 - 1.01e-6


@given(
    st.lists(st.tuples(st.floats(-1e3, 1e3), st.integers(0, 1000)), min_size=1, max_size=20),
    st.floats(-1e3, 1e3), pos_variances, pos_variances,
)
def test_blup_equals_closed_form(rows, mu, sigma_b2, sigma_e2):
    """C3: b̂_i = nσ_b²/(nσ_b² + σ_ε²)·(ȳ_i − μ), and μ + b̂_i = wȳ_i + (1 − w)μ."""
    ybar = np.array([r[0] for r in rows])
    n = np.array([r[1] for r in rows])
    w = n * sigma_b2 / (n * sigma_b2 + sigma_e2)
    b_hat = bt.blup(ybar, n, mu, sigma_b2, sigma_e2)
    np.testing.assert_allclose(b_hat, w * (ybar - mu), rtol=1e-12, atol=1e-9)
    pooled = bt.partial_pooling(ybar, n, mu, sigma_b2, sigma_e2)
    np.testing.assert_allclose(pooled, w * ybar + (1 - w) * mu, rtol=1e-12, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(1, 12), min_size=2, max_size=8),
    st.integers(0, 2**32 - 1),
    st.floats(0.05, 20.0), st.floats(0.05, 20.0),
)
def test_fit_blup_equals_dense_mixed_model_solution(sizes, seed, sigma_b2, sigma_e2):
    """C3 on unbalanced data: the fit's BLUPs, μ̂ and PEVs equal the dense GLS/Henderson solution
    at the fitted variances."""
    assume(sum(sizes) > len(sizes))   # some within-group replication
    rng = np.random.default_rng(seed)
    group = np.repeat(np.arange(len(sizes)), sizes)
    y = 10 + rng.normal(0, np.sqrt(sigma_b2), len(sizes))[group] + rng.normal(0, np.sqrt(sigma_e2), group.size)
    fit = bt.fit_oneway(y, group)
    ref = dense_oneway(y, group, fit.sigma_b2, fit.sigma_e2)
    assert fit.mu == pytest.approx(ref.mu, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(fit.blup, ref.b_hat, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(fit.cond_var, ref.cond_var, rtol=1e-7, atol=1e-12)
    assert fit.loglik == pytest.approx(ref.loglik_reml, rel=1e-9)
    if ref.pev is not None:
        np.testing.assert_allclose(fit.pev, ref.pev, rtol=1e-6)
    # the weights stay in [0, 1] and equal the closed form at the estimates
    np.testing.assert_allclose(fit.w, fit.n * fit.sigma_b2 / (fit.n * fit.sigma_b2 + fit.sigma_e2), rtol=1e-12)
    if fit.singular:
        assert fit.sigma_b2 == 0.0 and np.all(fit.blup == 0.0)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(2, 10), min_size=2, max_size=6), st.integers(0, 2**32 - 1))
def test_fit_does_not_mutate_inputs(sizes, seed):
    rng = np.random.default_rng(seed)
    group = np.repeat(np.array([f"g{i}" for i in range(len(sizes))]), sizes)
    y = rng.normal(size=group.size)
    y0, g0 = y.copy(), group.copy()
    bt.fit_oneway(y, group)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(group, g0)
