"""The mixed-model engine (issue 4) against closed forms, lme4's published fits and statsmodels.

Expected values come from outside the code under test: lme4's sleepstudy fit
(quoted in the issue), ``fit_oneway`` (closed forms), statsmodels ``MixedLM``, a
dense textbook REML likelihood written out here, and Henderson's equations.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import linalg

import blupteach as bt
from blupteach.mixed import fit_lmm, loglik_at, mme

SLEEP = "Reaction ~ Days + (Days | Subject)"


@pytest.fixture(scope="module")
def sleep():
    return bt.datasets.load("sleepstudy")


def _slope_data(g, n=10, seed=1):
    rng = np.random.default_rng(seed)
    grp = np.repeat(np.arange(g), n)
    x = rng.normal(size=g * n)
    b0, b1 = rng.normal(0, 1, g), rng.normal(0, 0.5, g)
    y = 1 + 2 * x + b0[grp] + b1[grp] * x + rng.normal(size=g * n)
    return pd.DataFrame({"y": y, "x": x, "g": [f"g{i:04d}" for i in grp]})


def _dense_loglik(y, X, Z, G, sigma2, reml):
    """Textbook (RE)ML log-likelihood with V = ZGZ' + σ²I, β at its GLS value."""
    V = Z @ G @ Z.T + sigma2 * np.eye(y.size)
    cV = linalg.cho_factor(V, lower=True)
    XtVX = X.T @ linalg.cho_solve(cV, X)
    beta = linalg.solve(XtVX, X.T @ linalg.cho_solve(cV, y))
    r = y - X @ beta
    ll = -0.5 * (2 * np.log(np.diag(cV[0])).sum() + r @ linalg.cho_solve(cV, r))
    if reml:
        return ll - 0.5 * (np.linalg.slogdet(XtVX)[1] + (y.size - X.shape[1]) * np.log(2 * np.pi))
    return ll - 0.5 * y.size * np.log(2 * np.pi)


# --- lme4's published sleepstudy fit -----------------------------------------------
@pytest.mark.parametrize("engine", ["fast", "general"])
def test_sleepstudy_matches_lme4(sleep, engine):
    fit = fit_lmm(SLEEP, sleep, engine=engine)
    vc = fit.varcorr["Subject"]
    rel = dict(rtol=1e-4)
    np.testing.assert_allclose(fit.fixef[["(Intercept)", "Days"]], [251.405105, 10.467286], **rel)
    np.testing.assert_allclose(vc.loc["(Intercept)", "(Intercept)"], 612.0899, **rel)
    np.testing.assert_allclose(vc.loc["Days", "Days"], 35.07166, **rel)
    corr = vc.loc["(Intercept)", "Days"] / np.sqrt(vc.iat[0, 0] * vc.iat[1, 1])
    np.testing.assert_allclose(corr, 0.065551, **rel)
    np.testing.assert_allclose(fit.sigma2, 654.9410, **rel)
    np.testing.assert_allclose(fit.loglik, -871.814136, rtol=1e-8)
    assert not fit.singular and fit.engine == engine


def test_result_names_and_shapes(sleep):
    fit = fit_lmm(SLEEP, sleep)
    assert isinstance(fit.fixef, pd.Series) and list(fit.fixef.index) == ["(Intercept)", "Days"]
    assert isinstance(fit.loglik, float) and isinstance(fit.sigma2, float) and isinstance(fit.singular, bool)
    assert list(fit.ranef) == ["Subject"] and fit.ranef["Subject"].shape == (18, 2)
    assert list(fit.ranef["Subject"].columns) == ["(Intercept)", "Days"]
    assert fit.ranef_cov["Subject"].shape == (18, 2, 2)
    assert list(fit.varcorr["Subject"].columns) == ["(Intercept)", "Days"]
    text = repr(fit)
    assert "Subject" in text and "Residual" in text and "251.405" in text


