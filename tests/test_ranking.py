"""Tests of blupteach.ranking, blupteach.funnel and blupteach.simulate.ranks (claims C22, C31, lesson 10).

Expected values come from lme4 (the London exam fits, pasted with their source), closed
forms (the one-way PEV and the shared-μ̂ covariance w_i w_j Var(μ̂)), an independent dense
computation (P = G − G Z' Π Z G with the marginal covariance V, formed here) and hand
arithmetic (funnel limits, ranks of draws that never cross).  Monte-Carlo checks use fixed
seeds and tolerances of 4 standard errors.
"""

import math

import numpy as np
import pandas as pd
import pytest

import blupteach as bt
from blupteach.ranking import EffectDistribution


@pytest.fixture(scope="module")
def exam():
    return bt.datasets.load("exam_schools").astype({"school": str})


@pytest.fixture(scope="module")
def raw_fit(exam):
    return bt.fit_oneway(exam["normexam"], exam["school"], group_name="school")


@pytest.fixture(scope="module")
def va_fit(exam):
    return bt.fit_lmm("normexam ~ standLRT + (1 | school)", exam)


# ---------------------------------------------------------------------------
# the reference fits: lme4 1.1-31 (R 4.2), REML, on blupteach/datasets/exam_schools.csv:
#   Rscript -e 'library(lme4); d <- read.csv("blupteach/datasets/exam_schools.csv");
#     d$school <- factor(d$school); m0 <- lmer(normexam ~ 1 + (1 | school), d);
#     m1 <- lmer(normexam ~ standLRT + (1 | school), d); VarCorr(m0); VarCorr(m1); fixef(m1); logLik(m1)'
# printed (as.data.frame(VarCorr(.))$vcov, digits = 10):
#   m0: school 0.1715995524, Residual 0.8477576750, (Intercept) -0.01325213386, logLik -5507.32727043
#   m1: school 0.09383898838, Residual 0.56586531023, (Intercept) 0.002322823129,
#       standLRT 0.563306914124, logLik -4684.38264366
# ---------------------------------------------------------------------------
def test_exam_fits_match_lme4(raw_fit, va_fit):
    assert raw_fit.sigma_b2 == pytest.approx(0.1715995524, rel=1e-5)
    assert raw_fit.sigma_e2 == pytest.approx(0.8477576750, rel=1e-5)
    assert raw_fit.mu == pytest.approx(-0.01325213386, abs=1e-6)
    assert raw_fit.loglik == pytest.approx(-5507.32727043, abs=1e-4)
    assert float(va_fit.varcorr["school"].iloc[0, 0]) == pytest.approx(0.09383898838, rel=1e-5)
    assert va_fit.sigma2 == pytest.approx(0.56586531023, rel=1e-5)
    assert va_fit.fixef.to_numpy() == pytest.approx([0.002322823129, 0.563306914124], abs=1e-6)
    assert va_fit.loglik == pytest.approx(-4684.38264366, abs=1e-4)


# ---------------------------------------------------------------------------
# conditional_effects: N(b_hat, P)
# ---------------------------------------------------------------------------
def test_oneway_covariance_is_the_closed_form(raw_fit):
    """P = diag(c_i) + Var(μ̂) w w': the diagonal is bt.pev(target='deviation')."""
    eff = bt.conditional_effects(raw_fit)
    n, sb2, se2 = raw_fit.n, raw_fit.sigma_b2, raw_fit.sigma_e2
    w = n * sb2 / (n * sb2 + se2)
    var_mu = 1 / np.sum(n / (n * sb2 + se2))
    expected = np.diag((1 - w) * sb2) + var_mu * np.outer(w, w)
    assert eff.cov == pytest.approx(expected, rel=1e-8, abs=1e-12)
    assert eff.pev == pytest.approx(bt.pev(n, sb2, se2, target="deviation"), rel=1e-10)
    assert eff.b_hat.to_numpy() == pytest.approx(w * (raw_fit.mean - raw_fit.mu), abs=1e-12)
    assert list(eff.b_hat.index) == list(raw_fit.levels)


