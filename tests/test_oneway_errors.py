"""Bad input (issue 3): a ValueError that names the argument and what was expected.

Each ``match`` pins the argument's name at the start of the message (or the pair
of names), so a message that stops naming the culprit fails the test.
"""
import numpy as np
import pandas as pd
import pytest

import blupteach as bt

Y = [1.0, 3.0, 5.0, 7.0, 2.0, 4.0]
G = ["a", "a", "b", "b", "c", "c"]


# ---------------------------------------------------------------------------
# fit_oneway / oneway_stats: y and group
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "y, group, match",
    [
        ([1.0, np.nan, 5.0, 7.0, 2.0, 4.0], G, r"^y has 1 NaN value \(row 1\)"),
        ([1.0, 3.0, np.inf, 7.0, 2.0, 4.0], G, r"^y has 1 NaN or infinite value \(row 2\)"),
        ([1.0, 3.0, 5.0, -np.inf, np.nan, 4.0], G, r"^y has 2 NaN or infinite values \(rows 3, 4\)"),
        (["1", "3", "5", "7", "2", "4"], G, r"^y must be numeric; got text"),
        (["1.0", "x", "5", "7", "2", "4"], G, r"^y must be numeric"),
        (pd.Series(["1", "3", "5", "7", "2", "4"], dtype=object), G, r"^y must be numeric"),
        ([[1.0], [3.0], [5.0], [7.0], [2.0], [4.0]], G, r"^y must be 1-dimensional"),
        ([], [], r"^y is empty"),
        (Y, G[:5], r"^group must have 6 entries to match y; got 5"),
        (Y[:5], G, r"^group must have 5 entries to match y; got 6"),
        (Y, ["a", "a", None, "b", "c", "c"], r"^group has 1 missing label \(row 2\)"),
        (Y, ["a", "a", np.nan, "b", "c", "c"], r"^group has 1 missing label"),
        (Y, pd.Series(["a", "a", "b", pd.NA, "c", "c"]), r"^group has 1 missing label"),
        (Y, np.array([1.0, 1.0, 2.0, np.nan, 3.0, 3.0]), r"^group has 1 missing label"),
        (Y, ["a"] * 6, r"^group must have at least 2 distinct levels.*got 1"),
        (Y, pd.DataFrame({"g": G}), r"^group must be one column"),
        (Y, list("abcdef"), r"single observation.*at least one group needs 2"),
        ([1.0, 1.0, 3.0, 3.0], list("aabb"), r"^y has no within-group variation"),
    ],
)
def test_fit_oneway_bad_data(y, group, match):
    with pytest.raises(ValueError, match=match):
        bt.fit_oneway(y, group)


def test_non_numeric_dataframe_column():
    """A column read as text (e.g. a unit left in a CSV) is refused, not parsed."""
    df = pd.DataFrame({"y": ["1 mg", "3 mg", "5 mg", "7 mg"], "g": list("aabb")})
    with pytest.raises(ValueError, match=r"^y must be numeric; got text values \(e\.g\. '1 mg'\)"):
        bt.fit_oneway(df["y"], df["g"])


def test_anova_needs_within_group_variation():
    with pytest.raises(ValueError, match=r"^y has no within-group variation"):
        bt.fit_oneway([1.0, 1.0, 3.0, 3.0], list("aabb"), method="ANOVA")


@pytest.mark.parametrize("method", ["GLS", "", None, 3])
def test_unknown_method(method):
    with pytest.raises(ValueError, match=r"^method must be one of 'REML', 'ML', 'ANOVA'"):
        bt.fit_oneway(Y, G, method=method)


