"""Tests of blupteach.intervals and blupteach.coverage (claims C17-C19, lesson 05).

Expected values come from published fits (lme4 on Dyestuff), hand arithmetic, or an
independent computation: the inverse of Henderson's coefficient matrix, formed densely here.
Monte-Carlo checks state their size; their tolerance is 4 binomial (or sample) standard
errors of that size, so a correct simulator fails about once in 16,000 runs, and the seeds
are fixed so a run is reproducible.
"""

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import blupteach as bt
from blupteach.coverage import BANDS, band_coverage, estimate_variances, conditional_coverage, simulate_coverage
from blupteach import variance_split
from blupteach.intervals import prediction_interval, prediction_variance_parts, variance_parts, variance_parts_mme


# ---------------------------------------------------------------------------
# the independent reference: Henderson's coefficient matrix, inverted densely
# ---------------------------------------------------------------------------
def henderson_pev(X, Z, G, sigma_e2, x0, z0, new_observation=True):
    """σ_ε²·k'C⁻¹k (+ σ_ε²) with C = [[X'X, X'Z], [Z'X, Z'Z + σ_ε² G⁻¹]], k = [x0; z0]."""
    X, Z, G = np.asarray(X, float), np.asarray(Z, float), np.asarray(G, float)
    C = np.block([[X.T @ X, X.T @ Z], [Z.T @ X, Z.T @ Z + sigma_e2 * np.linalg.inv(G)]])
    Cinv = np.linalg.inv(C)
    K = np.hstack([np.atleast_2d(x0), np.atleast_2d(z0)])
    pev = sigma_e2 * np.einsum("ij,jk,ik->i", K, Cinv, K)
    return pev + (sigma_e2 if new_observation else 0.0), Cinv


def oneway_design(n):
    codes = np.repeat(np.arange(len(n)), n)
    return np.ones((codes.size, 1)), np.eye(len(n))[codes], codes


@pytest.fixture(scope="module")
def dyestuff_fit():
    d = bt.datasets.load("dyestuff")
    return bt.fit_oneway(d["Yield"], d["Batch"])


# ---------------------------------------------------------------------------
# Dyestuff: the published check (lme4 REML variances plugged in, every batch)
# ---------------------------------------------------------------------------
def test_dyestuff_published_numbers(dyestuff_fit):
    fit = dyestuff_fit
    rel = 1e-6   # the published values carry 8 significant digits
    assert fit.var_mu == pytest.approx(375.71669, rel=rel)
    assert fit.cond_var == pytest.approx(np.full(6, 383.63373), rel=rel)
    assert fit.pev == pytest.approx(np.full(6, 613.70314), rel=rel)
    gm = prediction_variance_parts(fit, target="group_mean")
    new = prediction_variance_parts(fit, target="new_observation")
    assert gm["total"].to_numpy() == pytest.approx(np.full(6, 401.40311), rel=rel)
    assert new["total"].to_numpy() == pytest.approx(np.full(6, 2852.65307), rel=rel)
    # the naive sum Var(μ̂) + c_i + σ_ε² double-counts: 3210.6004 is wrong
    naive = fit.var_mu + fit.cond_var[0] + fit.sigma_e2
    assert naive == pytest.approx(3210.6004, rel=rel)
    assert abs(new["total"].iloc[0] - naive) > 300


def test_dyestuff_interval(dyestuff_fit):
    pi = prediction_interval(dyestuff_fit, 0.95, target="group_mean")
    assert pi["se"].to_numpy() ** 2 == pytest.approx(np.full(6, 401.40311), rel=1e-6)
    z = 1.959963984540054
    assert (pi["upper"] - pi["prediction"]).to_numpy() == pytest.approx(z * pi["se"].to_numpy(), rel=1e-12)
    assert (pi["prediction"] - pi["lower"]).to_numpy() == pytest.approx(z * pi["se"].to_numpy(), rel=1e-12)
    assert pi["prediction"].to_numpy() == pytest.approx(dyestuff_fit.mu + dyestuff_fit.blup, rel=1e-12)
    # a wider level, a wider interval
    pi99 = prediction_interval(dyestuff_fit, 0.99, target="group_mean")
    assert ((pi99["upper"] - pi99["lower"]) > (pi["upper"] - pi["lower"])).all()


