"""A response that is constant within every group (a group-level column) is refused, not fitted.

Found through lesson 11's panel: picking Minnesota's county ``log_uranium`` as the response gave
σ̂_ε² = 2e-10 and RuntimeWarnings, because rounding left SSW at 1e-28 instead of 0.
"""
from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import blupteach as bt


@pytest.mark.parametrize("scale", [1e-8, 1.0, 1e8])
def test_fit_oneway_refuses_a_group_level_response(scale):
    d = bt.datasets.load("radon_mn")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match="no within-group variation"):
            bt.fit_oneway(scale * d["log_uranium"], d["county"])


def test_report_and_the_panel_say_so():
    d = bt.datasets.load("radon_mn")
    with pytest.raises(ValueError, match="cannot be fitted.*no within-group variation"):
        bt.report(d, y="log_uranium", group="county")
    p = bt.panels.own_data()
    p.update(y=list(d.columns).index("log_uranium"))
    assert p.report is None and "no within-group variation" in p.message


def test_small_real_within_group_variation_is_still_fitted():
    y = pd.Series([1.0, 1.0 + 1e-9, 2.0, 2.0 - 1e-9, 3.0, 3.0])
    fit = bt.fit_oneway(y, list("aabbcc"))
    assert fit.sigma_e2 > 0 and np.isfinite(fit.sigma_b2)


def test_a_constant_covariate_is_named_with_its_plain_value():
    d = bt.datasets.load("radon_mn").assign(year=2024)
    rep = bt.report(d, y="log_radon", group="county", covariates=["year"])
    assert any("'year' is constant (2024 in every row)" in w for w in rep.warnings), rep.warnings
