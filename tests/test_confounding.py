"""Lesson 06's simulator (blupteach.simulate.treatment) and analysis (blupteach.confounding).

References from outside the code under test: lme4 1.1.31 (``lmer(..., REML = TRUE)``) on the
data the simulator gives for seed 11, written to CSV and fitted in R; the within-patient and
between-patient estimators written out by hand; the sickness gap's small-c slope (Δ(c) ≈ c)
and large-c limit 2√(2/π); a large simulation against the closed-form limit δ − γΔ(c).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import blupteach as bt
from blupteach.confounding import DESIGN_ANALYSIS, expected_between_estimate, patient_blups, sickness_gap
from blupteach.confounding import simulate_designs, treatment_effect
from blupteach.simulate import DESIGNS, simulate_treatment, simulate_treatment_studies


# -- the simulator -------------------------------------------------------------------------------
def test_seed_is_required_and_same_seed_gives_same_data():
    with pytest.raises(TypeError):
        simulate_treatment("observational")                     # seed is a required keyword
    with pytest.raises(ValueError, match="seed"):
        simulate_treatment("observational", seed=None)
    a, b = simulate_treatment(seed=3), simulate_treatment(seed=3)
    c = simulate_treatment(seed=4)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert np.array_equal(a.sickness, b.sickness) and not np.allclose(a.sickness, c.sickness)


def test_sample_is_the_model_written_out():
    """With no noise, y = mu + delta*T - gamma*s exactly; the noise adds sigma_e * N(0, 1)."""
    s = simulate_treatment("crossover", patients=6, visits=5, effect=0.4, confounding=1.0,
                           sickness_effect=2.0, sigma_e2=0.0, mu=10.0, seed=1)
    d = s.data
    assert list(d.columns) == ["patient", "visit", "treated", "y"] and len(d) == 30
    assert np.allclose(d["y"], 10.0 + 0.4 * d["treated"] - 2.0 * s.sickness[d["patient"]], atol=1e-12)
    noisy = simulate_treatment("crossover", patients=6, visits=5, effect=0.4, confounding=1.0,
                               sickness_effect=2.0, sigma_e2=4.0, mu=10.0, seed=1)
    resid = noisy.data["y"] - d["y"]
    assert np.array_equal(noisy.data["treated"], d["treated"]) and 0.5 < resid.std() < 4.0


def test_designs_assign_the_drug_as_documented():
    obs = {c: simulate_treatment("observational", confounding=c, patients=400, seed=5) for c in (0.0, 3.0)}
    rand = {c: simulate_treatment("randomised", confounding=c, patients=400, seed=5) for c in (0.0, 3.0)}
    for s in (*obs.values(), *rand.values()):
        assert set(np.unique(s.treated_share)) <= {0.0, 1.0}, "the doctor / the coin decides once per patient"
    assert np.array_equal(rand[0.0].data["treated"], rand[3.0].data["treated"]), "a coin ignores confounding"
    assert np.array_equal(obs[0.0].data["treated"], rand[0.0].data["treated"]), "c = 0 is the same coin"
    t = obs[3.0].treated_share == 1
    assert obs[3.0].sickness[t].mean() > obs[3.0].sickness[~t].mean() + 1.0, "the sicker are treated"
    cross = simulate_treatment("crossover", confounding=2.0, patients=400, visits=4, seed=5)
    share = cross.treated_share
    assert share.min() == 0.25 and share.max() == 0.75, "every patient is seen on and off the drug"
    order = np.argsort(cross.sickness)
    assert np.all(np.diff(share[order]) >= 0), "the sicker spend more visits on the drug"


def test_sickness_gap_matches_a_large_simulation():
    s = simulate_treatment("observational", patients=40_000, visits=1, confounding=2.0, seed=9)
    t = s.treated_share == 1
    gap = s.sickness[t].mean() - s.sickness[~t].mean()
    se = np.sqrt(s.sickness[t].var() / t.sum() + s.sickness[~t].var() / (~t).sum())
    assert abs(gap - sickness_gap(2.0)) < 4 * se


def test_studies_share_patients_across_designs():
    studies = simulate_treatment_studies(3, designs=DESIGNS, patients=8, seed=2)
    assert len(studies) == 3 and all(list(st) == list(DESIGNS) for st in studies)
    for st in studies:
        assert all(np.array_equal(st["observational"].sickness, x.sickness) for x in st.values())
    assert not np.allclose(studies[0]["randomised"].sickness, studies[1]["randomised"].sickness)
    again = simulate_treatment_studies(3, designs=DESIGNS, patients=8, seed=2)
    assert np.array_equal(again[2]["crossover"].data["y"], studies[2]["crossover"].data["y"])


@pytest.mark.parametrize("kwargs, match", [
    (dict(design="cohort"), "design must be one of"),
    (dict(effect=-0.1), "effect must be >= 0"),
    (dict(confounding=-1.0), "confounding must be >= 0"),
    (dict(sickness_effect=-1.0), "sickness_effect must be >= 0"),
    (dict(sigma_e2=-1.0), "sigma_e2 must be >= 0"),
    (dict(effect=float("nan")), "effect must be a finite number"),
    (dict(patients=1), "patients must be a whole number >= 2"),
    (dict(design="crossover", visits=1), "visits must be a whole number >= 2"),
    (dict(visits=2.5), "visits must be a whole number"),
])
def test_simulator_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_treatment(**{"seed": 0, **kwargs})


@pytest.mark.parametrize("kwargs, match", [
    (dict(reps=0), "reps must be a whole number >= 1"),
    (dict(designs="crossover"), "designs must be a non-empty sequence"),
    (dict(designs=()), "designs must be a non-empty sequence"),
    (dict(designs=("crossover", "crossover")), "must not repeat"),
    (dict(designs=("trial",)), "designs must be one of"),
    (dict(n=3), "unknown setting"),
])
def test_studies_reject_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        simulate_treatment_studies(**{"reps": 2, "seed": 0, **kwargs})


# -- the analysis ------------------------------------------------------------------------------------
def test_between_estimate_matches_lme4():
    """lme4 1.1.31 on this data (seed 11, written to CSV): lmer(y ~ treated + (1 | patient), REML = TRUE)."""
    s = simulate_treatment("observational", patients=30, visits=3, effect=0.5, confounding=2.0, seed=11)
    e = treatment_effect(s.data)
    assert e.estimate == pytest.approx(-0.67350140, abs=1e-6)
    assert e.se == pytest.approx(0.32124494, abs=1e-6)
    assert (e.lower, e.upper) == pytest.approx((e.estimate - 1.959964 * e.se, e.estimate + 1.959964 * e.se), abs=1e-6)


def test_within_estimate_matches_lme4_and_the_hand_formula():
    """lme4 1.1.31: lmer(y ~ treated + treated_share + (1 | patient), REML = TRUE) on seed 11's crossover."""
    s = simulate_treatment("crossover", patients=30, visits=4, effect=0.5, confounding=2.0, seed=11)
    e = treatment_effect(s.data, comparison="within")
    assert e.estimate == pytest.approx(0.66719725, abs=1e-6) and e.se == pytest.approx(0.19225225, abs=1e-6)
    d = s.data
    dt = d["treated"] - d.groupby("patient")["treated"].transform("mean")
    dy = d["y"] - d.groupby("patient")["y"].transform("mean")
    assert e.estimate == pytest.approx(float((dt * dy).sum() / (dt ** 2).sum()), abs=1e-8)