def test_general_covariance_against_the_marginal_formula():
    """Var(b̂ − b) = G − G Z' Π Z G, Π = V⁻¹ − V⁻¹X(X'V⁻¹X)⁻¹X'V⁻¹, formed densely on a small data set."""
    rng = np.random.default_rng(3)
    sizes = [2, 5, 9, 4]
    g = np.repeat(np.arange(4), sizes)
    x = rng.normal(size=g.size)
    y = 1 + 0.5 * x + rng.normal(size=4)[g] + rng.normal(size=g.size)
    data = pd.DataFrame({"y": y, "x": x, "g": [f"s{k}" for k in g]})
    fit = bt.fit_lmm("y ~ x + (1 | g)", data)
    sb2, se2 = float(fit.varcorr["g"].iloc[0, 0]), fit.sigma2
    X, Z = np.column_stack([np.ones(g.size), x]), np.eye(4)[g]
    V = sb2 * Z @ Z.T + se2 * np.eye(g.size)
    Vi = np.linalg.inv(V)
    Pi = Vi - Vi @ X @ np.linalg.inv(X.T @ Vi @ X) @ X.T @ Vi
    G = sb2 * np.eye(4)
    expected = G - G @ Z.T @ Pi @ Z @ G
    eff = bt.conditional_effects(fit)
    assert eff.cov == pytest.approx(expected, rel=1e-7, abs=1e-12)
    assert eff.b_hat.to_numpy() == pytest.approx(G @ Z.T @ Pi @ y, rel=1e-6, abs=1e-10)
    assert eff.n.tolist() == sizes


def test_lmm_intercept_only_equals_oneway(exam, raw_fit):
    lmm = bt.fit_lmm("normexam ~ 1 + (1 | school)", exam)
    a, b = bt.conditional_effects(lmm), bt.conditional_effects(raw_fit)
    assert a.cov == pytest.approx(b.cov, rel=1e-5, abs=1e-9)


def test_conditional_effects_refuses_what_it_cannot_rank():
    with pytest.raises(ValueError, match="fit must be a fitted model"):
        bt.conditional_effects("not a fit")
    sleep = bt.fit_lmm("Reaction ~ Days + (Days | Subject)", bt.datasets.load("sleepstudy"))
    with pytest.raises(ValueError, match=r"one random intercept"):
        bt.conditional_effects(sleep)
    d2 = bt.datasets.load("dyestuff2")
    flat = bt.fit_oneway(d2["Yield"], d2["Batch"])          # REML puts sigma_b2 at 0 here
    assert flat.sigma_b2 == 0
    with pytest.raises(ValueError, match="sigma_b2 = 0"):
        bt.conditional_effects(flat)


def test_effect_distribution_checks_its_parts():
    with pytest.raises(ValueError, match="cov must be 2 x 2"):
        EffectDistribution(b_hat=pd.Series([0.0, 1.0]), cov=np.eye(3), n=np.ones(2))
    with pytest.raises(ValueError, match="symmetric"):
        EffectDistribution(b_hat=pd.Series([0.0, 1.0]), cov=np.array([[1.0, 0.5], [0.0, 1.0]]), n=np.ones(2))
    with pytest.raises(ValueError, match="b_hat has 1 NaN"):
        EffectDistribution(b_hat=pd.Series([np.nan, 1.0]), cov=np.eye(2), n=np.ones(2))
    cov = np.eye(2)
    e = EffectDistribution(b_hat=[0.5, -0.5], cov=cov, n=[3, 4])
    assert list(e.b_hat.index) == [0, 1] and e.n.tolist() == [3.0, 4.0]
    cov[0, 0] = 9.0
    assert e.cov[0, 0] == 1.0                                      # not sharing the caller's array


# ---------------------------------------------------------------------------
# league_table and flag_unusual
# ---------------------------------------------------------------------------
def test_league_table_raw_columns_by_hand(exam, raw_fit, va_fit):
    t = bt.league_table(raw_fit)
    by_school = exam.groupby("school")["normexam"]
    assert t["raw"].to_numpy() == pytest.approx((by_school.mean() - raw_fit.mu).loc[t.index].to_numpy(), abs=1e-12)
    assert t["raw_se"].to_numpy() == pytest.approx(np.sqrt(raw_fit.sigma_e2 / by_school.size().loc[t.index]), rel=1e-12)
    va = bt.league_table(va_fit)
    resid = exam["normexam"] - va_fit.fixef["(Intercept)"] - va_fit.fixef["standLRT"] * exam["standLRT"]
    assert va["raw"].to_numpy() == pytest.approx(resid.groupby(exam["school"]).mean().loc[va.index].to_numpy(), abs=1e-10)
    assert va["blup"].to_numpy() == pytest.approx(va_fit.ranef["school"]["(Intercept)"].to_numpy(), abs=1e-12)
    top = t["blup"].idxmax()
    assert t.loc[top, "blup_rank"] == 1 and t["raw_rank"].max() == len(t)


def test_flag_unusual_by_hand():
    # z(0.95) = 1.959964: 0.5/0.2 = 2.5 yes, 0.5/0.3 = 1.67 no; z(0.8) = 1.2816: 1.67 yes
    assert bt.flag_unusual([0.5, -0.5, 0.1], [0.2, 0.3, 0.2]).tolist() == [True, False, False]
    assert bt.flag_unusual([0.5, -0.5, 0.1], [0.2, 0.3, 0.2], level=0.8).tolist() == [True, True, False]
    assert bt.flag_unusual([-1.0, 1.0], 0.5).tolist() == [True, True]          # one se for all
    est = np.array([0.5, -0.5])
    bt.flag_unusual(est, [0.1, 0.1])
    assert est.tolist() == [0.5, -0.5]