# ---------------------------------------------------------------------------
# C17: the parts' total equals the Henderson PEV (computed independently)
# ---------------------------------------------------------------------------
def test_hand_example():
    """Two groups of one reading, σ_b² = σ_ε² = 1: w = 1/2, Var(μ̂) = 1."""
    parts = variance_parts([1, 1], 1.0, 1.0)
    assert parts.loc[0, ["mean", "deviation", "noise", "total"]].tolist() == [0.25, 0.5, 1.0, 1.75]
    parts = variance_parts([1, 3], 2.0, 4.0, target="group_mean")
    # w = (2/6, 6/10); u = (1/6, 3/10); Var(μ̂) = 1/(1/6 + 3/10) = 15/7
    assert parts["mean"].tolist() == pytest.approx([(2 / 3) ** 2 * 15 / 7, (2 / 5) ** 2 * 15 / 7])
    assert parts["deviation"].tolist() == pytest.approx([(2 / 3) * 2, (2 / 5) * 2])
    assert parts["noise"].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("n", [[5] * 6, [1, 2, 3, 8, 20, 2, 1]], ids=["balanced", "unbalanced"])
@pytest.mark.parametrize("target", ["group_mean", "new_observation"])
def test_C17_oneway_total_equals_henderson(n, target):
    sigma_b2, sigma_e2 = 3.0, 7.0
    X, Z, _ = oneway_design(n)
    g = len(n)
    parts = variance_parts(n, sigma_b2, sigma_e2, target=target)
    expected, Cinv = henderson_pev(X, Z, sigma_b2 * np.eye(g), sigma_e2, np.ones((g, 1)), np.eye(g),
                                   new_observation=target == "new_observation")
    assert parts["total"].to_numpy() == pytest.approx(expected, rel=1e-10), "C17: parts must add to Henderson's PEV"
    # and the parts are the covariance-free split, not Var(μ̂) or the PEV of b̂ (which double-count)
    w = np.array(n) * sigma_b2 / (np.array(n) * sigma_b2 + sigma_e2)
    assert parts["deviation"].to_numpy() == pytest.approx(w * sigma_e2 / np.array(n), rel=1e-12)
    assert parts["mean"].to_numpy() == pytest.approx((1 - w) ** 2 * sigma_e2 * Cinv[0, 0], rel=1e-10)


@pytest.mark.parametrize("data", ["dyestuff", "radon"])
def test_C17_fit_oneway_total_equals_henderson(data, dyestuff_fit):
    if data == "dyestuff":
        fit = dyestuff_fit
    else:
        r = bt.datasets.load("radon_mn")
        fit = bt.fit_oneway(r["log_radon"], r["county"])      # 1 to 116 homes a county
    n = fit.n.astype(int)
    X, Z, _ = oneway_design(n)
    g = n.size
    for target in ("group_mean", "new_observation"):
        expected, Cinv = henderson_pev(X, Z, fit.sigma_b2 * np.eye(g), fit.sigma_e2, np.ones((g, 1)), np.eye(g),
                                       new_observation=target == "new_observation")
        got = prediction_variance_parts(fit, target=target)["total"].to_numpy()
        assert got == pytest.approx(expected, rel=1e-9)
    # Henderson's PEV of b̂_i itself is the lower diagonal of σ_ε² C⁻¹
    assert fit.pev == pytest.approx(fit.sigma_e2 * np.diag(Cinv)[1:], rel=1e-9)


