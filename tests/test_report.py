"""bt.report: one call from a DataFrame to per-group BLUPs, weights, intervals and warnings.

Expected values come from outside the code under test: the one-way closed forms written out
here (w = nσ_b²/(nσ_b² + σ_ε²) at fit_oneway's variances), lme4's sleepstudy fit
(σ_b² = 612.10, σ² = 654.94, lme4 1.1.31 REML) and statsmodels' MixedLM for a covariate model.
"""
import numpy as np
import pandas as pd
import pytest

import blupteach as bt
from blupteach.report import MAX_CELLS, report


@pytest.fixture(scope="module")
def radon():
    return bt.datasets.load("radon_mn")


def test_oneway_table_matches_the_closed_forms(radon):
    rep = report(radon, y="log_radon", group="county")
    fit = bt.fit_oneway(radon["log_radon"], radon["county"])
    n = radon.groupby("county").size().to_numpy()
    means = radon.groupby("county")["log_radon"].mean().to_numpy()
    w = n * fit.sigma_b2 / (n * fit.sigma_b2 + fit.sigma_e2)
    t = rep.table
    assert t["n"].tolist() == n.tolist()
    assert t["raw_mean"].to_numpy() == pytest.approx(means)
    assert t["w"].to_numpy() == pytest.approx(w, rel=1e-9)
    assert t["blup"].to_numpy() == pytest.approx(w * (means - fit.mu), rel=1e-9, abs=1e-12)
    assert t["prediction"].to_numpy() == pytest.approx(fit.mu + w * (means - fit.mu))
    # group-mean interval: (1 - w)^2 Var(mu_hat) + (1 - w) sigma_b2, z = 1.959964
    var = (1 - w) ** 2 * fit.var_mu + (1 - w) * fit.sigma_b2
    assert (t["mean_part"] + t["deviation_part"]).to_numpy() == pytest.approx(var, rel=1e-9)
    assert (t["upper"] - t["lower"]).to_numpy() == pytest.approx(2 * 1.959963985 * np.sqrt(var), rel=1e-8)
    assert t["population"].to_numpy() == pytest.approx(np.full(len(t), fit.mu))


def test_random_slope_matches_lme4():
    rep = report(bt.datasets.load("sleepstudy"), y="Reaction", group="Subject", slope="Days")
    assert rep.sigma_b2 == pytest.approx(612.10, rel=1e-4)       # lme4: 612.10 (24.741^2)
    assert rep.sigma_e2 == pytest.approx(654.94, rel=1e-4)       # lme4: 654.94
    assert len(rep.table) == 18 and rep.seconds > 0


def test_covariate_model_matches_statsmodels():
    sm = pytest.importorskip("statsmodels.formula.api")
    exam = bt.datasets.load("exam_schools")
    rep = report(exam, y="normexam", group="school", covariates=["standLRT"])
    ref = sm.mixedlm("normexam ~ standLRT", exam, groups=exam["school"]).fit(reml=True)
    assert rep.sigma_b2 == pytest.approx(float(ref.cov_re.iloc[0, 0]), rel=1e-3)
    assert rep.sigma_e2 == pytest.approx(float(ref.scale), rel=1e-3)
    assert "at their covariates" in rep.summary()


def test_summary_says_which_groups_were_pulled(radon):
    rep = report(radon, y="log_radon", group="county")
    t = rep.table
    pulled = t[t["w"] < 0.5]
    k, lo, hi = len(pulled), int(pulled["n"].min()), int(pulled["n"].max())
    lam = rep.sigma_e2 / rep.sigma_b2
    assert (pulled["n"] < lam).all() and (t.loc[t["w"] >= 0.5, "n"] > lam).all()   # one-way: w < 1/2 iff n < lambda
    assert f"{k} groups (n from {lo} to {hi}) had w < 0.5: pulled more than half-way toward the population mean" \
        in rep.summary()
    assert "85 separate intervals, not a test" in rep.summary()
    assert rep.to_csv().splitlines()[0].startswith("county,n,raw_mean,blup,w")


def test_missing_values_are_dropped_and_counted_or_refused(radon):
    d = radon[["log_radon", "county"]].copy()
    d.loc[[3, 10], "log_radon"] = np.nan
    d.loc[20, "county"] = None
    rep = report(d, y="log_radon", group="county")
    assert rep.dropped == 3 and "3 rows with missing values were left out ('log_radon': 2, 'county': 1)." in rep.warnings
    assert rep.table["n"].sum() == len(d) - 3
    with pytest.raises(ValueError, match=r"missing values in the used columns \('log_radon': 2, 'county': 1; rows 3, 10, 20\)"):
        report(d, y="log_radon", group="county", missing="raise")


def test_constant_covariate_single_rows_and_singular_fit_are_said_in_words():
    # every group holds the same four values: no variation between groups at all
    y = np.concatenate([np.roll([-1.0, 0.0, 1.0, 0.0], k) for k in range(10)])
    d = pd.DataFrame({"y": y, "g": np.repeat(np.arange(10), 4), "x": 2.0})
    d = pd.concat([d, pd.DataFrame({"y": [0.0, 0.0], "g": [10, 11], "x": [2.0, 2.0]})], ignore_index=True)
    rep = report(d, y="y", group="g", covariates=["x"])
    text = " ".join(rep.warnings)
    assert "covariate 'x' is constant" in text and "2 groups have a single row: w = 0.00" in text
    assert rep.fit.singular and "singular fit: the between-group variance of '(Intercept)' was estimated as 0" in text
    assert "every group is given the population value" in text
    assert (rep.table["w"] == 0).all() and "Every group's intercept is given the population value" in rep.summary()