def test_between_estimate_is_the_difference_of_patient_means_when_balanced():
    """Equal visits and a treatment constant within patients: GLS = OLS on the patient means."""
    s = simulate_treatment("observational", patients=50, visits=4, confounding=1.0, seed=3)
    means = s.data.groupby("patient")["y"].mean().to_numpy()
    t = s.treated_share == 1
    assert treatment_effect(s.data).estimate == pytest.approx(means[t].mean() - means[~t].mean(), abs=1e-8)


def test_balanced_crossover_is_read_without_the_share():
    s = simulate_treatment("crossover", confounding=0.0, patients=20, visits=4, seed=1)
    assert np.all(s.treated_share == 0.5)
    e = treatment_effect(s.data, comparison="within")
    assert e.formula == "y ~ treated + (1 | patient)"
    d = s.data
    dt = d["treated"] - 0.5
    dy = d["y"] - d.groupby("patient")["y"].transform("mean")
    assert e.estimate == pytest.approx(float((dt * dy).sum() / (dt ** 2).sum()), abs=1e-8)


def test_adding_the_effect_shifts_the_estimate_exactly():
    """REML ignores X beta: the estimate moves by delta exactly, the SE not at all (the panel relies on it)."""
    for design in DESIGNS:
        zero, half = (simulate_treatment(design, effect=d, confounding=2.0, seed=8) for d in (0.0, 0.7))
        a, b = (treatment_effect(x.data, comparison=DESIGN_ANALYSIS[design]) for x in (zero, half))
        assert b.estimate - a.estimate == pytest.approx(0.7, abs=1e-9) and b.se == pytest.approx(a.se, rel=1e-9)


