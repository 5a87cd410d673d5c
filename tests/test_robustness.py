"""The public fitting API on messy input: the right answer or a ValueError, never a silent NaN.

Property tests (hypothesis, bounded: about 20 s in all) over random shapes, unbalanced groups,
groups of one row, scales from 1e-8 to 1e8, and every kind of grouping column; fixed cases
for constant responses, collinear covariates, missing values and pandas' nullable dtypes.
The one-way fit (closed forms) and the general engine are two independent routes to the
same numbers, and each is checked against the other; no warning may escape a fit.
"""
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import blupteach as bt

BOUNDED = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def unbalanced(draw):
    """A one-way data set: 2–15 groups of 1–12 rows (some group has 2 or more), y seeded."""
    sizes = draw(st.lists(st.integers(1, 12), min_size=2, max_size=15))
    if max(sizes) < 2:
        sizes[0] = 2
    seed = draw(st.integers(0, 2**31))
    rng = np.random.default_rng(seed)
    g = np.repeat(np.arange(len(sizes)), sizes)
    y = 3.0 + rng.normal(0, 1.5, len(sizes))[g] + rng.normal(0, 1.0, g.size)
    return pd.DataFrame({"y": y, "g": [f"g{k:02d}" for k in g]})


def quiet(fn, *args, **kwargs):
    """Call fn with every warning turned into an error (no warning storm, no hidden RuntimeWarning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return fn(*args, **kwargs)


@BOUNDED
@given(unbalanced())
def test_two_routes_agree_on_unbalanced_data(d):
    one = quiet(bt.fit_oneway, d["y"], d["g"])
    gen = quiet(bt.fit_lmm, "y ~ 1 + (1 | g)", d)
    for value in (one.sigma_b2, one.sigma_e2, one.mu, *one.w, *one.blup):
        assert np.isfinite(value)
    assert ((one.w >= 0) & (one.w <= 1)).all()
    assert gen.sigma2 == pytest.approx(one.sigma_e2, rel=1e-4)
    sb = float(gen.varcorr["g"].iat[0, 0])
    assert sb == pytest.approx(one.sigma_b2, rel=1e-3, abs=1e-6 * one.sigma_e2)
    assert gen.ranef["g"].iloc[:, 0].to_numpy() == pytest.approx(one.blup, rel=1e-3, abs=1e-4)


@BOUNDED
@given(unbalanced(), st.integers(-8, 8))
def test_scale_equivariance(d, k):
    """y → c·y multiplies the variances by c², the BLUPs by c, and leaves w unchanged."""
    c = 10.0 ** k
    base = bt.fit_oneway(d["y"], d["g"])
    scaled = quiet(bt.fit_oneway, c * d["y"], d["g"])
    assert scaled.sigma_e2 == pytest.approx(c * c * base.sigma_e2, rel=1e-8)
    assert scaled.sigma_b2 == pytest.approx(c * c * base.sigma_b2, rel=1e-6, abs=1e-9 * c * c * base.sigma_e2)
    assert scaled.w == pytest.approx(base.w, rel=1e-6, abs=1e-9)
    gen = quiet(bt.fit_lmm, "y ~ 1 + (1 | g)", d.assign(y=c * d["y"]))
    assert gen.sigma2 == pytest.approx(c * c * base.sigma_e2, rel=1e-4)


@pytest.mark.parametrize("convert", [
    lambda g: g, lambda g: g.str[1:].astype(int), lambda g: g.astype("category"),
    lambda g: g.str[1:].astype(int).astype("Int64"), lambda g: g.str[1:].astype(float),
], ids=["text", "int", "category", "Int64", "float"])
def test_every_kind_of_grouping_column_gives_the_same_fit(convert):
    d = bt.datasets.load("radon_mn")[["log_radon", "county"]].rename(columns={"log_radon": "y"})
    codes = d["county"].astype("category").cat.codes
    d = d.assign(g=convert(pd.Series([f"c{k}" for k in codes])))
    ref = bt.fit_oneway(d["y"], codes)
    for fit in (quiet(bt.fit_oneway, d["y"], d["g"]), quiet(bt.fit_lmm, "y ~ 1 + (1 | g)", d)):
        assert float(next(iter(fit.varcorr.values())).iat[0, 0]) == pytest.approx(ref.sigma_b2, rel=1e-4)
    assert sorted(bt.report(d, y="y", group="g").table["w"].round(8)) == sorted(np.round(ref.w, 8))


def test_nullable_dtypes_are_read_as_numbers():
    d = bt.datasets.load("sleepstudy")
    nd = d.assign(Reaction=d["Reaction"].astype("Float64"), Days=d["Days"].astype("Int64"))
    a = quiet(bt.fit_lmm, "Reaction ~ Days + (Days | Subject)", d)
    b = quiet(bt.fit_lmm, "Reaction ~ Days + (Days | Subject)", nd)
    assert b.loglik == pytest.approx(a.loglik, rel=1e-10)
    assert bt.report(nd, y="Reaction", group="Subject", slope="Days").sigma_b2 == pytest.approx(612.10, rel=1e-4)


@pytest.mark.parametrize("y, match", [
    ([1.0, 1.0, 1.0, 1.0], "constant"),
    ([1.0, 1.0, 2.0, 2.0], "no within-group variation|no residual variation"),
])
def test_a_response_without_noise_is_refused_by_both_routes(y, match):
    d = pd.DataFrame({"y": y, "g": list("aabb")})
    with pytest.raises(ValueError, match=match):
        bt.fit_oneway(d["y"], d["g"])
    with pytest.raises(ValueError, match=match):
        bt.fit_lmm("y ~ 1 + (1 | g)", d)
    with pytest.raises(ValueError, match=match):
        bt.report(d, y="y", group="g")


def test_groups_of_one_row_only_is_refused():
    d = pd.DataFrame({"y": [1.0, 2.0, 4.0], "g": list("abc")})
    with pytest.raises(ValueError, match="single observation"):
        bt.fit_oneway(d["y"], d["g"])
    with pytest.raises(ValueError, match="3 levels for 3 observations"):
        bt.fit_lmm("y ~ 1 + (1 | g)", d)


def test_collinear_covariates_are_named():
    d = bt.datasets.load("sleepstudy").assign(Hours=lambda t: 24.0 * t["Days"])
    with pytest.raises(ValueError, match=r"rank deficient.*\['Hours'\]"):
        bt.fit_lmm("Reaction ~ Days + Hours + (1 | Subject)", d)
    with pytest.raises(ValueError, match=r"cannot be fitted.*rank deficient.*\['Hours'\]"):
        bt.report(d, y="Reaction", group="Subject", covariates=["Days", "Hours"])


@pytest.mark.parametrize("column", ["y", "g", "x"])
def test_missing_values_anywhere_are_refused_by_the_fits_and_counted_by_report(column):
    rng = np.random.default_rng(4)          # test data only
    d = pd.DataFrame({"y": rng.normal(size=40), "g": np.repeat(list("abcdefgh"), 5), "x": rng.normal(size=40)})
    d["y"] += np.repeat(rng.normal(size=8), 5)
    d.loc[[5, 17], column] = np.nan if column != "g" else None
    with pytest.raises(ValueError, match=r"rows? 5, 17|\(rows 5, 17\)"):
        bt.fit_lmm("y ~ x + (1 | g)", d)
    if column != "x":
        with pytest.raises(ValueError, match="rows 5, 17"):
            bt.fit_oneway(d["y"], d["g"])
    rep = quiet(bt.report, d, y="y", group="g", covariates=["x"])
    assert rep.dropped == 2 and rep.table["n"].sum() == 38
    assert np.isfinite(rep.table.to_numpy(float)).all()


@BOUNDED
@given(unbalanced())
def test_report_never_returns_nan_and_never_mutates(d):
    before = d.copy()
    rep = quiet(bt.report, d, y="y", group="g")
    assert np.isfinite(rep.table.to_numpy(float)).all()
    assert (rep.table["lower"] <= rep.table["prediction"]).all() and (rep.table["prediction"] <= rep.table["upper"]).all()
    pd.testing.assert_frame_equal(d, before)
