"""fit_oneway against published lme4 fits, hand computations and dense GLS/BLUP.

References
- lme4 fits of Dyestuff / Dyestuff2 as quoted in issue 3 (and issue 5 for the
  conditional variance and PEV), checked to a relative 1e-4;
- small data sets whose ANOVA/REML/ML estimates are worked out by hand below;
- unbalanced data (Minnesota radon: 1 to 116 homes per county) against a dense
  V = σ_b²ZZ' + σ_ε²I computation (tests/_reference.py) and statsmodels MixedLM.
"""
import warnings

import numpy as np
import pandas as pd
import pytest

import blupteach as bt
from _reference import dense_oneway

REL = 1e-4


@pytest.fixture(scope="module")
def dyestuff():
    return bt.datasets.load("dyestuff")


@pytest.fixture(scope="module")
def dyestuff2():
    return bt.datasets.load("dyestuff2")


@pytest.fixture(scope="module")
def radon():
    return bt.datasets.load("radon_mn")


# ---------------------------------------------------------------------------
# lme4 on Dyestuff and Dyestuff2 (issue 3)
# ---------------------------------------------------------------------------
def test_dyestuff_reml_matches_lme4(dyestuff):
    fit = bt.fit_oneway(dyestuff["Yield"], dyestuff["Batch"])
    assert fit.method == "REML"
    assert fit.mu == pytest.approx(1527.5, rel=REL)
    assert fit.sigma_b2 == pytest.approx(1764.0502, rel=REL)
    assert fit.sigma_e2 == pytest.approx(2451.2500, rel=REL)
    assert fit.loglik == pytest.approx(-159.827138, rel=REL)
    lme4_blups = [-17.606852, 0.391263, 28.562226, -23.084538, 56.733188, -44.995287]
    assert list(fit.levels) == list("ABCDEF")
    np.testing.assert_allclose(fit.blup, lme4_blups, rtol=REL)
    assert not fit.singular


def test_dyestuff_ml_matches_lme4(dyestuff):
    fit = bt.fit_oneway(dyestuff["Yield"], dyestuff["Batch"], method="ML")
    assert fit.sigma_b2 == pytest.approx(1388.3333, rel=REL)
    assert fit.loglik == pytest.approx(-163.663530, rel=REL)
    assert fit.sigma_e2 == pytest.approx(2451.25, rel=REL)   # balanced: ML σ_ε² = MSW too


@pytest.mark.parametrize("method", ["REML", "ML", "ANOVA"])
def test_dyestuff2_boundary_is_exactly_zero_without_warnings(dyestuff2, method):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = bt.fit_oneway(dyestuff2["Yield"], dyestuff2["Batch"], method=method)
    assert fit.sigma_b2 == 0.0
    assert fit.singular is True
    np.testing.assert_array_equal(fit.w, 0.0)
    np.testing.assert_array_equal(fit.blup, 0.0)
    assert np.all(np.isfinite(fit.pev)) and np.all(np.isfinite(fit.cond_var))
    assert fit.lam == np.inf


def test_dyestuff2_reml_matches_lme4(dyestuff2):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = bt.fit_oneway(dyestuff2["Yield"], dyestuff2["Batch"])
    assert fit.sigma_e2 == pytest.approx(13.806310, rel=REL)
    assert fit.loglik == pytest.approx(-80.914139, rel=REL)
    # σ_b² = 0: μ̂ is the plain mean of all 30 values and σ_ε² is their sample variance
    y = dyestuff2["Yield"].to_numpy()
    assert fit.mu == pytest.approx(y.mean(), rel=1e-12)
    assert fit.sigma_e2 == pytest.approx(y.var(ddof=1), rel=1e-10)


def test_dyestuff_conditional_variance_and_pev(dyestuff):
    """Issue 5's numbers: Var(μ̂) = 375.71669, c_i = (1 − w_i)σ_b² = 383.63373, PEV = c_i + w_i²Var(μ̂) = 613.70314."""
    fit = bt.fit_oneway(dyestuff["Yield"], dyestuff["Batch"])
    assert fit.var_mu == pytest.approx(375.71669, rel=REL)
    np.testing.assert_allclose(fit.cond_var, 383.63373, rtol=REL)
    np.testing.assert_allclose(fit.pev, 613.70314, rtol=REL)
    # and the two formulas, written out here
    np.testing.assert_allclose(fit.cond_var, (1 - fit.w) * fit.sigma_b2, rtol=1e-12)
    np.testing.assert_allclose(fit.cond_var, fit.w * fit.sigma_e2 / fit.n, rtol=1e-12)
    np.testing.assert_allclose(fit.pev, fit.cond_var + fit.w**2 * fit.var_mu, rtol=1e-12)


