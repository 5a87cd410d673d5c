"""The one fit interface (issue 10 point 2) and the one path for intervals.

Expected values are written from the formulas by hand (one-way closed form, Henderson's
PEV from the inverse of the coefficient matrix in tests/_reference-style dense algebra),
never read back from the code under test.
"""
import numpy as np
import pandas as pd
import pytest

import blupteach as bt
from blupteach.fit import is_fit


@pytest.fixture(scope="module")
def dyestuff_fit():
    d = bt.datasets.load("dyestuff")
    return bt.fit_oneway(d["Yield"], d["Batch"])


@pytest.fixture(scope="module")
def sleep_fit():
    return bt.fit_lmm("Reaction ~ Days + (Days | Subject)", bt.datasets.load("sleepstudy"))


def test_both_fits_satisfy_the_protocol(dyestuff_fit, sleep_fit):
    for fit in (dyestuff_fit, sleep_fit):
        assert is_fit(fit)
        for name in ("loglik", "fixef", "sigma2", "varcorr", "ranef", "ranef_cov", "singular", "theta"):
            getattr(fit, name)


def test_is_fit_checks_every_member_of_the_protocol():
    from blupteach.fit import _MEMBERS, Fit
    declared = set(Fit.__annotations__) | {k for k in vars(Fit) if not k.startswith("_")}
    assert set(_MEMBERS) == declared
    assert not is_fit(object()) and not is_fit(bt.datasets.load("dyestuff"))


def test_varcorr_has_one_shape(dyestuff_fit, sleep_fit):
    """A lesson reads sigma_b2 the same way from either fit."""
    one = dyestuff_fit.varcorr["Batch"]
    assert isinstance(one, pd.DataFrame) and one.shape == (1, 1)
    assert one.iloc[0, 0] == dyestuff_fit.sigma_b2
    lmm = sleep_fit.varcorr["Subject"]
    assert isinstance(lmm, pd.DataFrame) and list(lmm.columns) == ["(Intercept)", "Days"]


def test_oneway_theta_is_lme4s(dyestuff_fit):
    # lme4 (REML): Batch std.dev 42.00, residual 49.51; getME(fit, "theta") = 0.8483
    assert dyestuff_fit.theta == pytest.approx([0.848324], rel=1e-5)


def test_fit_lmm_method_is_keyword_only():
    with pytest.raises(TypeError):
        bt.fit_lmm("Reaction ~ Days + (Days | Subject)", bt.datasets.load("sleepstudy"), "ML")


def test_oneway_fit_derives_from_the_closed_forms(dyestuff_fit):
    f = dyestuff_fit
    w = f.n * f.sigma_b2 / (f.n * f.sigma_b2 + f.sigma_e2)
    var_mu = 1.0 / np.sum(f.n / (f.n * f.sigma_b2 + f.sigma_e2))
    np.testing.assert_allclose(f.w, w, rtol=1e-14)
    np.testing.assert_allclose(f.blup, w * (f.mean - f.mu), rtol=1e-14)
    np.testing.assert_allclose(f.cond_var, (1 - w) * f.sigma_b2, rtol=1e-14)
    assert f.var_mu == pytest.approx(var_mu, rel=1e-14)
    np.testing.assert_allclose(f.pev, (1 - w) * f.sigma_b2 + w**2 * var_mu, rtol=1e-14)


def test_oneway_intervals_take_the_general_path_and_equal_the_closed_form():
    """One path for every fit: a one-way fit's parts come through variance_parts_mme and
    equal the lesson's closed form (mean (1-w)^2 Var(mu), deviation (1-w) sigma_b2)."""
    s = bt.simulate_oneway([1, 2, 3, 8, 20, 2, 5], 4.0, 2.0, mu=10.0, seed=3)
    fit = bt.fit_oneway(s.y, s.group)
    for target in ("group_mean", "new_observation"):
        got = bt.prediction_variance_parts(fit, target=target)
        w = fit.n * fit.sigma_b2 / (fit.n * fit.sigma_b2 + fit.sigma_e2)
        var_mu = 1.0 / np.sum(fit.n / (fit.n * fit.sigma_b2 + fit.sigma_e2))
        np.testing.assert_allclose(got["mean"], (1 - w) ** 2 * var_mu, rtol=1e-9)
        np.testing.assert_allclose(got["deviation"], (1 - w) * fit.sigma_b2, rtol=1e-9)
        closed = bt.variance_parts(fit.n, fit.sigma_b2, fit.sigma_e2, target=target)
        np.testing.assert_allclose(got["total"].to_numpy(), closed["total"].to_numpy(), rtol=1e-9)