def test_sickness_gap_closed_form():
    assert sickness_gap(0.0) == 0.0
    assert sickness_gap(1e-3) == pytest.approx(1e-3, rel=1e-5)              # slope 4 * logistic'(0) * E[s^2] = 1
    assert sickness_gap(1e6) == pytest.approx(2 * np.sqrt(2 / np.pi), rel=1e-5)   # treated = {s > 0}
    s = np.linspace(-12, 12, 200_001)                                         # the integral by the trapezoid rule
    phi = np.exp(-s * s / 2) / np.sqrt(2 * np.pi)
    assert sickness_gap(1.5) == pytest.approx(4 * np.trapezoid(s * phi / (1 + np.exp(-1.5 * s)), s), rel=1e-8)
    gaps = [sickness_gap(c) for c in (0.5, 1.0, 2.0, 4.0)]
    assert np.all(np.diff(gaps) > 0)
    with pytest.raises(ValueError, match="confounding must be >= 0"):
        sickness_gap(-1.0)


def test_confounded_estimate_is_negative_and_near_its_limit():
    """A big observational study: the estimate sits at delta - gamma*Delta(c) < 0 though delta = 0.2 > 0."""
    s = simulate_treatment("observational", patients=3000, visits=2, effect=0.2, confounding=2.0, seed=12)
    e = treatment_effect(s.data)
    limit = expected_between_estimate(0.2, 2.0)
    assert limit == pytest.approx(0.2 - sickness_gap(2.0)) and limit < -0.9
    assert abs(e.estimate - limit) < 4 * e.se and e.upper < 0


def test_patient_blups_describe_who_does_badly():
    s = simulate_treatment("observational", patients=200, visits=4, effect=0.0, confounding=2.0, seed=6)
    b = patient_blups(s.data)
    assert list(b.index) == list(range(200)) and list(b.columns) == ["treated_share", "blup"]
    assert b.loc[b.treated_share == 1, "blup"].mean() < -0.4 < 0.4 < b.loc[b.treated_share == 0, "blup"].mean()
    # the BLUPs predict who is sick: corr(b_hat, s) -> -sqrt(gamma^2 / (gamma^2 + sigma_e2 / n)) = -sqrt(0.8)
    assert np.corrcoef(b["blup"], s.sickness)[0, 1] == pytest.approx(-np.sqrt(0.8), abs=0.04)


def test_inputs_not_mutated():
    s = simulate_treatment("crossover", patients=20, seed=1)
    before = s.data.copy()
    treatment_effect(s.data, comparison="within")
    patient_blups(s.data)
    pd.testing.assert_frame_equal(s.data, before)


