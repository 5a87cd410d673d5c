"""lme4's random-term grammar (issue 10, point 4): every spelling means what it means in lme4.

Each spelling is fitted beside its canonical form on the same data and must give the
identical fit; what the engine cannot express is refused naming the term; θ is in lme4's
order and ``loglik_at`` at lme4's θ gives lme4's criterion.  The reference numbers were
computed with R's lme4 1.1.31 (R 4.2.2, Debian's r-cran-lme4; never a dependency of this
suite) by the R code quoted beside them.
"""

import numpy as np
import pandas as pd
import pytest

import blupteach as bt
from blupteach.mixed import fit_lmm, loglik_at


@pytest.fixture(scope="module")
def sleep():
    return bt.datasets.load("sleepstudy")


@pytest.fixture(scope="module")
def sim():
    """Two slopes, a 3-level category f and a nested factor: 12 groups g, 3 subgroups h in each."""
    rng = np.random.default_rng(10)
    g = np.repeat(np.arange(12), 24)
    h = np.tile(np.repeat(np.arange(3), 8), 12)
    x1, x2 = rng.normal(size=g.size), rng.normal(size=g.size)
    f = rng.choice(["A", "B", "C"], size=g.size)
    y = (1 + x1 - x2 + rng.normal(0, 1, 12)[g] + rng.normal(0, 0.6, 36)[g * 3 + h]
         + rng.normal(0, 0.7, 12)[g] * x1 + rng.normal(0, 0.4, 12)[g] * x2
         + (f == "B") * rng.normal(0, 0.8, 12)[g] + rng.normal(size=g.size))
    df = pd.DataFrame({"y": y, "x1": x1, "x2": x2, "f": f, "g": [f"g{i:02d}" for i in g], "h": [f"h{i}" for i in h]})
    df["gh"] = df.g + ":" + df.h                                    # the nesting as its own column
    for level in "ABC":                                             # f's indicator columns
        df[f"f{level}"] = (df.f == level).astype(float)
    return df