def test_ranef_cov_is_lme4_condvar(sleep):
    """condVar of level j: σ²·[(Z_j'Z_j + σ²G⁻¹)⁻¹], written out here with the fitted G."""
    fit = fit_lmm(SLEEP, sleep)
    G = fit.varcorr["Subject"].to_numpy()
    for j, subj in enumerate(fit.ranef["Subject"].index[:3]):
        d = sleep[sleep.Subject == subj]
        Zj = np.column_stack([np.ones(len(d)), d.Days])
        expect = fit.sigma2 * linalg.inv(Zj.T @ Zj + fit.sigma2 * linalg.inv(G))
        np.testing.assert_allclose(fit.ranef_cov["Subject"][j], expect, rtol=1e-8)


# --- against the one-way closed forms ----------------------------------------------
@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize("name,formula,y,g", [
    ("dyestuff", "Yield ~ 1 + (1 | Batch)", "Yield", "Batch"),          # balanced
    ("radon_mn", "log_radon ~ 1 + (1 | county)", "log_radon", "county"),  # 1 to 116 homes a county
])
def test_equals_fit_oneway(name, formula, y, g, method):
    d = bt.datasets.load(name)
    one = bt.fit_oneway(d[y], d[g], method=method)
    for engine in ("fast", "general"):
        fit = fit_lmm(formula, d, method=method, engine=engine)
        np.testing.assert_allclose(fit.loglik, one.loglik, rtol=1e-9)
        np.testing.assert_allclose(fit.varcorr[g].iat[0, 0], one.sigma_b2, rtol=1e-4)
        np.testing.assert_allclose(fit.sigma2, one.sigma_e2, rtol=1e-4)
        np.testing.assert_allclose(fit.fixef["(Intercept)"], one.mu, rtol=1e-6)
        np.testing.assert_allclose(fit.ranef[g]["(Intercept)"], one.blup, rtol=1e-3, atol=1e-6 * one.blup.std())
        np.testing.assert_allclose(fit.ranef_cov[g][:, 0, 0], one.cond_var, rtol=1e-3)


def test_dyestuff2_boundary_no_warnings():
    d = bt.datasets.load("dyestuff2")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for engine in ("fast", "general"):
            fit = fit_lmm("Yield ~ 1 + (1 | Batch)", d, engine=engine)
            assert fit.varcorr["Batch"].iat[0, 0] == 0.0
            assert fit.singular
            assert np.all(fit.ranef["Batch"].to_numpy() == 0.0)
            np.testing.assert_allclose(fit.sigma2, d.Yield.var(ddof=1), rtol=1e-10)   # complete pooling
    assert "singular" in repr(fit)


def test_correlation_near_one_is_fitted():
    """Slopes that are an exact multiple of intercepts: the fitted correlation is near 1, fast = general,
    no error (θ₂₂ may leave 0 by sampling noise; an exact 0 would set ``singular``)."""
    rng = np.random.default_rng(3)
    grp = np.repeat(np.arange(40), 8)
    x = np.tile(np.arange(8.0), 40)
    b = rng.normal(size=40)
    y = b[grp] * (1 + 0.5 * x) + rng.normal(scale=0.05, size=grp.size)
    fit = fit_lmm("y ~ x + (x | g)", pd.DataFrame({"y": y, "x": x, "g": grp.astype(str)}))
    vc = fit.varcorr["g"].to_numpy()
    corr = vc[0, 1] / np.sqrt(vc[0, 0] * vc[1, 1])
    assert abs(corr) > 0.999
    assert np.isfinite(fit.loglik)
    general = fit_lmm("y ~ x + (x | g)", pd.DataFrame({"y": y, "x": x, "g": grp.astype(str)}), engine="general")
    np.testing.assert_allclose(general.loglik, fit.loglik, rtol=1e-10)
    assert fit.singular == bool(fit.theta[2] == 0)