def test_C17_general_split_equals_henderson_random_slopes():
    """variance_parts_mme on an intercept-and-slope model with a dense G: own small MME."""
    rng = np.random.default_rng(11)
    g, sizes = 7, np.array([2, 5, 3, 9, 1, 4, 6])
    codes = np.repeat(np.arange(g), sizes)
    x = rng.uniform(0, 5, codes.size)
    X = np.column_stack([np.ones(codes.size), x])
    Z = np.zeros((codes.size, 2 * g))
    Z[np.arange(codes.size), 2 * codes] = 1.0
    Z[np.arange(codes.size), 2 * codes + 1] = x
    S = np.array([[4.0, 0.6], [0.6, 0.5]])
    G = np.kron(np.eye(g), S)
    sigma_e2 = 2.5
    # targets: each group at x = 3 (a new visit), and one at the group's mean row
    x0 = np.tile([1.0, 3.0], (g, 1))
    z0 = np.zeros((g, 2 * g))
    z0[np.arange(g), 2 * np.arange(g)] = 1.0
    z0[np.arange(g), 2 * np.arange(g) + 1] = 3.0
    for new in (True, False):
        parts = variance_parts_mme(X, Z, G, sigma_e2, x0, z0, target="new_observation" if new else "group_mean")
        expected, _ = henderson_pev(X, Z, G, sigma_e2, x0, z0, new_observation=new)
        assert parts["total"].to_numpy() == pytest.approx(expected, rel=1e-10)
        assert (parts[["mean", "deviation"]].to_numpy() > 0).all()


def test_general_split_allows_zero_variance():
    """A boundary fit (σ_b² = 0): no G⁻¹ needed, deviation 0, mean = Var(μ̂) = σ_ε²/N."""
    X, Z, _ = oneway_design([3, 4])
    parts = variance_parts_mme(X, Z, np.zeros((2, 2)), 2.0, [[1.0], [1.0]], np.eye(2), target="group_mean")
    assert parts["deviation"].tolist() == pytest.approx([0.0, 0.0], abs=1e-14)
    assert parts["mean"].tolist() == pytest.approx([2.0 / 7, 2.0 / 7], rel=1e-12)


# ---------------------------------------------------------------------------
# the general fit (bt.fit_lmm): the same split, checked against Henderson
# ---------------------------------------------------------------------------
def _lmm_henderson(fit, target, factor=None):
    """Henderson PEV for the adapter's targets, after checking the adapter's X, Z, G against the fit:
    the dense MME solution [β̂; b̂] = C⁻¹[X'y; Z'y] must reproduce the fit's fixef and ranef."""
    d = fit.prediction_design(factor=factor)
    X, Z, G, x0, z0 = d.X, d.Z.toarray(), d.G, d.x0, d.z0.toarray()
    expected, Cinv = henderson_pev(X, Z, G, fit.sigma2, x0, z0, new_observation=target == "new_observation")
    y = fit.design.y
    sol = Cinv @ np.r_[X.T @ y, Z.T @ y]
    b_fit = np.concatenate([fit.ranef[blk.spec.name].to_numpy(float).ravel() for blk in fit.design.blocks])
    assert sol[:X.shape[1]] == pytest.approx(fit.fixef.to_numpy(), rel=1e-6, abs=1e-8)
    assert sol[X.shape[1]:] == pytest.approx(b_fit, rel=1e-5, abs=1e-6 * np.abs(b_fit).max())
    return expected


def _crossed_data():
    rng = np.random.default_rng(31)
    a, b = rng.integers(0, 12, 300), rng.integers(0, 9, 300)
    y = rng.normal(size=300) + rng.normal(size=12)[a] + 0.7 * rng.normal(size=9)[b]
    return pd.DataFrame({"y": y, "a": [f"a{k:02d}" for k in a], "b": [f"b{k}" for k in b]})