# ---------------------------------------------------------------------------
# closed forms: n and the variances
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "n, sigma_b2, sigma_e2, match",
    [
        (-1, 1.0, 1.0, r"^n must be >= 0"),
        ([2, -3], 1.0, 1.0, r"^n must be >= 0"),
        (2.5, 1.0, 1.0, r"^n must hold whole numbers.*got 2\.5"),
        ([1, 2.25], 1.0, 1.0, r"^n must hold whole numbers.*got 2\.25"),
        (np.nan, 1.0, 1.0, r"^n has 1 NaN value"),
        ("five", 1.0, 1.0, r"^n must be numeric"),
        (3, -1.0, 1.0, r"^sigma_b2 must be >= 0 \(it is a variance\), got -1"),
        (3, 1.0, -0.5, r"^sigma_e2 must be >= 0 \(it is a variance\), got -0.5"),
        (3, [1.0, -2.0], 1.0, r"^sigma_b2 must be >= 0.*negative values \(row 1\)"),
        (3, np.nan, 1.0, r"^sigma_b2 must be a finite number >= 0, got nan"),
        (3, 1.0, np.nan, r"^sigma_e2 must be a finite number >= 0, got nan"),
        (3, 1.0, np.inf, r"^sigma_e2 must be a finite number >= 0, got inf"),
        (3, [1.0, np.nan], 1.0, r"^sigma_b2 has 1 NaN value \(row 1\)"),
        (3, 0.0, 0.0, r"^sigma_b2 and sigma_e2 are both 0"),
        (0, 0.0, 0.0, r"^sigma_b2 and sigma_e2 are both 0"),
        (3, [1.0, 0.0], [1.0, 0.0], r"^sigma_b2 and sigma_e2 are both 0"),
        ([1, 2, 3], [1.0, 2.0], 1.0, r"^n \(shape \(3,\)\) and sigma_b2 \(shape \(2,\)\) .*must have matching lengths"),
    ],
)
def test_shrinkage_weight_bad_input(n, sigma_b2, sigma_e2, match):
    with pytest.raises(ValueError, match=match):
        bt.shrinkage_weight(n, sigma_b2, sigma_e2)


@pytest.mark.parametrize("func", [bt.blup, bt.partial_pooling])
@pytest.mark.parametrize(
    "args, match",
    [
        (([10.0, 14.0], [2, 20, 5], 12.0, 1.0, 4.0), r"^group_means \(shape \(2,\)\) and n \(shape \(3,\)\)"),
        (([10.0, np.nan], [2, 20], 12.0, 1.0, 4.0), r"^group_means has 1 NaN value"),
        (([10.0, 14.0], [2, 20], np.nan, 1.0, 4.0), r"^mu must be a finite number; got nan"),
        (([10.0, 14.0], [2, 20], [12.0, 13.0], 1.0, 4.0), r"^mu must be a single finite number"),
        (([10.0, 14.0], [2, -20], 12.0, 1.0, 4.0), r"^n must be >= 0"),
        (([10.0, 14.0], [2, 20], 12.0, 0.0, 0.0), r"^sigma_b2 and sigma_e2 are both 0"),
        (([10.0, 14.0], [2, 20], 12.0, -1.0, 4.0), r"^sigma_b2 must be >= 0"),
    ],
)
def test_blup_bad_input(func, args, match):
    with pytest.raises(ValueError, match=match):
        func(*args)


@pytest.mark.parametrize(
    "args, match",
    [
        (([10.0, 14.0], [2, 20, 5], 1.0, 4.0), r"^group_means \(shape \(2,\)\) and n \(shape \(3,\)\) must have matching lengths"),
        (([10.0, 14.0], [0, 0], 1.0, 4.0), r"^n must hold at least one group with n >= 1"),
        (([10.0, 14.0], [2, 20], 0.0, 0.0), r"^sigma_b2 and sigma_e2 are both 0"),
        (([10.0, 14.0], [2, 20], 1.0, np.nan), r"^sigma_e2 must be a finite number"),
    ],
)
def test_gls_mean_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        bt.gls_mean(*args)


def test_nothing_silently_returns_nan():
    """Every edge case the issue defines returns a number, never NaN."""
    cases = [(0, 0.0, 1.0), (0, 1.0, 0.0), (5, 0.0, 1.0), (5, 1.0, 0.0), (10**9, 1e3, 1e-3)]
    for n, sb, se in cases:
        assert np.isfinite(bt.shrinkage_weight(n, sb, se)), (n, sb, se)