# --- statsmodels MixedLM --------------------------------------------------------------
@pytest.mark.parametrize("reml", [True, False])
def test_against_statsmodels(reml):
    smf = pytest.importorskip("statsmodels.formula.api")
    from statsmodels.regression.mixed_linear_model import MixedLMParams

    df = _slope_data(60)
    model = smf.mixedlm("y ~ x", df, groups=df["g"], re_formula="~x")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm = model.fit(reml=reml, method=["lbfgs"])
    method = "REML" if reml else "ML"
    fit = fit_lmm("y ~ x + (x | g)", df, method=method)
    # identical parameters → identical log-likelihood, both ways round
    T = fit.lambdas["g"]
    at_ours = model.loglike(MixedLMParams.from_components(fe_params=fit.fixef.to_numpy(), cov_re=T @ T.T),
                            profile_fe=False)
    np.testing.assert_allclose(fit.loglik, at_ours, rtol=1e-8)
    Ls = np.linalg.cholesky(sm.cov_re.to_numpy() / sm.scale)
    ours_at_sm = loglik_at("y ~ x + (x | g)", df, [Ls[0, 0], Ls[1, 0], Ls[1, 1]], method=method)
    np.testing.assert_allclose(ours_at_sm, sm.llf, rtol=1e-8)
    # fitted parameters within 1e-4 relative (matrices by norm)
    assert fit.loglik >= sm.llf - 1e-8 * abs(sm.llf)
    np.testing.assert_allclose(fit.fixef.to_numpy(), sm.fe_params.to_numpy(), rtol=1e-4)
    G = fit.varcorr["g"].to_numpy()
    assert np.linalg.norm(G - sm.cov_re.to_numpy()) <= 1e-4 * np.linalg.norm(G)
    np.testing.assert_allclose(fit.sigma2, sm.scale, rtol=1e-4)


# --- fast path == general path; mme == fit_lmm ----------------------------------------
@pytest.mark.parametrize("formula", ["y ~ x + (1 | g)", "y ~ x + (x | g)", "y ~ 0 + x + (x + z | g)"])
@pytest.mark.parametrize("reml", [True, False])
def test_fast_gradient_equals_central_differences(formula, reml):
    """The fast path's analytic gradient (SingleFactor) against central differences of its deviance."""
    from blupteach.mixed.design import build_design
    from blupteach.mixed.fast import SingleFactor
    df = _slope_data(40, seed=2).assign(z=np.random.default_rng(4).normal(size=400))
    des = build_design(formula, df)
    b = des.blocks[0]
    ev = SingleFactor(des.X, b.Zk, b.codes, b.l, des.y)
    rng = np.random.default_rng(9)
    for _ in range(2):
        theta = rng.uniform(0.2, 1.5, ev.rows.size) * np.where(ev.rows == ev.cols, 1, rng.choice([-1, 1], ev.rows.size))
        _, g = ev.solve(theta, reml, grad=True)
        fd = [(ev.solve(theta + e, reml) - ev.solve(theta - e, reml)) / 2e-6 for e in np.eye(theta.size) * 1e-6]
        np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-4, err_msg=f"{formula} reml={reml} theta={theta}")


def test_grouping_levels_sorted_as_pandas_sorts_them():
    """factor_codes sorts the distinct values, not the rows: the same codes and levels as pd.factorize(sort=True)."""
    from blupteach.mixed.columns import factor_codes
    rng = np.random.default_rng(0)
    for col in [rng.integers(0, 30, 200), rng.integers(0, 30, 200).astype(str), rng.normal(size=50).round(1),
                np.array(["b", "a", 3, 1, "a"], dtype=object), pd.array([3, 1, 2, 1], dtype="Int64"),
                pd.array(["b", "a", "c", "a"], dtype="string")]:
        data = pd.DataFrame({"g": col})
        codes, levels = factor_codes(data, ("g",))
        want_codes, want_levels = pd.factorize(data["g"], sort=True)
        np.testing.assert_array_equal(codes, want_codes)
        assert levels.equals(pd.Index(want_levels)) and levels.dtype == pd.Index(want_levels).dtype


