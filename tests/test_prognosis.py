"""Leave-one-out prognosis (lesson 07): each subject's day-9 reading predicted from days 0..k.

Reference numbers: R 4.x, lme4 1.1-31.  For a subject s, ``g <- lmer(Reaction ~ Days + (Days|Subject),
subset(sleepstudy, Subject != s))``, then, with ``G <- VarCorr(g)$Subject``, ``s2 <- sigma(g)^2`` and
the subject's rows at Days <= k (``Z = cbind(1, Days)``):
``G %*% t(Z) %*% solve(Z %*% G %*% t(Z) + s2 * diag(n), Reaction - Z %*% fixef(g))``.
"""

import numpy as np
import pandas as pd
import pytest
from scipy import linalg

import blupteach as bt

# (subject, k) -> BLUP (intercept, slope) from days 0..k, the subject left out of the fit (lme4, above)
LME4_BLUP = {(308, 0): (-1.256833012, -0.01474485813), (308, 1): (-1.829113189, -0.07694486943),
             (308, 2): (-5.917228471, -1.184340392), (335, 0): (-4.41606324, -0.1364830307),
             (335, 1): (0.9055784377, 0.4159394949), (335, 2): (-3.593533299, -0.5473531431)}
LME4_FIXEF_WITHOUT_308 = (251.82936578, 9.80273205)
# lme4: coef(lm(Reaction ~ Days, subset(sleepstudy, Subject == "309" & Days <= 3)))
LM_309_DAYS_0_3 = (217.37643, -5.63687)
KS = (0, 1, 2, 3)


@pytest.fixture(scope="module")
def sleep():
    return bt.datasets.load("sleepstudy")


@pytest.fixture(scope="module")
def prog(sleep):
    return bt.leave_one_out_trajectories(sleep, y="Reaction", t="Days", group="Subject", ks=KS, target=9)


def test_shape_and_index(prog):
    assert prog.errors.shape == (18 * len(KS), 3) and list(prog.errors.columns) == ["blup", "population", "own"]
    assert prog.errors.index.names == ["Subject", "k"] and list(prog.errors.index.levels[1]) == list(KS)
    assert prog.band.shape == (18, len(KS), 3, 10) and prog.times.tolist() == list(range(10))
    assert prog.columns == ("Reaction", "Days", "Subject") and prog.target == 9.0


@pytest.mark.parametrize("key", sorted(LME4_BLUP))
def test_blup_lines_match_lme4(prog, key):
    line = prog.lines.loc[key, "blup"].to_numpy()
    pop = prog.lines.loc[key, "population"].to_numpy()
    assert line - pop == pytest.approx(LME4_BLUP[key], abs=2e-4)


def test_population_line_is_the_fit_without_the_subject(prog):
    for k in KS:
        assert prog.lines.loc[(308, k), "population"].to_numpy() == pytest.approx(LME4_FIXEF_WITHOUT_308, rel=1e-6)


def test_own_line_matches_lm_and_is_absent_with_one_day(prog):
    assert prog.lines.loc[(309, 3), "own"].to_numpy() == pytest.approx(LM_309_DAYS_0_3, abs=1e-5)
    assert prog.lines.loc[(309, 0), "own"].isna().all() and np.isnan(prog.errors.loc[(309, 0), "own"])


def test_errors_are_the_lines_at_day_9_minus_the_reading(prog, sleep):
    y9 = sleep.query("Subject == 335 and Days == 9")["Reaction"].item()
    for p in ("blup", "population", "own"):
        a, b = prog.lines.loc[(335, 2), p]
        assert prog.errors.loc[(335, 2), p] == pytest.approx(a + 9 * b - y9)


def test_score_by_hand(prog):
    e = prog.errors.xs(1, level="k")
    score = prog.score()
    assert score.loc[1, "blup"] == pytest.approx(np.sqrt(np.mean(e["blup"] ** 2)))
    assert prog.score("mae").loc[1, "own"] == pytest.approx(np.mean(np.abs(e["own"])))
    assert np.isnan(score.loc[0, "own"])


def test_sleepstudy_claim_numbers(prog):
    """C21 at k = 1..3 (the lesson pins the rest): BLUP under both rivals, RMS and mean absolute error."""
    rmse = prog.score()
    assert rmse.loc[1:3, "blup"].round(1).tolist() == [60.3, 62.3, 61.0]
    assert rmse.loc[0, "population"] == pytest.approx(68.5, abs=0.05)
    for kind in ("rmse", "mae"):
        s = prog.score(kind).loc[1:3]
        assert (s["blup"] < s["population"]).all() and (s["blup"] < s["own"]).all()