def _assert_same_fit(a, b, rtol=1e-10):
    """The same loglik, fixef, varcorr (by name) and θ: the two formulas are one model."""
    np.testing.assert_allclose(a.loglik, b.loglik, rtol=rtol)
    pd.testing.assert_index_equal(a.fixef.index, b.fixef.index)
    np.testing.assert_allclose(a.fixef.to_numpy(), b.fixef.to_numpy(), rtol=rtol, atol=1e-10)
    assert set(a.varcorr) == set(b.varcorr)
    for name in a.varcorr:
        assert list(a.varcorr[name].columns) == list(b.varcorr[name].columns), name
        np.testing.assert_allclose(a.varcorr[name].to_numpy(), b.varcorr[name].to_numpy(), rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(a.theta, b.theta, rtol=rtol, atol=1e-10)
    np.testing.assert_allclose(a.sigma2, b.sigma2, rtol=rtol)


SLEEP_SPELLINGS = [
    # spelling, canonical form, the random-effect columns lme4 gives the spelling
    ("(Days | Subject)", "(1 + Days | Subject)", {"Subject": ["(Intercept)", "Days"]}),
    ("(1 | Subject)", "(1 | Subject)", {"Subject": ["(Intercept)"]}),
    ("(-1 + Days | Subject)", "(0 + Days | Subject)", {"Subject": ["Days"]}),
    ("(Days - 1 | Subject)", "(0 + Days | Subject)", {"Subject": ["Days"]}),
    ("(Days + 0 | Subject)", "(0 + Days | Subject)", {"Subject": ["Days"]}),
    ("(Days || Subject)", "(1 | Subject) + (0 + Days | Subject)",
     {"Subject": ["(Intercept)"], "Subject.1": ["Days"]}),
    ("(0 + Days || Subject)", "(0 + Days | Subject)", {"Subject": ["Days"]}),
    ("(1 | Subject) + (0 + Days | Subject)", "(1 | Subject) + (Days - 1 | Subject)",
     {"Subject": ["(Intercept)"], "Subject.1": ["Days"]}),
]


@pytest.mark.parametrize("spelling, canonical, columns", SLEEP_SPELLINGS)
def test_sleepstudy_spelling_is_its_canonical_form(sleep, spelling, canonical, columns):
    a = fit_lmm(f"Reaction ~ Days + {spelling}", sleep)
    b = fit_lmm(f"Reaction ~ Days + {canonical}", sleep)
    assert {name: list(v.columns) for name, v in a.varcorr.items()} == columns
    _assert_same_fit(a, b)


SIM_SPELLINGS = [
    ("(x1 + x2 - 1 | g)", "(0 + x1 + x2 | g)", {"g": ["x1", "x2"]}),
    ("(x1 + x2 + 0 | g)", "(0 + x1 + x2 | g)", {"g": ["x1", "x2"]}),
    ("(-1 + x1 + x2 | g)", "(0 + x1 + x2 | g)", {"g": ["x1", "x2"]}),
    ("(x1 + x2 || g)", "(1 | g) + (0 + x1 | g) + (0 + x2 | g)",
     {"g": ["(Intercept)"], "g.1": ["x1"], "g.2": ["x2"]}),
    ("(1 | g/h)", "(1 | g) + (1 | g:h)", {"g:h": ["(Intercept)"], "g": ["(Intercept)"]}),
    ("(1 | g:h)", "(1 | gh)", {"g:h": ["(Intercept)"]}),
    ("(1 | g) + (1 | g:h)", "(1 | gh) + (1 | g)", {"g": ["(Intercept)"], "g:h": ["(Intercept)"]}),
    # a categorical variable without an intercept: every level, as R's model.matrix codes it
    ("(0 + f | g)", "(0 + fA + fB + fC | g)", {"g": ["fA", "fB", "fC"]}),
    ("(f | g)", "(1 + fB + fC | g)", {"g": ["(Intercept)", "fB", "fC"]}),
    # lme4's || does not split a factor's columns: (f || g) is (1 | g) + (0 + f | g)
    ("(f || g)", "(1 | g) + (0 + fA + fB + fC | g)", {"g": ["(Intercept)"], "g.1": ["fA", "fB", "fC"]}),
]


@pytest.mark.parametrize("spelling, canonical, columns", SIM_SPELLINGS)
def test_simulated_spelling_is_its_canonical_form(sim, spelling, canonical, columns):
    a = fit_lmm(f"y ~ x1 + x2 + {spelling}", sim)
    b = fit_lmm(f"y ~ x1 + x2 + {canonical}", sim)
    got = {name: list(v.columns) for name, v in a.varcorr.items()}
    if "gh" in canonical:                                    # the same factor under its column's name
        b.varcorr["g:h"] = b.varcorr.pop("gh")
    assert got == columns
    _assert_same_fit(a, b)


def test_no_intercept_spellings_are_not_the_model_with_one(sim):
    """The silent wrong model this grammar fixes: (x1 + x2 - 1 | g) was fitted with an intercept."""
    without = fit_lmm("y ~ x1 + x2 + (x1 + x2 - 1 | g)", sim)
    with_ = fit_lmm("y ~ x1 + x2 + (x1 + x2 | g)", sim)
    assert list(with_.varcorr["g"].columns) == ["(Intercept)", "x1", "x2"]
    assert abs(without.loglik - with_.loglik) > 1.0            # a clearly different model


def test_fixed_part_intercept_rule(sim):
    """The fixed part follows R too: '- 1' and '+ 0' anywhere remove the intercept."""
    for formula in ["y ~ x1 - 1 + (1 | g)", "y ~ x1 + 0 + (1 | g)", "y ~ (1 | g) + x1 - 1", "y ~ -1 + x1 + (1 | g)"]:
        assert list(fit_lmm(formula, sim).fixef.index) == ["x1"], formula
    assert list(fit_lmm("y ~ 0 + f + (1 | g)", sim).fixef.index) == ["fA", "fB", "fC"]


@pytest.mark.parametrize("formula, match", [
    ("y ~ x1 + ar1(0 + x1 | g)", r"'ar1\(0 \+ x1 \| g\)' is a covariance-structure term"),
    ("y ~ x1 + diag(x1 | g)", r"'diag\(x1 \| g\)' is a covariance-structure term"),
    ("y ~ x1 + offset(x2) + (1 | g)", r"'offset\(x2\)' is an offset.*subtract the offset from the response"),
    ("y ~ x1 + (1 | factor(g))",
     r"grouping factor 'factor\(g\)' of the random term '\(1 \| factor\(g\)\)'.*compute it as a column"),
    ("y ~ x1 + (1 | g + h)", r"grouping factor 'g \+ h'"),
    ("y ~ x1 + (log(x2) | g)", r"random term '\(log\(x2\) \| g\)'.*the term 'log\(x2\)' is not supported"),
    ("y ~ log(x1) + (1 | g)", r"the term 'log\(x1\)' is not supported.*compute transformed columns"),
    ("log(y) ~ x1 + (1 | g)", r"response must be one numeric column; got 'log\(y\)'"),
    ("y ~ x1 + (0 | g)", r"random term '\(0 \| g\)' has no terms"),
    ("y ~ x1 + ( | g)", r"random term '\( \| g\)' has nothing left of the bar"),
    ("y ~ x1 + (1 | g | h)", r"random term '\(1 \| g \| h\)' must have one bar"),
    ("y ~ x1 * (1 | g)", r"random term in 'x1 \* \(1 \| g\)' must stand alone"),
    ("y ~ x1 - (1 | g)", r"random term '\(1 \| g\)' is subtracted"),
    ("y ~ x1 | g", r"random term in 'x1 \| g' must stand alone in parentheses"),
    ("y ~ x1 + s(x2 | g)", r"'s\(x2 \| g\)' puts a random term inside a call"),
])
def test_terms_the_engine_cannot_express_are_refused_by_name(sim, formula, match):
    with pytest.raises(ValueError, match=match):
        fit_lmm(formula, sim)


def test_prior_weights_are_not_an_argument(sim):
    """lme4's weights= has no counterpart: refused naming it, nothing is fitted as something else."""
    with pytest.raises(ValueError, match="^weights: prior weights .* are not supported"):
        fit_lmm("y ~ x1 + (1 | g)", sim, weights=np.ones(len(sim)))


def test_loglik_at_checks_theta(sleep):
    with pytest.raises(ValueError, match="theta must have 3 entries"):
        loglik_at("Reaction ~ Days + (Days | Subject)", sleep, [1.0, 0.0])
    with pytest.raises(ValueError, match="theta must be finite"):
        loglik_at("Reaction ~ Days + (1 | Subject)", sleep, [np.nan])


def test_method_is_keyword_only(sleep):
    with pytest.raises(TypeError):
        fit_lmm("Reaction ~ Days + (1 | Subject)", sleep, "ML")
    with pytest.raises(TypeError):
        loglik_at("Reaction ~ Days + (1 | Subject)", sleep, [1.0], "ML")


# --- lme4's θ order and lme4's numbers ---------------------------------------------------------
# Pastes (Davies & Goldsmith 1972; lme4's data(Pastes)): strength of 2 samples from each of
# 3 casks in each of 10 batches, in R's row order (batch A..J, cask a..c, sample 1..2).
PASTES_STRENGTH = [
    62.8, 62.6, 60.1, 62.3, 62.7, 63.1, 60.0, 61.4, 57.5, 56.9, 61.1, 58.9, 58.7, 57.5, 63.9,
    63.1, 65.4, 63.7, 57.1, 56.4, 56.9, 58.6, 64.7, 64.5, 55.1, 55.1, 54.7, 54.2, 58.8, 57.5,
    63.4, 64.9, 59.3, 58.1, 60.5, 60.0, 62.5, 62.6, 61.0, 58.7, 56.9, 57.7, 59.2, 59.4, 65.2,
    66.0, 64.8, 64.1, 54.8, 54.8, 64.0, 64.0, 57.7, 56.8, 58.3, 59.3, 59.2, 59.2, 58.9, 56.6]
# Penicillin (Davies & Goldsmith 1972; lme4's data(Penicillin)): inhibition diameter of 6
# samples (A..F) on each of 24 plates (a..x), in R's row order (plate by plate).
PENICILLIN_DIAMETER = [
    27, 23, 26, 23, 23, 21, 27, 23, 26, 23, 23, 21, 25, 21, 25, 24, 24, 20, 26, 23, 25, 23, 23, 20,
    25, 22, 26, 22, 23, 20, 24, 22, 25, 23, 22, 19, 24, 20, 23, 21, 22, 19, 26, 22, 26, 24, 24, 21,
    24, 21, 24, 22, 22, 20, 24, 21, 24, 23, 22, 19, 26, 23, 26, 24, 24, 21, 25, 22, 26, 24, 24, 20,
    26, 24, 26, 24, 25, 22, 26, 23, 26, 23, 23, 20, 26, 23, 25, 24, 24, 22, 25, 22, 25, 23, 23, 20,
    25, 21, 24, 23, 23, 20, 25, 22, 24, 23, 23, 19, 24, 21, 23, 21, 21, 19, 26, 23, 26, 24, 24, 21,
    25, 21, 24, 22, 22, 18, 25, 22, 25, 22, 22, 20, 24, 21, 24, 22, 24, 19, 24, 21, 24, 22, 21, 18]


@pytest.fixture(scope="module")
def pastes():
    return pd.DataFrame({"strength": PASTES_STRENGTH,
                         "batch": np.repeat(list("ABCDEFGHIJ"), 6),
                         "cask": np.tile(np.repeat(list("abc"), 2), 10)})


@pytest.fixture(scope="module")
def penicillin():
    return pd.DataFrame({"diameter": np.asarray(PENICILLIN_DIAMETER, dtype=float),
                         "plate": np.repeat(list("abcdefghijklmnopqrstuvwx"), 6),
                         "sample": np.tile(list("ABCDEF"), 24)})


# R (lme4 1.1.31):
#   ctl <- lmerControl(optCtrl = list(xtol_abs = 1e-12, ftol_abs = 1e-14))
#   fit <- lmer(strength ~ 1 + (1 | batch/cask), Pastes, control = ctl)
#   getME(fit, "theta"); REMLcrit(fit); logLik(fit); fixef(fit); as.data.frame(VarCorr(fit))
PASTES_LME4 = dict(theta=[3.52690178773, 1.5634614021],      # cask:batch, batch (30 and 10 levels)
                   remlcrit=246.990745853, loglik=-123.495372927, fixef=60.0533333333,
                   var_cask_batch=8.433665931295, var_batch=1.657310911834, sigma2=0.677999949669)


def _assert_matches_lme4(fit, formula, data, ref, *, crit, method, variances):
    """The fit against lme4's published numbers ``ref``; ``variances``: factor name -> key in ref."""
    # lme4's criterion at lme4's θ (no optimiser involved: the deviance function itself)
    np.testing.assert_allclose(-2 * loglik_at(formula, data, ref["theta"], method=method), crit, atol=1e-6)
    np.testing.assert_allclose(fit.loglik, ref["loglik"], atol=1e-4)
    np.testing.assert_allclose(fit.theta, ref["theta"], rtol=1e-4)
    np.testing.assert_allclose(fit.fixef["(Intercept)"], ref["fixef"], rtol=1e-6)
    for name, key in variances.items():
        np.testing.assert_allclose(fit.varcorr[name].iat[0, 0], ref[key], rtol=1e-4)
    np.testing.assert_allclose(fit.sigma2, ref["sigma2"], rtol=1e-4)


@pytest.fixture(params=["dense", "sparse"])
def storage(request, monkeypatch):
    """Small fits keep Λ2 and Z2'Z1 dense; large ones sparse (General.DENSE_MAX): both must fit alike."""
    from blupteach.mixed.general import General
    if request.param == "sparse":
        monkeypatch.setattr(General, "DENSE_MAX", 0)
    return request.param


def test_pastes_nested_against_lme4(pastes, storage):
    ref = PASTES_LME4
    formula = "strength ~ 1 + (1 | batch/cask)"
    fit = fit_lmm(formula, pastes)
    assert list(fit.varcorr) == ["batch:cask", "batch"]          # lme4 names the first 'cask:batch'
    _assert_matches_lme4(fit, formula, pastes, ref, crit=ref["remlcrit"], method="REML",
                         variances={"batch:cask": "var_cask_batch", "batch": "var_batch"})


# R (lme4 1.1.31), ctl as above:
#   fit <- lmer(diameter ~ 1 + (1 | sample) + (1 | plate), Penicillin, control = ctl)      # REML
#   fml <- update(fit, REML = FALSE)                                                      # ML
#   getME(., "theta"); REMLcrit(fit); deviance(fml); logLik(.); fixef(.); VarCorr(.)
PENICILLIN_LME4 = {
    "REML": dict(theta=[1.53967555431, 3.51251885988], crit=330.860589, loglik=-165.4302945,
                 fixef=22.9722222222, var_plate=0.716905141001, var_sample=3.731131842304,
                 sigma2=0.302414956247),
    "ML": dict(theta=[1.53759428031, 3.21975622454], crit=332.188348669, loglik=-166.094174334,
               fixef=22.9722222222, var_plate=0.714992873521, var_sample=3.135192318832,
               sigma2=0.302425358074),
}


@pytest.mark.parametrize("method", ["REML", "ML"])
def test_penicillin_crossed_theta_in_lme4_order(penicillin, method, storage):
    """Written (1 | sample) + (1 | plate): θ is plate's (24 levels) then sample's (6), as lme4's."""
    ref = PENICILLIN_LME4[method]
    formula = "diameter ~ 1 + (1 | sample) + (1 | plate)"
    fit = fit_lmm(formula, penicillin, method=method)
    assert list(fit.varcorr) == ["sample", "plate"]               # keyed by name, formula order
    _assert_matches_lme4(fit, formula, penicillin, ref, crit=ref["crit"], method=method,
                         variances={"plate": "var_plate", "sample": "var_sample"})
    # the formula's order would be another point: θ read as (sample, plate) is a worse fit
    assert loglik_at(formula, penicillin, ref["theta"][::-1], method=method) < fit.loglik - 1.0
    _assert_same_fit(fit, fit_lmm("diameter ~ 1 + (1 | plate) + (1 | sample)", penicillin, method=method))


def test_theta_order_ties_keep_formula_order(sim):
    """Equal numbers of levels: lme4's sort is stable, so (1 | g) + (0 + x1 | g) stays in that order."""
    fit = fit_lmm("y ~ x1 + (1 | g) + (0 + x1 | g)", sim)
    sd = fit.theta * np.sqrt(fit.sigma2)
    np.testing.assert_allclose(sd ** 2, [fit.varcorr["g"].iat[0, 0], fit.varcorr["g.1"].iat[0, 0]], rtol=1e-10)


def test_import_does_not_load_formulae():
    import subprocess
    import sys

    code = "import sys, blupteach.mixed; print('formulae' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# R (lme4 1.1.31), ctl as above, on sleepstudy with a 3-level factor made from Days:
#   d <- sleepstudy; d$period <- ifelse(d$Days < 3, "a", ifelse(d$Days < 6, "b", "c"))
#   fit <- lmer(f, d, control = ctl); getME(fit, "theta"); REMLcrit(fit)
# The factor terms are singular fits in lme4 (a variance at 0), so only the deviance at lme4's
# θ (the design and its coding, exactly) and "no worse than lme4" are checked for them.
SLEEP_LME4 = [
    ("Reaction ~ Days + (Days || Subject)", [0.979896527914, 0.234231225347], 1743.66929358),
    ("Reaction ~ Days + (0 + Days | Subject)", [0.250192754591], 1766.52502749),
    ("Reaction ~ Days + (0 + period | Subject)",                      # 3 x 3: every level
     [0.910396905421, 1.28197551014, 1.32458365381, 0.754699204364, 1.43391995166, 0.0], 1747.56056433),
    ("Reaction ~ Days + (period || Subject)",                         # (1 | S) + (0 + period | S)
     [0.991142157101, 0.0, -0.196890181769, -0.338410562155, 0.881337220831, 1.51452740707,
      3.73481454585e-05], 1748.80260225),
    ("Reaction ~ 0 + period + (1 | Subject)", [1.11707473826], 1797.31242589),
]


@pytest.mark.parametrize("formula, theta, remlcrit", SLEEP_LME4)
def test_sleepstudy_spellings_against_lme4(sleep, formula, theta, remlcrit):
    d = sleep.assign(period=np.where(sleep.Days < 3, "a", np.where(sleep.Days < 6, "b", "c")))
    np.testing.assert_allclose(-2 * loglik_at(formula, d, theta), remlcrit, atol=1e-6)
    assert -2 * fit_lmm(formula, d).loglik <= remlcrit + 1e-4


def _general_evaluator(formula, data, K=None, eliminate_first=True):
    from blupteach.mixed.design import build_design, sparse_Z
    from blupteach.mixed.general import General
    from blupteach.mixed.lmm import _specs
    des = build_design(formula, data, K)
    blocks = sorted(des.blocks, key=lambda b: (b.K is not None, -b.l))
    specs, _ = _specs(blocks)
    return General(des.X, sparse_Z(blocks, des.y.size), des.y, specs, eliminate_first=eliminate_first)


def _with_known_K():
    rng = np.random.default_rng(3)
    n = 30
    F = rng.normal(size=(n, n)) * 0.15
    names = [f"a{i:02d}" for i in range(n)]
    K = pd.DataFrame(F @ F.T + np.eye(n), index=names, columns=names)
    a, herd = rng.integers(0, n, 150), rng.integers(0, 6, 150)
    y = rng.normal(size=150) + rng.normal(size=n)[a] + 0.7 * rng.normal(size=6)[herd]
    df = pd.DataFrame({"y": y, "x": rng.normal(size=150), "animal": [names[i] for i in a], "herd": herd.astype(str)})
    return "y ~ x + (1 | animal) + (1 | herd)", df, {"animal": K}


@pytest.mark.parametrize("method", ["REML", "ML"])
@pytest.mark.parametrize("case", ["penicillin", "pastes", "penicillin, nothing eliminated", "known K"])
def test_general_gradient_equals_central_differences(case, method, storage, penicillin, pastes):
    """The general path's analytic gradient (one column per level) against central differences of its deviance."""
    if case == "known K":
        formula, data, K = _with_known_K()
    elif case == "pastes":
        formula, data, K = "strength ~ 1 + (1 | batch/cask)", pastes, None
    else:
        formula, data, K = "diameter ~ 1 + (1 | sample) + (1 | plate)", penicillin, None
    ev = _general_evaluator(formula, data, K, eliminate_first=case != "penicillin, nothing eliminated")
    assert ev.scalar
    reml = method == "REML"
    for theta in ([0.4, 1.7], [2.5, 0.6], [1.0, 0.0]):
        theta = np.asarray(theta)
        _, g = ev.solve(theta, reml, grad=True)
        # central differences also at θ_j = 0: the deviance is even in θ_j (it enters as θ_j²)
        fd = [(ev.solve(theta + e, reml) - ev.solve(theta - e, reml)) / 2e-5 for e in np.eye(2) * 1e-5]
        np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-4, err_msg=f"{case} {method} theta={theta}")