def test_fast_equals_general_on_slopes():
    df = _slope_data(80, seed=5)
    a = fit_lmm("y ~ x + (x | g)", df, engine="fast")
    b = fit_lmm("y ~ x + (x | g)", df, engine="general")
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-10)
    np.testing.assert_allclose(a.varcorr["g"], b.varcorr["g"], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(a.fixef, b.fixef, rtol=1e-6)
    np.testing.assert_allclose(a.ranef["g"], b.ranef["g"], rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(a.ranef_cov["g"], b.ranef_cov["g"], rtol=1e-3, atol=1e-6)
    np.testing.assert_allclose(a.fixef_cov, b.fixef_cov, rtol=1e-3)


def test_mme_agrees_with_fit(sleep):
    fit = fit_lmm(SLEEP, sleep)
    subjects = fit.ranef["Subject"].index
    codes = pd.Index(subjects).get_indexer(sleep.Subject)
    X = np.column_stack([np.ones(len(sleep)), sleep.Days])
    Z = np.zeros((len(sleep), 2 * len(subjects)))
    Z[np.arange(len(sleep)), 2 * codes] = 1.0
    Z[np.arange(len(sleep)), 2 * codes + 1] = sleep.Days
    G = np.kron(np.eye(len(subjects)), fit.varcorr["Subject"].to_numpy())
    r = mme(X, Z, G, fit.sigma2, sleep.Reaction.to_numpy())
    np.testing.assert_allclose(r.beta_hat, fit.fixef.to_numpy(), rtol=1e-8)
    np.testing.assert_allclose(r.b_hat.reshape(-1, 2), fit.ranef["Subject"].to_numpy(), rtol=1e-6, atol=1e-8)
    # C⁻¹ (times σ²) gives Var(β̂) in its top-left corner
    Cinv = linalg.solve(r.C, np.eye(r.C.shape[0]), assume_a="sym")
    np.testing.assert_allclose(Cinv[:2, :2], fit.fixef_cov.to_numpy(), rtol=1e-6)


def test_mme_hand_example():
    r = mme(np.ones((4, 1)), np.kron(np.eye(2), np.ones((2, 1))), 1.0, 1.0, [1.0, 3.0, 3.0, 5.0])
    np.testing.assert_allclose(r.beta_hat, [3.0])
    np.testing.assert_allclose(r.b_hat, [-2 / 3, 2 / 3])
    np.testing.assert_allclose(r.C, [[4, 2, 2], [2, 3, 0], [2, 0, 3]])


# --- prediction and conditional BLUPs --------------------------------------------------
def test_predict_and_new_levels(sleep):
    fit = fit_lmm(SLEEP, sleep)
    new = pd.DataFrame({"Days": [0.0, 5.0, 5.0], "Subject": [308, 308, 999]})
    b = fit.ranef["Subject"].loc[308]
    beta = fit.fixef
    expect = [beta.iloc[0] + b.iloc[0], beta.iloc[0] + b.iloc[0] + 5 * (beta.iloc[1] + b.iloc[1]),
              beta.iloc[0] + 5 * beta.iloc[1]]
    np.testing.assert_allclose(fit.predict(new), expect, rtol=1e-12)
    np.testing.assert_allclose(fit.predict(new, include_random=False)[:2], [beta.iloc[0], beta.iloc[0] + 5 * beta.iloc[1]])


def test_conditional_ranef(sleep):
    fit = fit_lmm(SLEEP, sleep)
    rows = sleep[sleep.Subject == 308]
    again = fit.conditional_ranef(rows)["Subject"]
    np.testing.assert_allclose(again.to_numpy(), fit.ranef["Subject"].loc[[308]].to_numpy(), rtol=1e-8)
    # a new patient with 3 visits: hand-written BLUP (Z'Z + σ²G⁻¹)⁻¹Z'(y − Xβ̂)
    new = rows.iloc[:3].assign(Subject="new")
    got = fit.conditional_ranef(new)["Subject"].loc["new"].to_numpy()
    Z = np.column_stack([np.ones(3), new.Days])
    r = new.Reaction.to_numpy() - Z @ fit.fixef.to_numpy()
    expect = linalg.solve(Z.T @ Z + fit.sigma2 * linalg.inv(fit.varcorr["Subject"].to_numpy()), Z.T @ r)
    np.testing.assert_allclose(got, expect, rtol=1e-8)


# --- the general path: crossed, nested, categorical, known K ---------------------------
def _crossed(seed=2, na=30, nb=12, n=600):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(0, na, n), rng.integers(0, nb, n)
    y = 5 + rng.normal(0, 1.0, na)[a] + rng.normal(0, 0.7, nb)[b] + rng.normal(0, 0.5, n)
    return pd.DataFrame({"y": y, "a": [f"a{i}" for i in a], "b": [f"b{i}" for i in b]})


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_crossed_against_dense_likelihood(method):
    df = _crossed()
    fit = fit_lmm("y ~ 1 + (1 | a) + (1 | b)", df, method=method)
    Za = pd.get_dummies(df.a).to_numpy(float)
    Zb = pd.get_dummies(df.b).to_numpy(float)
    Z = np.hstack([Za, Zb])
    G = linalg.block_diag(fit.varcorr["a"].iat[0, 0] * np.eye(Za.shape[1]), fit.varcorr["b"].iat[0, 0] * np.eye(Zb.shape[1]))
    X = np.ones((len(df), 1))
    ll = _dense_loglik(df.y.to_numpy(), X, Z, G, fit.sigma2, method == "REML")
    np.testing.assert_allclose(fit.loglik, ll, rtol=1e-10)
    # at a maximum: moving either variance lowers the likelihood
    for scale in (0.95, 1.05):
        G2 = G.copy()
        G2[: Za.shape[1], : Za.shape[1]] *= scale
        assert _dense_loglik(df.y.to_numpy(), X, Z, G2, fit.sigma2, method == "REML") < ll
    # BLUPs from Henderson's equations at the fitted variances
    r = mme(X, Z, G, fit.sigma2, df.y.to_numpy())
    np.testing.assert_allclose(r.b_hat[: Za.shape[1]], fit.ranef["a"]["(Intercept)"], rtol=1e-6, atol=1e-9)
    Cinv = linalg.solve(r.C, np.eye(r.C.shape[0]))
    np.testing.assert_allclose(fit.ranef_cov["b"][:, 0, 0],
                               fit.sigma2 * np.diag(linalg.solve(Z.T @ Z + fit.sigma2 * linalg.inv(G), np.eye(Z.shape[1])))[Za.shape[1]:],
                               rtol=1e-6)
    assert Cinv.shape == (43, 43)


def test_nested_and_categorical_fixed():
    rng = np.random.default_rng(4)
    school = np.repeat(np.arange(12), 30)
    cls = np.tile(np.repeat(np.arange(3), 10), 12)
    sex = rng.choice(["F", "M"], size=school.size)
    y = (rng.normal(0, 1, 12)[school] + rng.normal(0, 0.5, 36)[school * 3 + cls]
         + 0.3 * (sex == "M") + rng.normal(size=school.size))
    df = pd.DataFrame({"y": y, "school": school.astype(str), "class": cls.astype(str), "sex": sex})
    fit = fit_lmm("y ~ sex + (1 | school/class)", df)
    assert list(fit.fixef.index) == ["(Intercept)", "sexM"]
    assert set(fit.ranef) == {"school", "school:class"}
    assert fit.ranef["school:class"].shape == (36, 1)
    # the same model with the nesting written out as its own column
    df2 = df.assign(sc=df.school + ":" + df["class"])
    fit2 = fit_lmm("y ~ sex + (1 | school) + (1 | sc)", df2)
    np.testing.assert_allclose(fit.loglik, fit2.loglik, rtol=1e-10)
    np.testing.assert_allclose(fit.varcorr["school:class"], fit2.varcorr["sc"], rtol=1e-4)


def test_known_K_identity_equals_plain(sleep):
    d = bt.datasets.load("dyestuff")
    plain = fit_lmm("Yield ~ 1 + (1 | Batch)", d)
    withK = fit_lmm("Yield ~ 1 + (1 | Batch)", d, K={"Batch": np.eye(6)})
    assert withK.engine == "general"
    np.testing.assert_allclose(withK.loglik, plain.loglik, rtol=1e-10)
    np.testing.assert_allclose(withK.varcorr["Batch"], plain.varcorr["Batch"], rtol=1e-4)
    np.testing.assert_allclose(withK.ranef["Batch"], plain.ranef["Batch"], rtol=1e-4)
    np.testing.assert_allclose(withK.ranef_cov["Batch"], plain.ranef_cov["Batch"], rtol=1e-4)


def _pedigree_K():
    """Numerator relationships of 6 animals: 1,2 founders; 3 = 1×2; 4 = 1×2; 5 = 3×(unknown); 6 = 4×5."""
    A = np.eye(6)
    parents = {2: (0, 1), 3: (0, 1), 4: (2, None), 5: (3, 4)}
    for i in range(6):
        for j in range(i):
            s, d = parents.get(i, (None, None))
            A[i, j] = A[j, i] = 0.5 * ((A[j, s] if s is not None else 0) + (A[j, d] if d is not None else 0))
        s, d = parents.get(i, (None, None))
        if s is not None and d is not None:
            A[i, i] = 1 + 0.5 * A[s, d]
    return pd.DataFrame(A, index=list("ABCDEF"), columns=list("ABCDEF"))


def test_known_K_pedigree():
    K = _pedigree_K()
    rng = np.random.default_rng(7)
    animals = np.repeat(list("ABCDE"), 4)            # F has no record
    y = 10 + rng.normal(size=animals.size)
    df = pd.DataFrame({"y": y, "animal": animals})
    fit = fit_lmm("y ~ 1 + (1 | animal)", df, K={"animal": K})
    assert list(fit.ranef["animal"].index) == list("ABCDEF")
    sa2 = fit.varcorr["animal"].iat[0, 0]
    Z = pd.get_dummies(pd.Categorical(animals, categories=list("ABCDEF"))).to_numpy(float)
    X = np.ones((y.size, 1))
    if sa2 > 0:
        r = mme(X, Z, sa2 * K.to_numpy(), fit.sigma2, y)
        np.testing.assert_allclose(r.b_hat, fit.ranef["animal"]["(Intercept)"], rtol=1e-6, atol=1e-9)
        # F has no record but borrows from its parents D and E
        assert r.b_hat[5] != 0.0
    np.testing.assert_allclose(fit.loglik, _dense_loglik(y, X, Z, sa2 * K.to_numpy(), fit.sigma2, True), rtol=1e-10)


# --- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize("formula,data_change,match", [
    ("Reaction ~ Dayz + (1 | Subject)", None, r"no column.*Dayz"),
    ("Reaction ~ Days", None, r"no random-effect term"),
    ("Reaction ~ Days + (1 | one)", "one", r"'one' has only one level"),
    ("Reaction ~ Days + (1 | Subject)", "nan", r"'Days' has 1 missing.*row 7"),
    ("Reaction ~ Days + Days2 + (1 | Subject)", "dup", r"rank deficient.*Days2"),
    ("Reaction ~ Days + (1 | row)", "row", r"'row' has 180 levels for 180 observations"),
    ("Reaction ~ Days + (Days | half)", "half", r"2 × 90 = 180 random effects for 180 observations"),
    ("Reaction ~ Days + (1 | Subject)", "text", r"response 'Reaction' must be numeric"),
])
def test_bad_input(sleep, formula, data_change, match):
    d = sleep.copy()
    if data_change == "one":
        d["one"] = "x"
    elif data_change == "nan":
        d.loc[7, "Days"] = np.nan
    elif data_change == "dup":
        d["Days2"] = 2 * d.Days
    elif data_change == "row":
        d["row"] = np.arange(len(d)).astype(str)
    elif data_change == "half":
        d["half"] = (np.arange(len(d)) // 2).astype(str)
    elif data_change == "text":
        d["Reaction"] = d.Reaction.astype(str)
    with pytest.raises(ValueError, match=match):
        fit_lmm(formula, d)


def test_bad_arguments(sleep):
    with pytest.raises(ValueError, match="method must be one of"):
        fit_lmm(SLEEP, sleep, method="OLS")
    with pytest.raises(ValueError, match="data must be a pandas DataFrame"):
        fit_lmm(SLEEP, sleep.to_numpy())
    with pytest.raises(ValueError, match="formula must be a string"):
        fit_lmm(None, sleep)
    with pytest.raises(ValueError, match="positive definite"):
        fit_lmm("Yield ~ 1 + (1 | Batch)", bt.datasets.load("dyestuff"), K={"Batch": -np.eye(6)})
    with pytest.raises(ValueError, match="engine='fast' needs exactly one grouping factor"):
        fit_lmm("Yield ~ 1 + (1 | Batch)", bt.datasets.load("dyestuff"), engine="fast", K={"Batch": np.eye(6)})
    with pytest.raises(ValueError, match="engine must be one of"):
        fit_lmm(SLEEP, sleep, engine="turbo")
    with pytest.raises(ValueError, match="K names grouping factor"):
        fit_lmm(SLEEP, sleep, K={"Nope": np.eye(2)})
    with pytest.raises(ValueError, match="shape"):
        mme(np.ones((4, 1)), np.ones((3, 2)), 1.0, 1.0, np.ones(4))


def test_inputs_not_mutated(sleep):
    before = sleep.copy()
    fit_lmm(SLEEP, sleep)
    pd.testing.assert_frame_equal(sleep, before)


@pytest.mark.parametrize("formula", [
    "y ~ x + z + (x + z | g)",          # k = 3: the batched general-k branch
    "y ~ x + (0 + x | g)",              # slope only: a first step lands on θ = 0 (flat there)
    "y ~ 0 + (1 | g)",                  # no fixed effects
    "y ~ x + (1 + sex | g)",            # categorical random slope
    "y ~ x * sex + (x | g)",            # interaction named x:sexM
])
def test_fast_equals_general_on_formula_variants(formula):
    rng = np.random.default_rng(0)
    g = np.repeat(np.arange(40), 12)
    x, z = rng.normal(size=g.size), rng.normal(size=g.size)
    sex = rng.choice(["F", "M"], g.size)
    y = (1 + x + rng.normal(size=40)[g] + 0.5 * rng.normal(size=40)[g] * x
         + 0.3 * rng.normal(size=40)[g] * z + rng.normal(size=g.size))
    df = pd.DataFrame({"y": y, "x": x, "z": z, "g": g.astype(str), "sex": sex})
    a = fit_lmm(formula, df)
    b = fit_lmm(formula, df, engine="general")
    assert a.engine == "fast"
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-9)
    # the general path stops as lme4 does (BOBYQA, absolute tolerances 1e-8): β agrees to a
    # ten-thousandth of its standard error, far below anything a learner reads
    se = np.sqrt(np.diag(a.fixef_cov.to_numpy()))
    assert np.all(np.abs(a.fixef.to_numpy() - b.fixef.to_numpy()) <= 1e-4 * se), (a.fixef, b.fixef)
    np.testing.assert_allclose(a.varcorr["g"].to_numpy(), b.varcorr["g"].to_numpy(), rtol=1e-3, atol=1e-6)
    if "*" in formula:
        assert list(a.fixef.index) == ["(Intercept)", "x", "sexM", "x:sexM"]