def test_unseen_group_gets_the_full_sigma_b2(dyestuff_fit):
    """A batch never observed: predicted at mu_hat, variance Var(mu_hat) + sigma_b2 (+ sigma_e2)."""
    f = dyestuff_fit
    pi = bt.prediction_interval(f, 0.95, newdata=["A", "new batch"], target="group_mean")
    assert pi.loc["new batch", "prediction"] == pytest.approx(f.mu, rel=1e-12)
    assert pi.loc["new batch", "n"] == 0
    var_mu = 1.0 / np.sum(f.n / (f.n * f.sigma_b2 + f.sigma_e2))
    assert pi.loc["new batch", "se"] ** 2 == pytest.approx(var_mu + f.sigma_b2, rel=1e-9)
    parts = bt.prediction_variance_parts(f, newdata=["new batch"])
    assert parts["noise"].iloc[0] == f.sigma_e2
    assert parts["total"].iloc[0] == pytest.approx(var_mu + f.sigma_b2 + f.sigma_e2, rel=1e-9)
    # a batch that was observed is the same target as without newdata
    base = bt.prediction_interval(f, 0.95, target="group_mean")
    assert pi.loc["A", "se"] == pytest.approx(base.loc["A", "se"], rel=1e-12)


def test_unseen_subject_in_a_random_slope_model(sleep_fit):
    """A new subject on day d: prediction x'beta_hat, variance x'Var(beta_hat)x + z'Sigma z (+ sigma2)."""
    f = sleep_fit
    new = pd.DataFrame({"Days": [0.0, 9.0], "Subject": ["new", "new"]})
    parts = bt.prediction_variance_parts(f, newdata=new, target="group_mean")
    pi = bt.prediction_interval(f, newdata=new, target="group_mean")
    beta = f.fixef.to_numpy()
    x = np.array([[1.0, 0.0], [1.0, 9.0]])
    np.testing.assert_allclose(pi["prediction"], x @ beta, rtol=1e-12)
    Sigma = f.varcorr["Subject"].to_numpy()
    np.testing.assert_allclose(parts["deviation"], np.einsum("ij,jk,ik->i", x, Sigma, x), rtol=1e-8)
    V = f.fixef_cov.to_numpy()
    np.testing.assert_allclose(parts["mean"], np.einsum("ij,jk,ik->i", x, V, x), rtol=1e-5)


def test_seen_subject_rows_match_a_dense_henderson_solve(sleep_fit):
    """newdata rows of an observed subject: total = sigma2 [x; z]' C^-1 [x; z] (dense MME)."""
    f = sleep_fit
    d = f.prediction_design()
    X, Z, G, s2 = d.X, d.Z.toarray(), d.G, f.sigma2
    C = np.block([[X.T @ X, X.T @ Z], [Z.T @ X, Z.T @ Z + s2 * np.linalg.inv(G)]])
    Cinv = np.linalg.inv(C)
    subj = f.ranef["Subject"].index[3]
    new = pd.DataFrame({"Days": [2.0, 7.5], "Subject": [subj, subj]})
    parts = bt.prediction_variance_parts(f, newdata=new, target="group_mean")
    k = list(f.ranef["Subject"].index).index(subj)
    for row, day in enumerate((2.0, 7.5)):
        v = np.zeros(X.shape[1] + Z.shape[1])
        v[:2] = [1.0, day]
        v[2 + 2 * k: 4 + 2 * k] = [1.0, day]
        assert parts["total"].iloc[row] == pytest.approx(s2 * v @ Cinv @ v, rel=1e-6)


def test_predict_newdata_none_is_the_default_targets(dyestuff_fit, sleep_fit):
    np.testing.assert_allclose(dyestuff_fit.predict(), dyestuff_fit.mu + dyestuff_fit.blup, rtol=1e-14)
    pi = bt.prediction_interval(sleep_fit)
    np.testing.assert_allclose(sleep_fit.predict(), pi["prediction"], rtol=1e-12)


@pytest.mark.parametrize("bad, match", [
    (lambda f: f.predict(newdata=["A", None]), "newdata has 1 missing label"),
    (lambda f: f.predict(newdata=pd.DataFrame({"x": [1]})), "newdata has no column 'Batch'"),
    (lambda f: f.prediction_design(factor="Plate"), "factor must be the fit's grouping factor"),
])
def test_oneway_prediction_bad_input(dyestuff_fit, bad, match):
    with pytest.raises(ValueError, match=match):
        bad(dyestuff_fit)


def test_lmm_prediction_bad_input(sleep_fit):
    with pytest.raises(ValueError, match="newdata must be a pandas DataFrame"):
        bt.prediction_interval(sleep_fit, newdata=[1, 2])
    with pytest.raises(ValueError, match="newdata has no rows"):
        bt.prediction_interval(sleep_fit, newdata=pd.DataFrame({"Days": [], "Subject": []}))
    with pytest.raises(ValueError, match="factor must be one of"):
        bt.prediction_interval(sleep_fit, factor="Nope")