@pytest.mark.parametrize("path", ["blocks", "chunks"])
@pytest.mark.parametrize("case", ["dyestuff", "unbalanced", "sleepstudy", "crossed", "known_K"])
def test_C17_general_fit_total_equals_henderson(case, path, monkeypatch):
    """Both ways intervals.py solves: D block by block (independent blocks of b), and M
    factored once with the targets solved a few at a time (forced here: BLOCK_MAX = 0,
    chunks of 5 targets, so chunk edges are crossed)."""
    if path == "chunks":
        monkeypatch.setattr(variance_split, "BLOCK_MAX", 0)
        monkeypatch.setattr(variance_split, "TARGET_CHUNK", 5)
    fit_lmm, factor = bt.fit_lmm, None
    if case == "dyestuff":
        fit = fit_lmm("Yield ~ 1 + (1 | Batch)", bt.datasets.load("dyestuff"))
        # the same numbers as the one-way fit, hence as published
        assert prediction_variance_parts(fit, target="group_mean")["total"].to_numpy() == pytest.approx(
            np.full(6, 401.40311), rel=1e-5)
        assert prediction_variance_parts(fit)["total"].to_numpy() == pytest.approx(np.full(6, 2852.65307), rel=1e-5)
        one = bt.fit_oneway(bt.datasets.load("dyestuff")["Yield"], bt.datasets.load("dyestuff")["Batch"])
        assert prediction_interval(fit)["prediction"].to_numpy() == pytest.approx(one.mu + one.blup, rel=1e-7)
    elif case == "unbalanced":
        data = bt.simulate_oneway([1, 2, 3, 8, 20, 2, 5], 4.0, 2.0, mu=10.0, seed=3).frame("group")   # interior optimum
        fit = fit_lmm("y ~ 1 + (1 | group)", data)
        one = bt.fit_oneway(data["y"], data["group"])
        assert prediction_variance_parts(fit)["total"].to_numpy() == pytest.approx(
            prediction_variance_parts(one)["total"].to_numpy(), rel=1e-4)
    elif case == "sleepstudy":
        fit = fit_lmm("Reaction ~ Days + (Days | Subject)", bt.datasets.load("sleepstudy"))
    elif case == "crossed":
        fit, factor = fit_lmm("y ~ 1 + (1 | a) + (1 | b)", _crossed_data()), "b"
    else:
        data = _crossed_data()
        rng = np.random.default_rng(32)
        M = rng.normal(size=(12, 12))
        levels = [f"a{k:02d}" for k in range(12)]
        K = pd.DataFrame(M @ M.T / 12 + np.eye(12), index=levels, columns=levels)
        fit = fit_lmm("y ~ 1 + (1 | a)", data, K={"a": K})
    for target in ("group_mean", "new_observation"):
        got = prediction_variance_parts(fit, target=target, factor=factor)["total"].to_numpy()
        assert got == pytest.approx(_lmm_henderson(fit, target, factor), rel=1e-9), "C17 (general fit)"
    pi = prediction_interval(fit, 0.9, factor=factor)
    assert np.isfinite(pi.to_numpy()).all() and (pi["upper"] > pi["lower"]).all()


# ---------------------------------------------------------------------------
# C18: sparse data, a very wide interval
# ---------------------------------------------------------------------------
def test_C18_width_decreases_in_n():
    n = np.arange(0, 60)
    for target in ("group_mean", "new_observation"):
        total = variance_parts(n, 25.0, 100.0, target=target, var_mu=3.0)["total"].to_numpy()
        assert (np.diff(total) < 0).all(), "C18: the interval must narrow as n grows"
    # the group mean's interval shrinks to Var(μ̂)·0 + 0 as n → ∞; a new reading's to σ_ε²
    big = variance_parts([10**7], 25.0, 100.0, target="new_observation", var_mu=3.0)
    assert big["total"].iloc[0] == pytest.approx(100.0, rel=1e-4)


# ---------------------------------------------------------------------------
# coverage: simulated against exact
# ---------------------------------------------------------------------------
def test_conditional_coverage_averages_to_level():
    for target in ("group_mean", "new_observation"):
        assert band_coverage(0, np.inf, 5, 25.0, 100.0, 10, target=target) == pytest.approx(0.95, abs=1e-8)
    # an individual at the mean is over-covered, one at 3σ_b badly under-covered
    c = conditional_coverage(np.array([0.0, 15.0]), 5, 25.0, 100.0, 10)
    assert c[0] > 0.95 > c[1]