def test_uncorrelated_terms_on_one_factor():
    """(1 | g) + (0 + x | g): two blocks g and g.1, the same as the dense likelihood with a diagonal G."""
    df = _slope_data(30, seed=9)
    fit = fit_lmm("y ~ x + (1 | g) + (0 + x | g)", df)
    assert list(fit.varcorr) == ["g", "g.1"]
    levels = fit.ranef["g"].index
    codes = pd.Index(levels).get_indexer(df.g)
    Z0 = np.eye(len(levels))[codes]
    Z = np.hstack([Z0, Z0 * df.x.to_numpy()[:, None]])
    G = np.diag(np.r_[np.full(len(levels), fit.varcorr["g"].iat[0, 0]), np.full(len(levels), fit.varcorr["g.1"].iat[0, 0])])
    X = np.column_stack([np.ones(len(df)), df.x])
    np.testing.assert_allclose(fit.loglik, _dense_loglik(df.y.to_numpy(), X, Z, G, fit.sigma2, True), rtol=1e-10)
    np.testing.assert_allclose(fit.ranef["g.1"]["x"], mme(X, Z, G, fit.sigma2, df.y.to_numpy()).b_hat[len(levels):],
                               rtol=1e-6, atol=1e-9)


def test_crossed_sparse_product_fallback(monkeypatch):
    """Past MAX_PAIRS the Schur complement comes from a sparse product: same fit."""
    from blupteach.mixed.general import General

    df = _crossed(seed=8)
    a = fit_lmm("y ~ 1 + (1 | a) + (1 | b)", df)
    monkeypatch.setattr(General, "MAX_PAIRS", 0)
    b = fit_lmm("y ~ 1 + (1 | a) + (1 | b)", df)
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=1e-10)      # optimiser paths differ in rounding only
    np.testing.assert_allclose(a.ranef_cov["a"], b.ranef_cov["a"], rtol=1e-5)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 8), min_size=3, max_size=8), st.floats(0.1, 10.0), st.integers(0, 10_000))
