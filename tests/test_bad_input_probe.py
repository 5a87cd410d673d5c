"""Every public function probed with bad input (issue 10, "Bad input"): NaN, inf, an empty
array, text, a wrong length, None.  Each probe must either raise ValueError naming the
argument, or return a result with no NaN; no other exception type, and inputs unchanged."""
import copy

import numpy as np
import pandas as pd
import pytest

import blupteach as bt

D = bt.datasets.load("dyestuff")
FIT = bt.fit_oneway(D["Yield"], D["Batch"])

# name -> (function, valid keyword arguments)
CASES = {
    "shrinkage_weight": (bt.shrinkage_weight, dict(n=[2, 20], sigma_b2=25.0, sigma_e2=100.0)),
    "blup": (bt.blup, dict(group_means=[10.0, 14.0], n=[2, 20], mu=12.0, sigma_b2=1.0, sigma_e2=4.0)),
    "partial_pooling": (bt.partial_pooling, dict(group_means=[10.0, 14.0], n=[2, 20], mu=12.0, sigma_b2=1.0, sigma_e2=4.0)),
    "gls_mean": (bt.gls_mean, dict(group_means=[10.0, 14.0], n=[2, 20], sigma_b2=1.0, sigma_e2=4.0)),
    "gls_weights": (bt.gls_weights, dict(n=[2, 20], sigma_b2=1.0, sigma_e2=4.0)),
    "var_gls_mean": (bt.var_gls_mean, dict(n=[2, 20], sigma_b2=1.0, sigma_e2=4.0)),
    "conditional_variance": (bt.conditional_variance, dict(n=[2, 20], sigma_b2=1.0, sigma_e2=4.0)),
    "pev": (bt.pev, dict(n=[2, 20], sigma_b2=1.0, sigma_e2=4.0)),
    "fit_oneway": (bt.fit_oneway, dict(y=[1.0, 3.0, 5.0, 7.0, 2.0, 4.0], group=list("aabbcc"))),
    "blup_matrix": (bt.blup_matrix, dict(group=list("aab"), sigma_b2=1.0, sigma_e2=1.0)),
    "linear_predictor_mse": (bt.linear_predictor_mse, dict(w_prime=[0.2, 0.5], n=4, sigma_b2=1.0, sigma_e2=4.0)),
    "conditional_bias": (bt.conditional_bias, dict(b=[-1.0, 2.0], n=4, sigma_b2=1.0, sigma_e2=4.0)),
    "two_point_posterior_mean": (bt.two_point_posterior_mean, dict(ybar=[0.5, -1.0], n=4, sigma_b2=1.0, sigma_e2=4.0)),
    "gaussian_posterior_mean": (bt.gaussian_posterior_mean, dict(y=[1.0, 3.0, 2.0], group=list("aab"), sigma_b2=1.0, sigma_e2=2.0)),
    "variance_parts": (bt.variance_parts, dict(n=[2, 20], sigma_b2=25.0, sigma_e2=100.0)),
    "variance_parts_mme": (bt.variance_parts_mme, dict(X=[[1.0], [1.0]], Z=np.eye(2), G=np.eye(2), sigma_e2=1.0,
                                                      x0=[[1.0]], z0=[[1.0, 0.0]])),
    "prediction_interval": (bt.prediction_interval, dict(fit=FIT, level=0.9)),
    "simulate_oneway": (bt.simulate_oneway, dict(n=[2, 3], sigma_b2=1.0, sigma_e2=1.0, seed=0)),
    "draw_effects": (bt.draw_effects, dict(size=3, sigma_b2=1.0, seed=0)),
    "simulate_group_stats": (bt.simulate_group_stats, dict(n=[2, 3], sigma_b2=1.0, sigma_e2=1.0, sims=3, seed=0)),
    "simulate_coverage": (bt.simulate_coverage, dict(n=3, sigma_b2=1.0, sigma_e2=1.0, groups=4, sims=20, seed=0)),
    "conditional_coverage": (bt.conditional_coverage, dict(b=[0.0, 1.0], n=3, sigma_b2=1.0, sigma_e2=1.0, groups=4)),
    "blup_lambda": (bt.blup_lambda, dict(sigma_b2=25.0, sigma_e2=100.0)),
    "indicator_design": (bt.indicator_design, dict(group=list("aab"))),
    "ridge": (bt.ridge, dict(X=np.ones((4, 1)), Z=np.kron(np.eye(2), np.ones((2, 1))), y=[1.0, 3.0, 3.0, 5.0], lam=1.0)),
    "ridge_path": (bt.ridge_path, dict(X=np.ones((4, 1)), Z=np.kron(np.eye(2), np.ones((2, 1))), y=[1.0, 3.0, 3.0, 5.0], lam=[1.0, 2.0])),
    "penalized_objective": (bt.penalized_objective, dict(beta=[0.0], b=[1.0], X=[[1.0]], Z=[[1.0]], y=[2.0], lam=3.0)),
    "generalized_ridge": (bt.generalized_ridge, dict(X=np.ones((4, 1)), Z=np.kron(np.eye(2), np.ones((2, 1))),
                                                     y=[1.0, 3.0, 3.0, 5.0], G=np.eye(2), sigma_e2=1.0)),
    "bias_variance": (bt.bias_variance, dict(lam=[1.0], n=2, g=3, sigma_b2=1.0, sigma_e2=1.0, n_sims=2, seed=0)),
    "mme": (bt.mme, dict(X=np.ones((4, 1)), Z=np.kron(np.eye(2), np.ones((2, 1))), G=1.0, R=1.0, y=[1.0, 3.0, 3.0, 5.0])),
}
BAD = {"nan": np.nan, "inf": np.inf, "empty": [], "text": "abc", "none": None,
       "nan_list": [np.nan, 1.0], "long": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]}