@pytest.mark.parametrize("data, kwargs, match", [
    ("not a frame", {}, "data must be a pandas DataFrame"),
    (pd.DataFrame({"patient": [0, 1], "y": [1.0, 2.0]}), {}, r"no column\(s\) \['treated'\]"),
    (pd.DataFrame({"patient": [0, 0, 1, 1], "treated": [0, 2, 0, 1], "y": [1.0, 2, 3, 4]}), {}, "only 0"),
    (pd.DataFrame({"patient": [0, 0, 1, 1], "treated": [1, 1, 1, 1], "y": [1.0, 2, 3, 4]}), {}, "both 0 and 1"),
    (pd.DataFrame({"patient": [0, 0, 1, 1], "treated": [1, 1, 0, 0], "y": [1.0, 2, 3, 4]}),
     dict(comparison="within"), "both on and off"),
    (pd.DataFrame({"patient": [0, 0, 1, 1], "treated": [1, 0, 0, 1], "y": [1.0, 2, 3, 4]}),
     dict(comparison="naive"), "comparison must be one of"),
    (pd.DataFrame({"patient": [0, 0, 1, 1], "treated": [1, 0, 0, 1], "y": [1.0, 2, 3, 4]}),
     dict(level=95), "level must be strictly between 0 and 1"),
])
def test_treatment_effect_rejects_bad_input(data, kwargs, match):
    with pytest.raises(ValueError, match=match):
        treatment_effect(data, **kwargs)


def test_replicate_studies_show_the_bias_and_its_absence():
    st = simulate_designs(12, effect=0.3, confounding=2.0, patients=60, seed=4)
    summary = st.summary
    assert list(summary.index) == list(DESIGNS) and st.estimates.shape == (12, 3)
    obs = summary.loc["observational"]
    assert obs["mean"] < 0 and obs["z"] < -10 and obs["coverage"] < 0.2
    for design in ("randomised", "crossover"):
        assert abs(summary.loc[design, "z"]) < 3
    assert st.treated_blup is not None and st.treated_blup.mean() < 0
    assert summary["sim_se"].to_numpy() == pytest.approx(st.estimates.std(ddof=1).to_numpy() / np.sqrt(12))
    only = simulate_designs(3, designs=("crossover",), patients=20, seed=1)
    assert only.treated_blup is None and list(only.estimates.columns) == ["crossover"]


def test_replicate_studies_reject_bad_input():
    with pytest.raises(ValueError, match="reps must be a whole number >= 2"):
        simulate_designs(1, seed=0)
    with pytest.raises(ValueError, match="level"):
        simulate_designs(2, level=1.5, seed=0)


def test_public_names():
    for name in ("simulate_treatment", "treatment_effect", "patient_blups", "sickness_gap",
                 "expected_between_estimate", "simulate_designs"):
        assert name in bt.__all__ and callable(getattr(bt, name))


BAD = {"nan": np.nan, "inf": np.inf, "text": "abc", "none": None, "list": [1.0, 2.0], "bool": True}
SCALARS = [("simulate_treatment", arg) for arg in ("effect", "confounding", "sickness_effect", "sigma_e2", "mu",
                                                   "patients", "visits")] + \
          [("sickness_gap", "confounding"), ("expected_between_estimate", "effect"),
           ("expected_between_estimate", "sickness_effect")]
VALID = {"simulate_treatment": dict(seed=0), "sickness_gap": dict(confounding=1.0),
         "expected_between_estimate": dict(effect=0.0, confounding=1.0)}


@pytest.mark.parametrize("fn, arg", SCALARS)
@pytest.mark.parametrize("bad", BAD)
def test_bad_scalar_is_a_valueerror_naming_it(fn, arg, bad):
    with pytest.raises(ValueError, match=arg):
        getattr(bt, fn)(**{**VALID[fn], arg: BAD[bad]})


def test_nan_outcome_is_refused_naming_the_rows():
    d = simulate_treatment(patients=5, seed=0).data
    d.loc[3, "y"] = np.nan
    with pytest.raises(ValueError, match="y"):
        treatment_effect(d)
