"""blupteach.simulate (seeded one-way simulator, common random numbers) and lesson 01's pooling panel."""

import numpy as np
import pytest

import blupteach as bt
from blupteach.pooling import score_pooling
from blupteach.simulate import OnewaySample, StandardDraws, simulate_oneway


def test_same_seed_same_numbers_other_seed_other_numbers():
    a = simulate_oneway(3, 25.0, 100.0, g=5, mu=100.0, seed=7)
    b = simulate_oneway(3, 25.0, 100.0, g=5, mu=100.0, seed=7)
    c = simulate_oneway(3, 25.0, 100.0, g=5, mu=100.0, seed=8)
    assert np.array_equal(a.y, b.y) and np.array_equal(a.b, b.b)
    assert not np.allclose(a.y, c.y)


def test_sample_is_the_model_written_out():
    draws = StandardDraws(4, 6, seed=3)
    s = draws.sample([1, 2, 3, 6], sigma_b2=4.0, sigma_e2=9.0, mu=10.0)
    assert s.n.tolist() == [1, 2, 3, 6] and s.y.shape == (12,)
    assert s.group.tolist() == [0, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3, 3]
    expected = np.concatenate([10.0 + 2.0 * draws.z_b[i] + 3.0 * draws.z_e[i, :k] for i, k in enumerate([1, 2, 3, 6])])
    assert np.allclose(s.y, expected, rtol=0, atol=1e-12)
    assert np.allclose(s.true_mean, 10.0 + 2.0 * draws.z_b)
    assert np.allclose(s.group_means[3], expected[6:].mean())


def test_common_random_numbers_rescale_and_keep_first_readings():
    draws = StandardDraws(3, 10, seed=1)
    small, large = draws.sample(4, 1.0, 1.0), draws.sample(4, 16.0, 1.0)
    assert np.allclose(large.b, 4.0 * small.b)        # b_i = sqrt(sigma_b2) z_i, same z_i
    short, long = draws.sample(2, 1.0, 1.0), draws.sample(5, 1.0, 1.0)
    assert np.allclose(short.y[:2], long.y[:2])        # patient 0's first two readings unchanged
    again = draws.sample(4, 1.0, 1.0)
    assert np.array_equal(again.y, small.y)            # a slider moved back gives the same numbers


def test_inputs_not_mutated():
    n = np.array([2, 3])
    simulate_oneway(n, 1.0, 1.0, seed=0)
    assert n.tolist() == [2, 3]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n=3, sigma_b2=1.0, sigma_e2=1.0, g=2, seed=None), "seed"),
        (dict(n=3, sigma_b2=1.0, sigma_e2=1.0, seed=1), "g .*required"),
        (dict(n=[2, 3], sigma_b2=1.0, sigma_e2=1.0, g=3, seed=1), "g must equal"),
        (dict(n=0, sigma_b2=1.0, sigma_e2=1.0, g=2, seed=1), "n must"),
        (dict(n=2.5, sigma_b2=1.0, sigma_e2=1.0, g=2, seed=1), "n must hold whole numbers"),
        (dict(n=2, sigma_b2=-1.0, sigma_e2=1.0, g=2, seed=1), "sigma_b2 must be >= 0"),
        (dict(n=2, sigma_b2=1.0, sigma_e2=float("nan"), g=2, seed=1), "sigma_e2"),
        (dict(n=2, sigma_b2=1.0, sigma_e2=1.0, g=0, seed=1), "g must be a whole number >= 1"),
    ],
)
def test_bad_input_names_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_oneway(**kwargs)


def test_n_beyond_the_drawn_readings_is_refused():
    with pytest.raises(ValueError, match=r"n must lie in 1\.\.5"):
        StandardDraws(2, 5, seed=0).sample(6, 1.0, 1.0)