# arguments that are not data (a label list, a seed, the fit itself) are probed by their own tests
SKIP = {("fit_oneway", "group"), ("blup_matrix", "group"), ("indicator_design", "group"),
        ("gaussian_posterior_mean", "group"), ("draw_effects", "size")}


def _has_nan(result) -> bool:
    if isinstance(result, (pd.DataFrame, pd.Series)):
        num = result.select_dtypes("number") if isinstance(result, pd.DataFrame) else result
        return bool(np.isnan(np.asarray(num, float)).any())
    if isinstance(result, (tuple, list)):
        return any(_has_nan(r) for r in result)
    if isinstance(result, (float, np.floating, np.ndarray)):
        return bool(np.isnan(np.asarray(result, float)).any())
    return False


PROBES = [(name, arg, bad) for name, (_, kw) in CASES.items() for arg in kw
          if (name, arg) not in SKIP for bad in BAD]


@pytest.mark.parametrize("name, arg, bad", PROBES, ids=[f"{n}-{a}-{b}" for n, a, b in PROBES])
def test_bad_value_is_a_named_valueerror_or_a_clean_result(name, arg, bad):
    fn, kw = CASES[name]
    call = dict(kw)
    call[arg] = copy.deepcopy(BAD[bad])
    before = copy.deepcopy(call)
    try:
        result = fn(**call)
    except ValueError as exc:
        named = arg in str(exc) or (bad == "long" and any(k in str(exc) for k in kw))
        assert named, f"{name}({arg}={bad}): the ValueError does not name {arg!r}: {exc}"
        return
    except Exception as exc:   # noqa: BLE001 - the point: no other kind of failure
        pytest.fail(f"{name}({arg}={bad!s}) raised {type(exc).__name__}: {exc} (expected ValueError naming {arg})")
    assert not _has_nan(result), f"{name}({arg}={bad}) returned NaN silently"
    for k in call:
        if isinstance(call[k], (list, np.ndarray)):
            np.testing.assert_array_equal(np.asarray(call[k], dtype=object), np.asarray(before[k], dtype=object))


@pytest.mark.parametrize("name", CASES)
def test_valid_call_works(name):
    """The probes start from a call that succeeds: a probe that fails is the bad value's doing."""
    fn, kw = CASES[name]
    fn(**kw)