def test_known_variances_cover_at_level_overall_and_less_for_extremes():
    """40,000 intervals: SE of the overall share ≈ 0.0011, tolerance 4 SE."""
    r = simulate_coverage(5, 25.0, 100.0, 10, sims=4000, seed=20)
    assert r.count == 40000
    assert abs(r.overall - 0.95) < 4 * np.sqrt(0.95 * 0.05 / r.count)
    for (lo, hi), row in zip(zip(BANDS[:-1], BANDS[1:]), r.by_band.itertuples()):
        exact = band_coverage(lo, hi, 5, 25.0, 100.0, 10)
        assert abs(row.coverage - exact) < 4 * np.sqrt(exact * (1 - exact) / row.count), row.band
    assert r.extreme < 0.95 - 4 * r.extreme_se, "extreme individuals must be covered less often"


def test_estimated_variances_undercover_with_few_groups():
    """4,000 data sets each: SEs ≤ 0.004; the gaps are many SEs wide."""
    few = simulate_coverage(5, 25.0, 100.0, 5, sims=4000, variances="estimated", seed=21)
    many = simulate_coverage(5, 25.0, 100.0, 50, sims=4000, variances="estimated", seed=21)
    known = simulate_coverage(5, 25.0, 100.0, 5, sims=4000, variances="known", seed=21)
    assert few.overall < 0.95 - 4 * few.overall_se
    assert few.overall < many.overall - 4 * np.hypot(few.overall_se, many.overall_se)
    assert few.overall < known.overall - 4 * np.hypot(few.overall_se, known.overall_se)
    assert few.extreme < few.overall


def test_simulator_estimator_is_fit_oneway_reml():
    """Balanced: the closed-form estimates (inside and on the boundary) equal fit_oneway's REML."""
    seen_boundary = False
    for seed, sb2 in [(1, 4.0), (2, 0.05), (3, 1.0), (4, 0.01), (5, 0.02)]:
        data = bt.simulate_oneway([4] * 6, sb2, 3.0, seed=seed).frame("group")
        fit = bt.fit_oneway(data["y"], data["group"])
        ybar = data.groupby("group")["y"].mean().to_numpy()[None, :]
        ssw = float(((data["y"] - data.groupby("group")["y"].transform("mean")) ** 2).sum())
        sb2_hat, se2_hat = estimate_variances(ybar, np.array([ssw]), np.full(6, 4.0), balanced=True)
        assert sb2_hat[0] == pytest.approx(fit.sigma_b2, rel=1e-6, abs=1e-9)
        assert se2_hat[0] == pytest.approx(fit.sigma_e2, rel=1e-6)
        seen_boundary |= fit.sigma_b2 == 0
    assert seen_boundary, "the cases must include a boundary fit"


def test_simulation_is_seeded():
    a = simulate_coverage(3, 2.0, 5.0, 8, sims=300, variances="estimated", seed=7)
    b = simulate_coverage(3, 2.0, 5.0, 8, sims=300, variances="estimated", seed=7)
    c = simulate_coverage(3, 2.0, 5.0, 8, sims=300, variances="estimated", seed=8)
    assert a.overall == b.overall and a.by_band.equals(b.by_band)
    assert a.overall != c.overall


def test_unbalanced_simulation_runs():
    r = simulate_coverage([1, 2, 5, 10, 20], 25.0, 100.0, 5, sims=2000, variances="estimated",
                          target="new_observation", seed=3)
    assert 0.5 < r.overall < 0.96


# ---------------------------------------------------------------------------
# bad input: ValueError naming the argument
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, 95, float("nan"), "0.95", None, True])
def test_level_outside_unit_interval(dyestuff_fit, level):
    with pytest.raises(ValueError, match="level"):
        prediction_interval(dyestuff_fit, level)
    with pytest.raises(ValueError, match="level"):
        simulate_coverage(5, 1.0, 1.0, 5, sims=10, level=level, seed=0)


