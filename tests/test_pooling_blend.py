"""blend_mse (lesson 01): the error of w'·ȳ_i + (1 − w')·μ̂ against the truth, and the static SE figure."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import numpy as np
import pytest

import blupteach as bt


def test_blend_mse_by_hand():
    """Two patients, truth and means set by hand: μ̂ is the GLS mean (equal n: the plain mean)."""
    s = bt.simulate_oneway(2, 25.0, 100.0, g=2, mu=0.0, seed=0)
    mu_hat = s.group_means.mean()
    for wp in (0.0, 0.3, 1.0):
        by_hand = np.mean((wp * s.group_means + (1 - wp) * mu_hat - s.true_mean) ** 2)
        assert bt.blend_mse(s, wp) == pytest.approx(by_hand, rel=1e-12)


def test_blend_mse_ends_are_complete_and_no_pooling():
    s = bt.simulate_oneway([1, 2, 5, 20] * 50, 25.0, 100.0, mu=100.0, seed=3)
    est, mse = bt.score_pooling(s)
    assert bt.blend_mse(s, 1.0) == pytest.approx(mse["no"], rel=1e-12)
    mu_hat = bt.gls_mean(s.group_means, s.n, 25.0, 100.0)
    assert bt.blend_mse(s, 0.0) == pytest.approx(np.mean((mu_hat - s.true_mean) ** 2), rel=1e-12)


@pytest.mark.parametrize("n, sigma_b2, sigma_e2", [(3, 25.0, 100.0), (10, 4.0, 100.0), (1, 100.0, 25.0)])
def test_blend_mse_minimum_sits_near_w(n, sigma_b2, sigma_e2):
    """Over many patients the empirical minimiser approaches w = nσ_b²/(nσ_b² + σ_ε²)."""
    s = bt.simulate_oneway(n, sigma_b2, sigma_e2, g=20000, mu=100.0, seed=5)
    grid = np.linspace(0, 1, 1001)
    w = bt.shrinkage_weight(n, sigma_b2, sigma_e2)
    assert grid[np.argmin(bt.blend_mse(s, grid))] == pytest.approx(w, abs=0.02)


def test_blend_mse_keeps_shape_and_refuses_bad_input():
    s = bt.simulate_oneway(2, 1.0, 1.0, g=5, seed=1)
    assert bt.blend_mse(s, np.zeros((2, 3))).shape == (2, 3)
    with pytest.raises(ValueError, match="w_prime"):
        bt.blend_mse(s, [0.5, np.nan])
    with pytest.raises(ValueError, match="sample"):
        bt.blend_mse("not a sample", 0.5)


def test_pooling_se_figure_shares_axes_and_fits():
    n = np.array([1, 2, 10, 100])
    fig, axes = bt.panels.pooling_se_figure(n, [1.0, 2.0, 1.5, 1.4], [0.8, 0.5, 0.2, 0.08], [1.4, 1.6, 1.5, 1.4],
                                            [0.3, 0.3, 0.2, 0.08], mu=1.45, xlabel="n", ylabel="y")
    assert fig.get_figwidth() <= bt.plots.MAX_WIDTH_IN
    assert axes[0].get_ylim() == axes[1].get_ylim() and axes[0].get_xlim() == axes[1].get_xlim()
    lo, hi = axes[0].get_ylim()
    assert lo < 1.0 - 0.8 and hi > 2.0 + 0.5, "every bar inside the axes"
    x_lo, x_hi = axes[0].get_xlim()
    assert x_lo < 1 and x_hi > 100, "no half-clipped marker at either end"


def test_blend_error_panel_shows_blend_mse_and_hides_w_until_asked():
    import blupteach.panels.blend as mod

    p = bt.panels.blend_error()
    ax_c = p.figure.axes[0]
    curve = [l for l in ax_c.get_lines() if len(l.get_xdata()) == len(mod.W_GRID)][0]
    best = [l for l in ax_c.get_lines() if l.get_linestyle() == "--"][0]
    assert not best.get_visible(), "the BLUP's w is hidden until the learner asks (show_w=1)"
    params = dict(w_prime=0.3, n=5, sigma_b2=10.0, sigma_e2=50.0)
    p.update(**params, show_w=1)
    sample = bt.StandardDraws(mod.N_PATIENTS, int(mod.SPEC["n"].max), seed=mod.SEED).sample(
        5, 10.0, 50.0, mod.MU)
    expected = bt.blend_mse(sample, mod.W_GRID) / bt.blend_mse(sample, 1.0)
    np.testing.assert_allclose(curve.get_ydata(), np.minimum(expected, 2 * mod.Y_TOP), rtol=1e-12)
    w = bt.shrinkage_weight(5, 10.0, 50.0)
    assert best.get_visible() and np.allclose(best.get_xdata(), w)
    assert abs(mod.W_GRID[np.argmin(curve.get_ydata())] - w) < 0.05, "the curve's bottom sits near the BLUP's w"
    assert p.figure.get_figwidth() <= bt.plots.MAX_WIDTH_IN