@pytest.mark.parametrize("args, kwargs, match", [
    (([0.5], [0.0]), {}, "se must be > 0"),
    (([0.5, np.nan], [0.1, 0.1]), {}, "estimate has 1 NaN"),
    (([0.5, 0.2], [0.1, 0.1, 0.1]), {}, "matching"),
    (([0.5], [0.1]), {"level": 95}, "level must be strictly between 0 and 1"),
    ((["a"], [0.1]), {}, "estimate must be numeric"),
])
def test_flag_unusual_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bt.flag_unusual(*args, **kwargs)


def test_blup_flags_fewer_and_other_schools_than_raw_extremes(raw_fit):
    """C22 on the London data: shrinkage lowers |estimate|/se (about by √w) and small schools drop out."""
    t = bt.league_table(raw_fit)
    raw = bt.flag_unusual(t["raw"], t["raw_se"])
    blup = bt.flag_unusual(t["blup"], t["se"])
    assert (raw.sum(), blup.sum()) == (39, 31)
    assert not (blup & ~raw).any()
    extreme = t["raw"].abs().rank(ascending=False, method="first") <= blup.sum()
    assert sorted(t.index[extreme & ~blup], key=int) == ["27", "34", "48", "54"]


# ---------------------------------------------------------------------------
# rank_intervals (math) and simulate_effects (the draws)
# ---------------------------------------------------------------------------
def test_rank_intervals_of_draws_that_never_cross():
    draws = np.array([[3.0, 1.0, 2.0], [2.9, 0.8, 2.1], [3.5, -1.0, 0.0]])
    t = bt.rank_intervals(draws, index=["a", "b", "c"])
    assert t.loc["a"].tolist() == [1.0, 1.0, 1.0, 0.0]
    assert t.loc["b", ["median", "lower", "upper"]].tolist() == [3.0, 3.0, 3.0]
    assert t.loc["c", ["lower", "upper"]].tolist() == [2.0, 2.0]


def test_rank_intervals_ties_share_their_average_rank():
    t = bt.rank_intervals([[1.0, 1.0, 0.0]])
    assert t["median"].tolist() == [1.5, 1.5, 3.0]


def test_well_separated_effects_give_degenerate_rank_intervals():
    eff = EffectDistribution(b_hat=pd.Series([10.0, 5.0, 0.0, -5.0, -10.0], index=list("abcde")),
                             cov=0.01 * np.eye(5), n=np.full(5, 50.0))
    t = bt.rank_intervals(bt.simulate_effects(eff, sims=2000, seed=1), index=eff.b_hat.index)
    assert t["lower"].tolist() == [1, 2, 3, 4, 5] and t["upper"].tolist() == [1, 2, 3, 4, 5]
    assert (t["width"] == 0).all()


def test_identical_effects_give_wide_rank_intervals():
    eff = EffectDistribution(b_hat=pd.Series(np.zeros(6)), cov=np.eye(6), n=np.full(6, 5.0))
    t = bt.rank_intervals(bt.simulate_effects(eff, sims=4000, seed=2), level=0.9)
    assert (t["lower"] == 1).all() and (t["upper"] == 6).all()
    assert t["median"].between(3, 4).all()


def test_rank_intervals_bad_input():
    with pytest.raises(ValueError, match="draws must be 2-dimensional"):
        bt.rank_intervals([1.0, 2.0])
    with pytest.raises(ValueError, match="at least 2 groups"):
        bt.rank_intervals([[1.0], [2.0]])
    with pytest.raises(ValueError, match="index must have 2 labels"):
        bt.rank_intervals([[1.0, 2.0]], index=["a"])
    with pytest.raises(ValueError, match="draws has 1 NaN"):
        bt.rank_intervals([[1.0, np.nan]])
    with pytest.raises(ValueError, match="level must be strictly between"):
        bt.rank_intervals([[1.0, 2.0]], level=1.0)


def test_simulate_effects_draws_from_n_bhat_p():
    cov = np.array([[1.0, 0.6], [0.6, 2.0]])
    eff = EffectDistribution(b_hat=pd.Series([1.0, -2.0]), cov=cov, n=np.array([3.0, 4.0]))
    draws = bt.simulate_effects(eff, sims=40_000, seed=4)
    assert draws.shape == (40_000, 2)
    se_mean = np.sqrt(np.diag(cov) / 40_000)
    assert np.all(np.abs(draws.mean(axis=0) - [1.0, -2.0]) < 4 * se_mean)
    assert np.cov(draws.T) == pytest.approx(cov, abs=4 * 2.0 * np.sqrt(2 / 40_000))
    assert np.array_equal(draws, bt.simulate_effects(eff, sims=40_000, seed=4))      # seeded: the same draws
    assert not np.array_equal(draws[:10], bt.simulate_effects(eff, sims=10, seed=5))