def test_general_fit_interface(dyestuff):
    fit = bt.fit_oneway(dyestuff["Yield"], dyestuff["Batch"])
    assert fit.group_name == "Batch"
    assert list(fit.fixef.index) == ["(Intercept)"]
    assert fit.fixef["(Intercept)"] == pytest.approx(1527.5, rel=REL)
    assert fit.sigma2 == pytest.approx(2451.25, rel=REL)
    vc = fit.varcorr["Batch"]
    assert vc.shape == (1, 1) and vc.loc["(Intercept)", "(Intercept)"] == pytest.approx(1764.0502, rel=REL)
    re = fit.ranef["Batch"]
    assert list(re.index) == list("ABCDEF") and list(re.columns) == ["(Intercept)"]
    np.testing.assert_allclose(re["(Intercept)"], [-17.606852, 0.391263, 28.562226, -23.084538, 56.733188, -44.995287], rtol=REL)
    cv = fit.ranef_cov["Batch"]
    assert cv.shape == (6, 1, 1)
    np.testing.assert_allclose(cv[:, 0, 0], 383.63373, rtol=REL)
    assert fit.singular is False
    assert fit.loglik == pytest.approx(-159.827138, rel=REL)
    assert fit.lam == pytest.approx(2451.25 / 1764.0502, rel=REL)
    table = fit.predictions()
    np.testing.assert_allclose(table["pooled"], 1527.5 + re["(Intercept)"].to_numpy(), rtol=1e-6)
    assert "singular" not in repr(fit) and "REML" in repr(fit)
    # a plain list of labels: the factor is called "group"
    fit2 = bt.fit_oneway(dyestuff["Yield"].tolist(), dyestuff["Batch"].tolist())
    assert list(fit2.ranef) == ["group"]


# ---------------------------------------------------------------------------
# small cases worked out by hand
# ---------------------------------------------------------------------------
# Balanced: groups a = (1, 3), b = (5, 7), c = (2, 4); means 2, 6, 3; grand mean 11/3.
# SSW = 2 + 2 + 2 = 6, MSW = 6/(6 − 3) = 2;  SSB = 2·[(5/3)² + (7/3)² + (2/3)²] = 2·78/9, MSB = 26/3.
# ANOVA = REML (balanced, positive): σ_ε² = 2, σ_b² = (MSB − MSW)/2 = 10/3.
# ML: σ_ε² = MSW = 2, σ_b² = ((1 − 1/g)MSB − MSW)/n = ((2/3)(26/3) − 2)/2 = 17/9.
# w = 2·(10/3)/(2·(10/3) + 2) = 10/13; b̂ = (10/13)·(−5/3, 7/3, −2/3) = (−50, 70, −20)/39.
Y_BAL = [1.0, 3.0, 5.0, 7.0, 2.0, 4.0]
G_BAL = ["a", "a", "b", "b", "c", "c"]


def test_balanced_hand_case_anova():
    fit = bt.fit_oneway(Y_BAL, G_BAL, method="ANOVA")
    assert fit.sigma_b2 == pytest.approx(10 / 3, rel=1e-12)
    assert fit.sigma_e2 == pytest.approx(2.0, rel=1e-12)
    assert fit.mu == pytest.approx(11 / 3, rel=1e-12)
    np.testing.assert_allclose(fit.w, 10 / 13, rtol=1e-12)
    np.testing.assert_allclose(fit.blup, np.array([-50, 70, -20]) / 39, rtol=1e-12)


def test_balanced_hand_case_reml_equals_anova():
    fit = bt.fit_oneway(Y_BAL, G_BAL, method="REML")
    assert fit.sigma_b2 == pytest.approx(10 / 3, rel=1e-12)
    assert fit.sigma_e2 == pytest.approx(2.0, rel=1e-12)
    np.testing.assert_allclose(fit.blup, np.array([-50, 70, -20]) / 39, rtol=1e-12)


def test_balanced_hand_case_ml():
    fit = bt.fit_oneway(Y_BAL, G_BAL, method="ML")
    assert fit.sigma_b2 == pytest.approx(17 / 9, rel=1e-12)
    assert fit.sigma_e2 == pytest.approx(2.0, rel=1e-12)


def test_unbalanced_hand_case_anova():
    # a = (1, 3), b = (4, 6, 8), c = (5): means 2, 6, 5; N = 6, g = 3
    # SSW = 2 + 8 + 0 = 10, MSW = 10/3; grand = 27/6 = 4.5
    # SSB = 2·2.5² + 3·1.5² + 1·0.5² = 19.5, MSB = 9.75; n0 = (6 − 14/6)/2 = 11/6
    # σ_b² = (9.75 − 10/3)/(11/6) = 3.5
    fit = bt.fit_oneway([1, 3, 4, 6, 8, 5], list("aabbbc"), method="ANOVA")
    assert fit.sigma_e2 == pytest.approx(10 / 3, rel=1e-12)
    assert fit.sigma_b2 == pytest.approx(3.5, rel=1e-12)
    np.testing.assert_allclose(fit.n, [2, 3, 1])
    np.testing.assert_allclose(fit.mean, [2, 6, 5])