def test_band_is_henderson_pev_of_a_new_reading(prog, sleep):
    """The band's half-width = z·√(σ²k'C⁻¹k + σ²), Henderson's C built here from the 17 others + 308's days 0..2."""
    others = sleep[sleep["Subject"] != 308]
    fit = bt.fit_lmm("Reaction ~ Days + (Days | Subject)", others)
    rows = pd.concat([others, sleep[(sleep["Subject"] == 308) & (sleep["Days"] <= 2)]])
    codes = pd.factorize(rows["Subject"])[0]                     # 308 last: code 17
    X = np.column_stack([np.ones(len(rows)), rows["Days"]])
    Z = np.zeros((len(rows), 36))
    Z[np.arange(len(rows)), 2 * codes], Z[np.arange(len(rows)), 2 * codes + 1] = 1.0, rows["Days"]
    s2, Sigma = fit.sigma2, fit.varcorr["Subject"].to_numpy()
    Ginv = np.kron(np.eye(18), linalg.inv(Sigma))
    C = np.block([[X.T @ X, X.T @ Z], [Z.T @ X, Z.T @ Z + s2 * Ginv]])
    t = np.arange(10.0)
    K = np.zeros((10, 38))
    K[:, 0], K[:, 1], K[:, 2 + 34], K[:, 2 + 35] = 1.0, t, 1.0, t
    pev = s2 * np.einsum("ij,ji->i", K, linalg.solve(C, K.T)) + s2
    pred, lower, upper = prog.band[0, 2]                           # subject 308 is the first, k = 2 the third
    assert (upper - lower) / 2 == pytest.approx(1.959963985 * np.sqrt(pev), rel=1e-8)
    a, b = prog.lines.loc[(308, 2), "blup"]
    assert pred == pytest.approx(a + b * t)


def test_inputs_not_mutated(sleep):
    before = sleep.copy()
    ks = [0, 1]
    bt.leave_one_out_trajectories(sleep[sleep["Subject"].isin([308, 309, 310])], y="Reaction", t="Days",
                                  group="Subject", ks=ks)
    pd.testing.assert_frame_equal(sleep, before)
    assert ks == [0, 1]


def _loo(data, **kw):
    args = dict(y="Reaction", t="Days", group="Subject", ks=[0, 1])
    return bt.leave_one_out_trajectories(data, **{**args, **kw})


@pytest.mark.parametrize("change, match", [
    (dict(data=[1, 2, 3]), "data must be a pandas DataFrame"),
    (dict(y="RT"), r"data has no column\(s\) \['RT'\]"),
    (dict(ks=[2, 1]), "ks must be increasing"),
    (dict(ks=[]), "ks must be increasing"),
    (dict(ks=[0, 9]), "every k must lie before target"),
    (dict(target=12), "needs one reading at target = 12"),
    (dict(level=1.5), "level"),
    (dict(ks=[0, "a"]), "ks"),
])
def test_bad_input_raises(sleep, change, match):
    data = change.pop("data", sleep)
    with pytest.raises(ValueError, match=match):
        _loo(data, **change)


def test_too_few_subjects_and_missing_target(sleep):
    with pytest.raises(ValueError, match="at least 3 individuals"):
        _loo(sleep[sleep["Subject"].isin([308, 309])])
    short = sleep[~((sleep["Subject"] == 310) & (sleep["Days"] == 9))]
    with pytest.raises(ValueError, match="individual 310 needs one reading at target"):
        _loo(short)


def test_score_rejects_unknown_kind(prog):
    with pytest.raises(ValueError, match="kind must be 'rmse' or 'mae'"):
        prog.score("mse")


def test_level_and_times_shape_the_band(sleep):
    three = sleep[sleep["Subject"].isin([308, 309, 310])]
    wide = bt.leave_one_out_trajectories(three, y="Reaction", t="Days", group="Subject", ks=[1], level=0.95,
                                         times=[0, 9])
    narrow = bt.leave_one_out_trajectories(three, y="Reaction", t="Days", group="Subject", ks=[1], level=0.5,
                                           times=[0, 9])
    assert wide.band.shape == (3, 1, 3, 2)
    half_w = wide.band[:, :, 2] - wide.band[:, :, 0]
    half_n = narrow.band[:, :, 2] - narrow.band[:, :, 0]
    assert half_n == pytest.approx(half_w * 0.6744897502 / 1.959963985)   # z quantiles of 0.75 and 0.975
    assert (half_w[..., 1] > half_w[..., 0]).all(), "day 9, far from the revealed days 0-1, is less certain"


def test_a_repeated_target_reading_is_refused(sleep):
    twice = pd.concat([sleep, sleep[(sleep["Subject"] == 309) & (sleep["Days"] == 9)]])
    with pytest.raises(ValueError, match="individual 309 needs one reading at target"):
        _loo(twice)