def test_single_row_groups_get_their_actual_weight():
    """w of one row is sigma_b2/(sigma_b2 + sigma_e2): large when groups differ a lot (the review's case)."""
    rng = np.random.default_rng(8)                  # test data only
    g = np.r_[np.repeat(np.arange(12), 5), 12, 13, 14]
    d = pd.DataFrame({"y": 3.0 * rng.normal(size=15)[g] + rng.normal(size=g.size), "g": g})
    rep = report(d, y="y", group="g")
    w1 = rep.sigma_b2 / (rep.sigma_b2 + rep.sigma_e2)
    assert w1 > 0.5
    assert f"3 groups have a single row: w = {w1:.2f}" in " ".join(rep.warnings)


def test_what_the_data_cannot_tell_is_warned():
    rng = np.random.default_rng(9)                  # test data only
    few = pd.DataFrame({"y": rng.normal(size=12) + np.repeat(rng.normal(size=3), 4), "g": np.repeat(list("abc"), 4)})
    assert any(w.startswith("only 3 groups") for w in report(few, y="y", group="g").warnings)
    binary = pd.DataFrame({"y": (rng.random(60) < 0.3).astype(float), "g": np.repeat(np.arange(12), 5)})
    assert any("only two values" in w for w in report(binary, y="y", group="g").warnings)
    d = bt.datasets.load("radon_mn")
    lost = report(d.assign(log_radon=d["log_radon"].mask(d["county"] == "AITKIN")), y="log_radon", group="county")
    assert "1 group lost every row to missing values and is not in the table: ['AITKIN']." in lost.warnings
    slope = report(d, y="log_radon", group="county", covariates=["log_uranium"], slope="floor")
    assert "w is the shrinkage of each group's intercept" in slope.summary()


@pytest.mark.parametrize("labels", [
    lambda g: g.astype(str), lambda g: g.astype("category"), lambda g: g.astype("Int64"), lambda g: g,
])
def test_grouping_column_types_give_the_same_fit(radon, labels):
    codes = radon["county"].astype("category").cat.codes
    d = pd.DataFrame({"y": radon["log_radon"].astype("Float64"), "g": labels(codes)})
    rep = report(d, y="y", group="g")
    ref = report(radon, y="log_radon", group="county")
    assert sorted(rep.table["w"].round(12)) == sorted(ref.table["w"].round(12))


def test_odd_column_names_work():
    d = bt.datasets.load("sleepstudy").rename(columns={"Reaction": "reaction time (ms)", "Days": "days of sleep loss"})
    rep = report(d, y="reaction time (ms)", group="Subject", slope="days of sleep loss")
    assert rep.sigma_b2 == pytest.approx(612.10, rel=1e-4)


def test_inputs_unchanged(radon):
    before = radon.copy()
    report(radon, y="log_radon", group="county")
    pd.testing.assert_frame_equal(radon, before)


@pytest.mark.parametrize("kwargs, match", [
    ({"y": "nope"}, r"y: data has no column 'nope'"),
    ({"group": "nope"}, r"group: data has no column 'nope'"),
    ({"covariates": ["nope"]}, r"covariates: data has no column 'nope'"),
    ({"y": "county"}, r"y: column 'county' must be numeric"),
    ({"level": 95}, "level must be strictly between 0 and 1"),
    ({"missing": "ignore"}, "missing must be one of"),
])
def test_bad_input(radon, kwargs, match):
    args = {"y": "log_radon", "group": "county", **kwargs}
    with pytest.raises(ValueError, match=match):
        report(radon, **args)


def test_all_missing_columns_are_named():
    d = bt.datasets.load("radon_mn")
    with pytest.raises(ValueError, match=r"column\(s\) \['z'\] have no values"):
        report(d.assign(z=np.nan), y="log_radon", group="county", covariates=["z"])
    half = d.assign(a=np.where(d.index % 2 == 0, np.nan, 1.0), b=np.where(d.index % 2 == 1, np.nan, 1.0))
    with pytest.raises(ValueError, match="every row has a missing value"):
        report(half, y="log_radon", group="county", covariates=["a", "b"])


def test_refusals():
    with pytest.raises(ValueError, match="data must be a pandas DataFrame"):
        report({"y": [1, 2]}, y="y", group="g")
    with pytest.raises(ValueError, match="y: column 'y' is constant"):
        report(pd.DataFrame({"y": [1.0] * 6, "g": list("aabbcc")}), y="y", group="g")
    with pytest.raises(ValueError, match="at least 2 groups"):
        report(pd.DataFrame({"y": [1.0, 2.0, 3.0], "g": ["a"] * 3}), y="y", group="g")
    big = pd.DataFrame({"y": np.zeros(MAX_CELLS // 2 + 1), "g": np.zeros(MAX_CELLS // 2 + 1)})
    with pytest.raises(ValueError, match="too large to fit in a classroom notebook"):
        report(big, y="y", group="g")