def test_anova_equals_reml_on_balanced_positive_real_data(dyestuff):
    reml = bt.fit_oneway(dyestuff["Yield"], dyestuff["Batch"], method="REML")
    anova = bt.fit_oneway(dyestuff["Yield"], dyestuff["Batch"], method="ANOVA")
    assert anova.sigma_b2 == pytest.approx(reml.sigma_b2, rel=1e-10)
    assert anova.sigma_e2 == pytest.approx(reml.sigma_e2, rel=1e-10)
    assert anova.loglik == pytest.approx(reml.loglik, rel=1e-12)
    np.testing.assert_allclose(anova.blup, reml.blup, rtol=1e-10)


def test_method_name_is_case_insensitive(dyestuff):
    a = bt.fit_oneway(dyestuff["Yield"], dyestuff["Batch"], method="reml")
    assert a.method == "REML"


# ---------------------------------------------------------------------------
# unbalanced real data against independent computations
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["REML", "ML"])
def test_unbalanced_radon_against_dense_gls(radon, method):
    fit = bt.fit_oneway(radon["log_radon"], radon["county"], method=method)
    ref = dense_oneway(radon["log_radon"], radon["county"], fit.sigma_b2, fit.sigma_e2)
    assert list(fit.levels) == list(ref.levels)
    assert fit.n.min() == 1 and fit.n.max() == 116
    assert fit.mu == pytest.approx(ref.mu, rel=1e-9)
    assert fit.var_mu == pytest.approx(ref.var_mu, rel=1e-9)
    np.testing.assert_allclose(fit.blup, ref.b_hat, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(fit.cond_var, ref.cond_var, rtol=1e-8)
    np.testing.assert_allclose(fit.pev, ref.pev, rtol=1e-8)
    loglik = ref.loglik_reml if method == "REML" else ref.loglik_ml
    assert fit.loglik == pytest.approx(loglik, rel=1e-10)
    # GLS μ̂ is not the raw grand mean when groups are unbalanced
    assert abs(fit.mu - radon["log_radon"].mean()) > 0.01


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_unbalanced_radon_against_statsmodels(radon, method):
    smf = pytest.importorskip("statsmodels.formula.api")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")   # statsmodels' own convergence chatter
        ref = smf.mixedlm("log_radon ~ 1", radon, groups=radon["county"]).fit(reml=(method == "REML"))
    fit = bt.fit_oneway(radon["log_radon"], radon["county"], method=method)
    assert fit.sigma_b2 == pytest.approx(float(ref.cov_re.iloc[0, 0]), rel=1e-4)
    assert fit.sigma_e2 == pytest.approx(float(ref.scale), rel=1e-4)
    assert fit.mu == pytest.approx(float(ref.fe_params.iloc[0]), rel=1e-4)
    # ours is the maximum: no lower than statsmodels' optimum, and equal to it closely
    assert fit.loglik >= ref.llf - 1e-8
    assert fit.loglik == pytest.approx(ref.llf, rel=1e-8)


def test_unbalanced_fit_is_the_likelihood_maximum(radon):
    """Nudging the fitted variances in any direction lowers the dense REML log-likelihood."""
    fit = bt.fit_oneway(radon["log_radon"], radon["county"])
    best = dense_oneway(radon["log_radon"], radon["county"], fit.sigma_b2, fit.sigma_e2).loglik_reml
    for fb, fe in [(1.02, 1), (0.98, 1), (1, 1.02), (1, 0.98)]:
        other = dense_oneway(radon["log_radon"], radon["county"], fit.sigma_b2 * fb, fit.sigma_e2 * fe).loglik_reml
        assert other < best


def test_group_order_and_label_types_do_not_change_the_fit(dyestuff):
    rng = np.random.default_rng(3)
    perm = rng.permutation(len(dyestuff))
    shuffled = dyestuff.iloc[perm]
    a = bt.fit_oneway(dyestuff["Yield"], dyestuff["Batch"])
    b = bt.fit_oneway(shuffled["Yield"].to_numpy(), shuffled["Batch"].to_numpy())
    assert b.sigma_b2 == pytest.approx(a.sigma_b2, rel=1e-8)
    np.testing.assert_allclose(b.blup, a.blup, rtol=1e-8)
    codes = pd.factorize(dyestuff["Batch"], sort=True)[0]
    c = bt.fit_oneway(dyestuff["Yield"], codes)   # integer labels
    np.testing.assert_allclose(c.blup, a.blup, rtol=1e-8)
