"""Empirical-Bayes rates (blupteach.smallarea) against R's spdep, hand cases and bad input.

Reference numbers: spdep 1.3 (Debian r-cran-spdep) on this repository's
``blupteach/datasets/nc_sids.csv``, printed with ``options(digits = 15)``::

    d <- read.csv("blupteach/datasets/nc_sids.csv")
    e <- EBest(d$SID74, d$BIR74); attr(e, "parameters"); head(e, 4)
    eb <- EBest(d$SID74, d$BIR74, family = "binomial"); head(eb, 4)
    e7 <- EBest(d$SID79, d$BIR79); attr(e7, "parameters"); head(e7, 3)

(issue 14 quotes the 1974–78 m and a from spdep too).
"""
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import blupteach as bt
from blupteach.smallarea import eb_rates


@pytest.fixture(scope="module")
def nc():
    return bt.datasets.load("nc_sids")


def test_marshall_matches_spdep_1974(nc):
    r = eb_rates(nc["SID74"], nc["BIR74"])
    assert r.m == pytest.approx(0.00202144489365442, rel=1e-12)
    assert r.a == pytest.approx(7.69293064701465e-07, rel=1e-10)
    assert r.table["eb_rate"].iloc[:4].to_numpy() == pytest.approx(
        [0.00169729733085562, 0.00170537768084218, 0.00177308702207018, 0.00201286808422126], rel=1e-10)
    # the highest raw rate (row 85 in R, 1-based) and the smallest county (row 45)
    assert r.table["eb_rate"].iloc[84] == pytest.approx(0.00483880405212655, rel=1e-10)
    assert r.table["eb_rate"].iloc[44] == pytest.approx(0.00184711365703628, rel=1e-10)
    assert (r.table["eb_rate"].min(), r.table["eb_rate"].max()) == pytest.approx(
        (0.00105702296298150, 0.00483880405212655), rel=1e-10)


def test_marshall_matches_spdep_1979(nc):
    r = eb_rates(nc["SID79"], nc["BIR79"])
    assert (r.m, r.a) == pytest.approx((0.00197920415159378, 3.16365502715103e-07), rel=1e-10)
    assert r.table["eb_rate"].iloc[:3].to_numpy() == pytest.approx(
        [0.00162492458314662, 0.00226270694998679, 0.00186202483392163], rel=1e-10)


def test_binomial_matches_spdep(nc):
    r = eb_rates(nc["SID74"], nc["BIR74"], method="binomial")
    assert r.table["eb_rate"].iloc[:4].to_numpy() == pytest.approx(
        [0.00169630759778372, 0.00170422479131325, 0.00177260266787208, 0.00201283700965436], rel=1e-10)
    # spdep reports s² = 1.38192266861174e-06 as its binomial "a"; the between-area variance
    # is s² − m(1 − m)/n̄
    m, nbar = 0.00202144489365442, nc["BIR74"].mean()
    assert r.a == pytest.approx(1.38192266861174e-06 - m * (1 - m) / nbar, rel=1e-9)


def test_weight_is_lesson_02s_shrinkage_weight(nc):
    """C_i = a/(a + m/n_i) is w with σ_b² = a, σ_ε² = m: written out here, not through the package."""
    r = eb_rates(nc["SID74"], nc["BIR74"])
    n = nc["BIR74"].to_numpy(float)
    assert r.table["weight"].to_numpy() == pytest.approx(n * r.a / (n * r.a + r.m), rel=1e-12)
    # the smallest counties move most
    move = (r.table["eb_rate"] - r.table["rate"]).abs().to_numpy()
    assert np.corrcoef(np.log(n), move)[0, 1] < -0.3


def test_hand_case():
    r = eb_rates([0, 3, 6], [1000, 1000, 1000])
    # m = 9/3000; s² = 1000·(0.003² + 0 + 0.003²)/3000 = 6e-6; a = 6e-6 − 0.003/1000 = 3e-6
    assert (r.m, r.a) == pytest.approx((0.003, 3e-6))
    assert r.table["weight"].to_numpy() == pytest.approx([0.5, 0.5, 0.5])
    assert r.table["eb_rate"].to_numpy() == pytest.approx([0.0015, 0.003, 0.0045])


def test_poisson_gamma_interval_is_the_posterior():
    """Gamma(shape m²/a + y, rate m/a + n): its mean is the EB rate, its quantiles the limits."""
    y, n = np.array([0, 3, 6, 10]), np.array([1000, 1500, 1000, 2000])
    r = eb_rates(y, n, level=0.9)
    shape, rate = r.m ** 2 / r.a + y, r.m / r.a + n
    assert shape / rate == pytest.approx(r.table["eb_rate"].to_numpy(), rel=1e-12)
    assert r.table["lower"].to_numpy() == pytest.approx(stats.gamma.ppf(0.05, shape, scale=1 / rate))
    assert r.table["upper"].to_numpy() == pytest.approx(stats.gamma.ppf(0.95, shape, scale=1 / rate))
    assert (r.table["lower"] < r.table["eb_rate"]).all() and (r.table["eb_rate"] < r.table["upper"]).all()


def test_no_extra_variation_gives_the_map_rate():
    """Raw rates that vary less than counting noise: a truncated at 0, every area at m."""
    r = eb_rates([2, 2, 3, 2], [1000, 1000, 1000, 1000])
    assert r.a == 0.0
    assert r.table["weight"].eq(0).all() and r.table["eb_rate"].to_numpy() == pytest.approx([r.m] * 4)
    assert (r.table["upper"] - r.table["lower"]).eq(0).all()


def test_names_and_inputs_unchanged(nc):
    y, n = nc["SID74"].copy(), nc["BIR74"].copy()
    r = eb_rates(y, n, names=nc["county"])
    assert list(r.table.index[:2]) == ["Ashe", "Alleghany"]
    pd.testing.assert_series_equal(y, nc["SID74"])
    pd.testing.assert_series_equal(n, nc["BIR74"])
    assert "100 areas" in repr(r)


@pytest.mark.parametrize("counts, population, kw, match", [
    ([1, -1, 2], [10, 10, 10], {}, r"counts must be >= 0; area 1 \(row 1\)"),
    ([1, 1.5, 2], [10, 10, 10], {}, "counts must be whole numbers"),
    ([1, np.nan, 2], [10, 10, 10], {}, "counts has 1 NaN value"),
    ([1, 2, 3], [10, 0, 10], {}, r"population must be > 0.*area 1"),
    ([1, 20, 3], [10, 10, 10], {"names": ["a", "b", "c"]}, "counts must not exceed population; area 'b'"),
    ([1, 2], [10, 10, 10], {}, "population must have 2 entries"),
    ([1], [10], {}, "at least 2 areas"),
    ([1, 2], [10, 10], {"method": "bayes"}, "method must be one of"),
    ([1, 2], [10, 10], {"level": 95}, "level must be strictly between 0 and 1"),
    (["1", "2"], [10, 10], {}, "counts must be numeric"),
])
def test_bad_input(counts, population, kw, match):
    with pytest.raises(ValueError, match=match):
        eb_rates(counts, population, **kw)