def test_property_blups_are_the_closed_form(n_per, ratio, seed):
    """One-way data of any shape: fit_lmm's BLUPs = w_i(ȳ_i − μ̂) at its own variance estimates (C3)."""
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(len(n_per)), n_per)
    y = rng.normal(0, np.sqrt(ratio), len(n_per))[g] + rng.normal(size=g.size)
    assume(g.size > len(n_per))
    df = pd.DataFrame({"y": y, "g": g})
    before = df.copy()
    fit = fit_lmm("y ~ 1 + (1 | g)", df)
    sb2, se2 = fit.varcorr["g"].iat[0, 0], fit.sigma2
    n = np.bincount(g).astype(float)
    means = np.bincount(g, y) / n
    mu = bt.gls_mean(means, n, sb2, se2)
    np.testing.assert_allclose(fit.fixef["(Intercept)"], mu, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fit.ranef["g"]["(Intercept)"], bt.blup(means, n, mu, sb2, se2), rtol=1e-7, atol=1e-10)
    pd.testing.assert_frame_equal(df, before)


def test_known_K_sparse_input():
    from scipy import sparse as sp

    K = _pedigree_K()
    rng = np.random.default_rng(2)
    animals = np.repeat(list("ABCDEF"), 3)
    df = pd.DataFrame({"y": 5 + rng.normal(size=animals.size), "animal": animals})
    dense = fit_lmm("y ~ 1 + (1 | animal)", df, K={"animal": K.to_numpy()})
    sparse_fit = fit_lmm("y ~ 1 + (1 | animal)", df, K={"animal": sp.csr_matrix(K.to_numpy())})
    framed = fit_lmm("y ~ 1 + (1 | animal)", df, K={"animal": K})
    np.testing.assert_allclose(dense.loglik, sparse_fit.loglik, rtol=1e-12)
    np.testing.assert_allclose(dense.loglik, framed.loglik, rtol=1e-12)
    with pytest.raises(ValueError, match=r"must be 6 × 6"):
        fit_lmm("y ~ 1 + (1 | animal)", df, K={"animal": np.eye(5)})