def test_unknown_target(dyestuff_fit):
    with pytest.raises(ValueError, match="target"):
        prediction_interval(dyestuff_fit, target="new_patient")
    with pytest.raises(ValueError, match="target"):
        prediction_variance_parts(dyestuff_fit, target="mean")
    with pytest.raises(ValueError, match="target"):
        simulate_coverage(5, 1.0, 1.0, 5, sims=10, target="x", seed=0)


@pytest.mark.parametrize("bad", ["no attributes", "nan variance", "no varcorr"])
def test_fit_without_variances(dyestuff_fit, bad):
    fit = {"no attributes": object(),
           "nan variance": replace(dyestuff_fit, sigma_b2=float("nan")),
           "no varcorr": SimpleNamespace(sigma2=1.0, n=np.array([2.0]))}[bad]
    with pytest.raises(ValueError, match="fit must be a fitted model with variance estimates"):
        prediction_variance_parts(fit)
    with pytest.raises(ValueError, match="fit"):
        prediction_interval(fit)


def test_zero_groups(dyestuff_fit):
    empty = replace(dyestuff_fit, n=np.array([]), levels=pd.Index([]), mean=np.array([]))
    with pytest.raises(ValueError, match="n is empty|no targets"):
        prediction_variance_parts(empty)
    with pytest.raises(ValueError, match="groups"):
        simulate_coverage(5, 1.0, 1.0, 0, sims=10, seed=0)
    with pytest.raises(ValueError, match="n (is empty|must hold)"):
        variance_parts([], 1.0, 1.0)


def test_other_bad_input(dyestuff_fit):
    with pytest.raises(ValueError, match="variances"):
        simulate_coverage(5, 1.0, 1.0, 5, sims=10, variances="guessed", seed=0)
    with pytest.raises(ValueError, match="sims"):
        simulate_coverage(5, 1.0, 1.0, 5, sims=0, seed=0)
    with pytest.raises(ValueError, match="sigma_b2"):
        variance_parts([2], -1.0, 1.0)
    with pytest.raises(ValueError, match="factor"):
        prediction_interval(dyestuff_fit, factor="Machine")
    with pytest.raises(ValueError, match="G must have 2 rows"):
        variance_parts_mme(np.ones((2, 1)), np.eye(2), np.eye(3), 1.0, [[1.0]], [[1.0, 0.0]])


def test_inputs_not_mutated():
    n = np.array([1, 2, 3])
    before = n.copy()
    variance_parts(n, 1.0, 2.0)
    assert (n == before).all()


# ---------------------------------------------------------------------------
# lesson 05 panels, headless
# ---------------------------------------------------------------------------
def test_variance_parts_panel_moves_bars_in_place():
    from blupteach.panels.interval_figures import CLINIC, CLINIC_N
    p = bt.panels.variance_parts()
    ax_b = p.figure.axes[0]
    n_patches, n_texts = len(ax_b.patches), len(ax_b.texts)
    p.update(n=3, sigma_b2=50.0, sigma_e2=20.0, g=4, new_reading=1)
    var_mu = (50.0 + 20.0 / CLINIC_N) / 4                      # the clinic: 4 patients of 5 readings
    parts = variance_parts([*CLINIC.values(), 3], 50.0, 20.0, var_mu=var_mu)
    heights = np.array([r.get_height() for r in ax_b.patches]).reshape(3, -1)
    bottoms = np.array([r.get_y() for r in ax_b.patches]).reshape(3, -1)
    shares = 100 * parts[["mean", "deviation", "noise"]].to_numpy().T / parts["total"].to_numpy()
    assert heights == pytest.approx(shares, rel=1e-12)
    assert bottoms[2] == pytest.approx(shares[0] + shares[1], rel=1e-12)
    assert heights.sum(axis=0) == pytest.approx(100.0)
    assert [t.get_text() for t in ax_b.texts[:7]] == [f"{v:.0f}" for v in parts["total"]]
    assert len(ax_b.patches) == n_patches and len(ax_b.texts) == n_texts, "bars must be moved, not redrawn"
    # the width curve of a new reading at n = 20 is Bob's
    x, y = p.figure.axes[1].lines[0].get_data()
    assert y[19] == pytest.approx(1.959963984540054 * np.sqrt(parts["total"].iloc[5]), rel=1e-9)
    # the patient's mean: no noise part, and the mean part's share grows as g falls
    p.update(new_reading=0, g=100)
    heights = np.array([r.get_height() for r in ax_b.patches]).reshape(3, -1)
    assert heights[2] == pytest.approx(0.0, abs=1e-12)
    big_g_share = heights[0, 0]
    p.update(g=2)
    small_g_share = np.array([r.get_height() for r in ax_b.patches]).reshape(3, -1)[0, 0]
    assert small_g_share > 5 * big_g_share


