"""One rule per check (issue 10 point 3): the seed rule, labels to codes, and the silent
cases the review found, each now a ValueError naming the argument; inputs never mutated."""
import numpy as np
import pandas as pd
import pytest

import blupteach as bt
from blupteach import simulate
from blupteach.coverage import band_coverage
from blupteach._validation import check_seed, group_codes


# --- one seed rule ---------------------------------------------------------------------
SEEDED = [
    lambda seed: bt.simulate_oneway(3, 1.0, 1.0, g=4, seed=seed),
    lambda seed: bt.StandardDraws(4, 3, seed=seed),
    lambda seed: bt.draw_effects(5, 1.0, seed=seed),
    lambda seed: bt.simulate_group_stats([3, 3], 1.0, 1.0, sims=2, seed=seed),
    lambda seed: simulate.simulate_replicates(2, 1.0, 1.0, g=3, reps=2, seed=seed),
    lambda seed: simulate.random_folds(10, 3, seed=seed),
    lambda seed: bt.simulate_coverage(5, 1.0, 1.0, 5, sims=10, seed=seed),
    lambda seed: bt.bias_variance([1.0], n=2, g=3, sigma_b2=1.0, sigma_e2=1.0, n_sims=2, seed=seed),
]


@pytest.mark.parametrize("draw", SEEDED)
@pytest.mark.parametrize("seed", [None, -1, 1.5, True, "3"])
def test_every_draw_refuses_a_bad_seed(draw, seed):
    with pytest.raises(ValueError, match="^seed must be a whole number >= 0 or a numpy.random.Generator"):
        draw(seed)


@pytest.mark.parametrize("fn", [bt.simulate_oneway, bt.StandardDraws, bt.draw_effects, bt.simulate_group_stats,
                                simulate.simulate_replicates, simulate.random_folds, bt.simulate_coverage,
                                bt.bias_variance, bt.cv_lambda])
def test_every_draw_needs_its_seed(fn):
    """No draw falls back to an unseeded (or silently fixed) default: seed has no default value."""
    import inspect
    param = inspect.signature(fn).parameters["seed"]
    assert param.default is inspect.Parameter.empty, f"{fn.__name__}(seed=...) must be required"


def test_same_seed_same_numbers():
    a = bt.simulate_group_stats([3, 5], 2.0, 1.0, sims=4, seed=11)
    b = bt.simulate_group_stats([3, 5], 2.0, 1.0, sims=4, seed=11)
    np.testing.assert_array_equal(a.group_means, b.group_means)
    np.testing.assert_array_equal(a.ssw, b.ssw)


def test_a_generator_is_used_as_given():
    rng = np.random.default_rng(5)
    assert check_seed(rng) is rng
    first = bt.draw_effects(3, 1.0, seed=rng)
    second = bt.draw_effects(3, 1.0, seed=rng)            # the generator advanced
    assert not np.array_equal(first, second)
    np.testing.assert_array_equal(first, bt.draw_effects(3, 1.0, seed=np.random.default_rng(5)))


def test_two_point_effects_are_plus_minus_sigma_b():
    s = bt.simulate_oneway(2, 9.0, 1.0, g=50, effects="two_point", seed=1)
    assert set(np.abs(s.b).round(12)) == {3.0}


# --- one rule for labels -----------------------------------------------------------------
@pytest.mark.parametrize("labels", [["a", None, "b"], ["a", np.nan, "b"], pd.Series(["a", pd.NA, "b"], dtype="string"),
                                    [1.0, np.nan, 2.0]])
def test_missing_labels_raise_everywhere(labels):
    with pytest.raises(ValueError, match=r"group has 1 missing label \(row 1\)"):
        group_codes(labels)
    for call in (lambda: bt.gaussian_posterior_mean([1.0, 2.0, 3.0], labels, 1.0, 1.0),
                 lambda: bt.blup_matrix(labels, 1.0, 1.0),
                 lambda: bt.indicator_design(labels),
                 lambda: bt.fit_oneway([1.0, 2.0, 3.0], labels)):
        with pytest.raises(ValueError, match="group has 1 missing label"):
            call()