def test_correlation_minus_one_boundary():
    """Six groups, no true slope variance: the REML optimum has θ₂₂ = 0 exactly (correlation −1),
    ``singular``; the dense likelihood agrees there and is lower just inside the boundary."""
    rng = np.random.default_rng(15)
    grp = np.repeat(np.arange(6), 5)
    x = np.tile(np.arange(5.0), 6)
    y = rng.normal(size=6)[grp] + rng.normal(size=grp.size)
    df = pd.DataFrame({"y": y, "x": x, "g": grp.astype(str)})
    fit = fit_lmm("y ~ x + (x | g)", df)
    assert fit.theta[2] == 0.0 and fit.singular and "singular" in repr(fit)
    vc = fit.varcorr["g"].to_numpy()
    np.testing.assert_allclose(vc[0, 1] / np.sqrt(vc[0, 0] * vc[1, 1]), -1.0, rtol=1e-12)
    X = np.column_stack([np.ones(grp.size), x])
    Z = np.zeros((grp.size, 12))
    Z[np.arange(grp.size), 2 * grp] = 1.0
    Z[np.arange(grp.size), 2 * grp + 1] = x
    ll = _dense_loglik(y, X, Z, np.kron(np.eye(6), vc), fit.sigma2, True)
    np.testing.assert_allclose(fit.loglik, ll, rtol=1e-10)
    inside = fit.theta.copy()
    inside[2] = 0.05
    assert loglik_at("y ~ x + (x | g)", df, inside) < fit.loglik
    assert fit_lmm("y ~ x + (x | g)", df, engine="general").singular