def test_simulate_effects_requires_a_seed_and_good_input():
    eff = EffectDistribution(b_hat=pd.Series([0.0, 1.0]), cov=np.eye(2), n=np.ones(2))
    with pytest.raises(TypeError):
        bt.simulate_effects(eff, sims=10)                                   # no seed at all
    with pytest.raises(ValueError, match="seed must be a whole number"):
        bt.simulate_effects(eff, sims=10, seed=None)
    with pytest.raises(ValueError, match="sims must be a whole number >= 1"):
        bt.simulate_effects(eff, sims=0, seed=1)
    with pytest.raises(ValueError, match="effects must be a blupteach EffectDistribution"):
        bt.simulate_effects({"b_hat": [0.0]}, sims=10, seed=1)
    singular = EffectDistribution(b_hat=pd.Series([0.0, 1.0]), cov=np.zeros((2, 2)), n=np.ones(2))
    with pytest.raises(ValueError, match="not positive definite"):
        bt.simulate_effects(singular, sims=10, seed=1)


def test_exam_rank_intervals_c31(raw_fit, va_fit):
    """C31: the top school's rank is 1-4, the middle of the table is uncertain by 20+ places; intake moves ranks."""
    out = {}
    for name, fit in (("raw", raw_fit), ("va", va_fit)):
        eff = bt.conditional_effects(fit)
        out[name] = bt.rank_intervals(bt.simulate_effects(eff, sims=2000, seed=10), index=eff.b_hat.index)
    assert out["raw"].loc["53", ["lower", "upper"]].tolist() == [1.0, 4.0]
    assert out["raw"]["width"].median() >= 20 and out["va"]["width"].median() >= 20
    assert (out["raw"]["median"] - out["va"]["median"]).abs().max() >= 15


# ---------------------------------------------------------------------------
# funnel_limits
# ---------------------------------------------------------------------------
def test_funnel_limits_by_hand():
    z95, z998 = 1.959963984540054, 3.090232306167813
    t = bt.funnel_limits([1, 4, 25], 0.5, 2.0)
    assert t["upper"].tolist() == pytest.approx([0.5 + z95 * math.sqrt(2.0), 0.5 + z95 * math.sqrt(0.5),
                                                 0.5 + z95 * math.sqrt(0.08)], rel=1e-12)
    assert t["lower"].tolist() == pytest.approx([0.5 - z95 * math.sqrt(2.0), 0.5 - z95 * math.sqrt(0.5),
                                                 0.5 - z95 * math.sqrt(0.08)], rel=1e-12)
    r = bt.funnel_limits([4.0], 0.0, 2.0, sigma_b2=0.3, level=0.998)        # √(0.3 + 0.5) = 0.894427...
    assert r["upper"].iloc[0] == pytest.approx(z998 * math.sqrt(0.8), rel=1e-12)
    big = bt.funnel_limits([1e9], 0.0, 2.0, sigma_b2=0.25)                  # levels off at μ ± zσ_b
    assert big["upper"].iloc[0] == pytest.approx(z95 * 0.5, rel=1e-6)
    n = np.array([4.0, 9.0])
    bt.funnel_limits(n, 0.0, 1.0)
    assert n.tolist() == [4.0, 9.0]


@pytest.mark.parametrize("args, kwargs, match", [
    (([0, 4], 0.0, 1.0), {}, "n must be a list of group sizes > 0"),
    (([4], np.nan, 1.0), {}, "mu must be a finite number"),
    (([4], 0.0, 0.0), {}, "sigma_e2 must be > 0"),
    (([4], 0.0, 1.0), {"sigma_b2": -0.1}, "sigma_b2 must be >= 0"),
    (([4], 0.0, 1.0), {"level": 99.8}, "level must be strictly between 0 and 1"),
    ((["four"], 0.0, 1.0), {}, "n must be numeric"),
])
def test_funnel_limits_bad_input(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        bt.funnel_limits(*args, **kwargs)


def test_outside_funnel_by_hand():
    # n = 4, sigma_e2 = 1, mu = 0: limits +-1.96 * 0.5 = +-0.98; with sigma_b2 = 0.75: +-1.96
    assert bt.outside_funnel([4, 4, 4, 4], [0.97, 0.99, -0.99, 1.5], 0.0, 1.0).tolist() == [False, True, True, True]
    assert bt.outside_funnel([4, 4], [1.5, 1.97], 0.0, 1.0, sigma_b2=0.75).tolist() == [False, True]
    with pytest.raises(ValueError, match="estimate must have 2 values"):
        bt.outside_funnel([4, 4], [1.0], 0.0, 1.0)