def test_score_pooling_hand_case():
    # two patients, readings (1, 3) and (5, 7); truth 3 and 5; sigma_b2 = 1, sigma_e2 = 2, n = 2:
    # own means 2, 6; grand mean 4; w = 2/(2 + 2) = 1/2; BLUPs 3, 5 (exactly the truth).
    s = OnewaySample(y=np.array([1.0, 3.0, 5.0, 7.0]), group=np.array([0, 0, 1, 1]), n=np.array([2, 2]),
                     b=np.array([-1.0, 1.0]), mu=4.0, sigma_b2=1.0, sigma_e2=2.0)
    est, mse = score_pooling(s)
    assert np.allclose(est["complete"], [4.0, 4.0]) and np.allclose(est["no"], [2.0, 6.0])
    assert np.allclose(est["partial"], [3.0, 5.0])
    assert mse == pytest.approx({"complete": 1.0, "no": 1.0, "partial": 0.0})


def test_score_pooling_refuses_other_input():
    with pytest.raises(ValueError, match="sample must be a simulated sample with its truth"):
        score_pooling([1.0, 2.0])


def test_pooling_panel_artists_follow_the_functions():
    """Mixed sizes n/4..2n; the right axes show each size's error relative to no pooling (linear axis)."""
    import blupteach.panels.pooling_strategies as mod
    panel = bt.panels.pooling()
    fig = panel.figure
    n_artists = [len(ax.get_children()) for ax in fig.axes]
    params = dict(n=7, sigma_b2=60.0, sigma_e2=20.0)
    panel.update(**params)
    sizes = mod.patient_sizes(params["n"])
    assert sorted(set(sizes.tolist())) == [2, 4, 7, 14]
    n_max = int(mod.patient_sizes(int(mod.SPEC["n"].max), len(mod.SIZES)).max())
    sample = StandardDraws(mod.N_PATIENTS, n_max, seed=mod.SEED).sample(
        sizes, params["sigma_b2"], params["sigma_e2"], mod.MU)
    est, _ = score_pooling(sample)
    cls = np.resize(np.arange(len(mod.SIZES)), mod.N_PATIENTS)
    by = {k: np.array([np.mean((v[cls == c] - sample.true_mean[cls == c]) ** 2) for c in range(len(mod.SIZES))])
          for k, v in est.items()}
    ax_p, ax_e = fig.axes
    lines = {l.get_marker(): l for l in ax_e.get_lines() if len(l.get_xdata()) == len(mod.SIZES)}
    np.testing.assert_allclose(lines["D"].get_ydata(), by["partial"] / by["no"], rtol=1e-10)
    rel_cp = by["complete"] / by["no"]        # here all far above the axis: drawn as triangles with their number
    over = rel_cp > mod.CLIP
    np.testing.assert_allclose(lines["s"].get_ydata(), np.where(over, np.nan, rel_cp), rtol=1e-10)
    up = [l for l in ax_e.get_lines() if l.get_marker() == "^"]
    assert len(up) == 1 and len(up[0].get_xdata()) == int(over.sum())
    texts = [t.get_text() for t in ax_e.texts if t.get_text()]
    assert texts == [f"{v:.0f}" for v in rel_cp[over]]
    # w is 0.86..0.98 here: little to pool, so partial pooling sits near no pooling (simulation noise either side)
    assert (lines["D"].get_ydata() < 1.05).all()
    ys = [np.asarray(c.get_offsets())[:, 1] for c in ax_p.collections
          if hasattr(c, "get_offsets") and len(c.get_offsets()) == mod.N_SHOWN]
    shown = np.array([s + len(mod.SIZES) * k for s in range(len(mod.SIZES)) for k in range(mod.PER_SIZE_SHOWN)])
    assert any(np.allclose(y, est["no"][shown]) for y in ys)
    assert any(np.allclose(y, est["partial"][shown]) for y in ys)
    assert [len(ax.get_children()) for ax in fig.axes] == n_artists     # updated in place, nothing added
    assert panel.values == params
    assert fig.get_figwidth() <= 8.5
