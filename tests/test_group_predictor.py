"""Lesson 03's group-level predictor figure: the BLUPs' target is the fitted line, drawn as fitted."""
import matplotlib

matplotlib.use("Agg")
import numpy as np

import blupteach as bt
from blupteach.plots import MAX_WIDTH_IN


def test_group_predictor_figure_draws_the_fits_targets_and_blups():
    r = bt.datasets.load("radon_mn")
    f0 = bt.fit_lmm("log_radon ~ floor + (1 | county)", r)
    f1 = bt.fit_lmm("log_radon ~ floor + log_uranium + (1 | county)", r)
    fig, axes = bt.panels.group_predictor_figure(f0, f1, r)
    assert fig.get_size_inches()[0] <= MAX_WIDTH_IN
    u = r.groupby("county")["log_uranium"].first().sort_values()
    left_line, right_line = axes[0].lines[0], axes[1].lines[0]
    np.testing.assert_allclose(left_line.get_ydata(), f0.fixef["(Intercept)"])          # a constant
    np.testing.assert_allclose(right_line.get_xdata(), u.to_numpy())
    np.testing.assert_allclose(right_line.get_ydata(), f1.fixef["(Intercept)"] + f1.fixef["log_uranium"] * u.to_numpy())
    blup = axes[1].collections[-1].get_offsets()[:, 1]                                  # BLUP dots, sorted by county
    expect = f1.fixef["(Intercept)"] + f1.fixef["log_uranium"] * r.groupby("county")["log_uranium"].first() \
        + f1.ranef["county"]["(Intercept)"]
    np.testing.assert_allclose(blup, expect.to_numpy())