def test_labels_keep_their_type_and_sort():
    codes, levels = group_codes([3, 1, 3, 2])
    assert codes.tolist() == [2, 0, 2, 1] and levels.tolist() == [1, 2, 3]


# --- the silent cases the review found ---------------------------------------------------
def test_penalized_objective_refuses_several_lams():
    with pytest.raises(ValueError, match="^lam must be a single number"):
        bt.penalized_objective([0.0], [1.0], [[1.0]], [[1.0]], [2.0], [3, 5])


def test_bias_variance_refuses_nan_mu():
    with pytest.raises(ValueError, match="^mu must be a finite number"):
        bt.bias_variance([1.0], n=2, g=3, sigma_b2=1.0, sigma_e2=1.0, mu=np.nan, seed=0)


def test_wrong_length_index_names_index():
    with pytest.raises(ValueError, match="^index must have 3 labels"):
        bt.variance_parts([1, 2, 3], 1.0, 1.0, index=["a", "b"])


@pytest.mark.parametrize("name", [3, "", None.__class__])
def test_fit_oneway_group_name_must_be_text(name):
    with pytest.raises(ValueError, match="^group_name must be a non-empty string"):
        bt.fit_oneway([1.0, 2.0, 3.0, 5.0], ["a", "a", "b", "b"], group_name=name)


@pytest.mark.parametrize("call, match", [
    (lambda: bt.conditional_variance(3, np.nan, 1.0), "^sigma_b2 has 1 NaN|^sigma_b2 must be a finite"),
    (lambda: bt.pev([2, 2], 1.0, 1.0, target="mean"), "^target must be one of"),
    (lambda: bt.pev([0, 0], 1.0, 1.0), "^n must hold at least one group"),
    (lambda: bt.var_gls_mean([2, -1], 1.0, 1.0), "^n must be >= 0"),
    (lambda: bt.gls_mean([1.0, np.inf], [2, 2], 1.0, 1.0), "^group_means has 1 NaN or infinite"),
    (lambda: bt.two_point_posterior_mean(0.0, 0, 1.0, 1.0), "^n must be >= 1"),
    (lambda: bt.two_point_posterior_mean(0.0, 2, 1.0, 1.0, mu=np.nan), "^mu must be a finite"),
    (lambda: bt.linear_predictor_mse(0.5, 4, 1.0, 0.0), "^sigma_e2 must be > 0"),
    (lambda: band_coverage(2.0, 1.0, 5, 1.0, 1.0, 5), "^lo and hi must satisfy"),
    (lambda: bt.simulate_coverage(5, 1.0, 1.0, 5, sims=10, extreme=np.nan, seed=0), "^extreme must be a finite"),
    (lambda: bt.oneway_loglik("stats", 0.0, 1.0, 1.0), "^stats must be the OnewayStats"),
    (lambda: bt.simulate_group_stats([3, 0], 1.0, 1.0, sims=2, seed=0), "^n must be a list of whole numbers >= 1"),
])
def test_bad_input_names_the_argument(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_new_closed_forms_broadcast_and_do_not_mutate():
    n = np.array([2, 20])
    sb2 = np.array([[1.0], [4.0]])              # two designs (rows) at once
    keep = n.copy(), sb2.copy()
    v = bt.var_gls_mean(n, sb2, 4.0)
    assert v.shape == (2,)
    assert v[0] == pytest.approx(1 / (2 / 6 + 20 / 24))            # u_k = n_k/(n_k sigma_b2 + sigma_e2)
    assert v[1] == pytest.approx(1 / (2 / 12 + 20 / 84))
    p = bt.pev(n, sb2, 4.0)
    assert p.shape == (2, 2)
    np.testing.assert_array_equal(n, keep[0])
    np.testing.assert_array_equal(sb2, keep[1])
