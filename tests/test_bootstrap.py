"""Parametric bootstrap intervals (blupteach.bootstrap): seeded, wider than plug-in, better coverage."""
import numpy as np
import pytest

import blupteach as bt


def test_quantile_exceeds_z_and_is_seeded():
    q1 = bt.bootstrap_quantile([5] * 10, [25.0, 5.0], [100.0, 100.0], boot=300, seed=3)
    q2 = bt.bootstrap_quantile([5] * 10, [25.0, 5.0], [100.0, 100.0], boot=300, seed=3)
    assert q1.shape == (2, 10) and np.array_equal(q1, q2)
    assert (q1 > 1.96).all(), "the variance estimates' scatter must widen the pivot's tails"
    assert np.allclose(q1, q1[:, :1]), "balanced: one quantile for all groups"


def test_quantile_with_huge_groups_tends_to_z():
    """Many groups and readings: the estimates are nearly exact, so q -> z = 1.96."""
    q = bt.bootstrap_quantile([50] * 400, 25.0, 100.0, boot=50, seed=0)
    assert abs(q[0] - 1.96) < 0.05


def test_coverage_same_data_as_simulate_coverage_and_closer_to_nominal():
    r = bt.simulate_bootstrap_coverage(5, 25.0, 100.0, 10, sims=600, boot=150, seed=11)
    plug = bt.simulate_coverage(5, 25.0, 100.0, 10, sims=600, seed=11, variances="estimated")
    assert r.plug_in == pytest.approx(plug.overall, abs=1e-12), "same data sets as simulate_coverage"
    assert r.difference > 4 * r.difference_se
    assert abs(r.bootstrap - 0.95) < abs(r.plug_in - 0.95)
    assert r.bootstrap_width > r.plug_in_width


def test_unbalanced_design_quantile_per_n():
    q = bt.bootstrap_quantile([2, 2, 20, 20, 5], 25.0, 100.0, boot=400, seed=1)
    assert q[0] == q[1] and q[2] == q[3] and q[0] != q[2]


def test_interval_on_dyestuff_is_wider_than_plug_in():
    d = bt.datasets.load("dyestuff")
    fit = bt.fit_oneway(d["Yield"], d["Batch"])
    pi = bt.bootstrap_interval(fit, boot=500, seed=0)
    assert np.allclose(pi["se"] ** 2, 401.40311, rtol=1e-6)
    assert (pi["lower"] < pi["plug_in_lower"]).all() and (pi["upper"] > pi["plug_in_upper"]).all()


@pytest.mark.parametrize("kwargs, name", [
    (dict(n=[5], sigma_b2=1.0, sigma_e2=1.0), "n"),
    (dict(n=[1, 1], sigma_b2=1.0, sigma_e2=1.0), "n"),
    (dict(n=[5, 5], sigma_b2=-1.0, sigma_e2=1.0), "sigma_b2"),
    (dict(n=[5, 5], sigma_b2=1.0, sigma_e2=0.0), "sigma_e2"),
    (dict(n=[5, 5], sigma_b2=1.0, sigma_e2=1.0, level=95), "level"),
    (dict(n=[5, 5], sigma_b2=1.0, sigma_e2=1.0, boot=0), "boot"),
])
def test_bad_input_names_the_argument(kwargs, name):
    kwargs.setdefault("seed", 0)
    with pytest.raises(ValueError, match=name):
        bt.bootstrap_quantile(**kwargs)


def test_seed_is_required():
    with pytest.raises(TypeError):
        bt.bootstrap_quantile([5, 5], 1.0, 1.0)
    with pytest.raises(ValueError, match="seed"):
        bt.bootstrap_quantile([5, 5], 1.0, 1.0, seed=None)


def test_interval_refuses_unbalanced_or_non_fit():
    with pytest.raises(ValueError, match="fit"):
        bt.bootstrap_interval("not a fit", seed=0)
    fit = bt.fit_oneway([1.0, 2.0, 3.0, 4.0, 6.0], ["a", "a", "b", "b", "b"])
    with pytest.raises(ValueError, match="balanced"):
        bt.bootstrap_interval(fit, seed=0)