def test_variance_parts_panel_axes_hold_every_value():
    """Right axis fixed from the slider box: the widest curve at every corner stays inside it."""
    from blupteach.panels.interval_figures import SPEC
    p = bt.panels.variance_parts()
    top = p.figure.axes[1].get_ylim()[1]
    for sb2 in (SPEC["sigma_b2"].min, SPEC["sigma_b2"].max):
        for se2 in (SPEC["sigma_e2"].min, SPEC["sigma_e2"].max):
            p.update(n=1, sigma_b2=sb2, sigma_e2=se2, g=2, new_reading=1)
            assert max(p.figure.axes[1].lines[0].get_ydata()) <= top
    # at the defaults the curves use a good part of the axis (no axis far past the data)
    p.reset()
    assert max(p.figure.axes[1].lines[0].get_ydata()) > 0.3 * top


def test_caterpillar_panel_level_slider_and_order_by_n():
    p = bt.panels.caterpillar()
    ax = p.figure.axes[0]
    segs = ax.collections[0]
    widths = []
    for level in (0.5, 0.8, 0.95, 0.99):
        p.update(level=level)
        s = np.asarray(segs.get_segments())
        widths.append(float(np.mean(s[:, 1, 0] - s[:, 0, 0])))
    assert np.all(np.diff(widths) > 0)
    s = np.asarray(segs.get_segments())
    half = (s[:, 1, 0] - s[:, 0, 0]) / 2
    assert half[:5].mean() > 1.5 * half[-5:].mean(), "ordered by n: the smallest groups' intervals are widest"
    assert "smallest" in ax.texts[0].get_text()
    p.update(level=0.9)
    pi = prediction_interval(bt.panels.interval_figures.exam_schools_fit(), 0.9, target="group_mean")
    s = np.asarray(segs.get_segments())
    assert np.sort(s[:, 0, 0]) == pytest.approx(np.sort(pi["lower"].to_numpy()), rel=1e-12), "segments = bt.prediction_interval"
    with pytest.raises(ValueError, match="fit"):
        bt.panels.caterpillar(bt.fit_lmm("Reaction ~ Days + (1 | Subject)", bt.datasets.load("sleepstudy")))


@pytest.mark.parametrize("module", ["intervals", "coverage", "best_linear", "posterior", "oneway", "simulate.patients", "simulate.studies"])
def test_docstring_examples_hold(module):
    """The hand-checkable examples in the docstrings are true."""
    import doctest
    import importlib
    res = doctest.testmod(importlib.import_module(f"blupteach.{module}"), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert res.attempted >= 2 and res.failed == 0


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(n=st.lists(st.integers(0, 12), min_size=1, max_size=7).filter(lambda v: sum(v) > 0),
       sigma_b2=st.floats(0.05, 50.0), sigma_e2=st.floats(0.05, 50.0))
def test_C17_property_total_equals_henderson(n, sigma_b2, sigma_e2):
    """Any design (a group may have no readings yet) and variances: parts add to Henderson's PEV."""
    X, Z, _ = oneway_design(n)
    g = len(n)
    parts = variance_parts(n, sigma_b2, sigma_e2)
    expected, _ = henderson_pev(X, Z, sigma_b2 * np.eye(g), sigma_e2, np.ones((g, 1)), np.eye(g))
    assert parts["total"].to_numpy() == pytest.approx(expected, rel=1e-8)
    assert (parts[["mean", "deviation", "noise"]].to_numpy() >= 0).all()
