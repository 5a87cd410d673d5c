"""Lesson 06's panel (bt.panels.confounding), headless on Agg: its artists show what the bt functions return.

The generic checks (built once, blit = full redraw, no full redraw per move) run in
tests/test_panels.py for every factory; here the numbers: the estimates drawn at (c, δ) are
those of fresh fits of the same clinic at that δ (the panel fits only at δ = 0 and adds δ).
"""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.collections import LineCollection, PathCollection

import blupteach as bt
from blupteach.confounding import DESIGN_ANALYSIS
from blupteach.panels import causal

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def panel():
    p = bt.panels.confounding()
    yield p
    plt.close(p.figure)


def _artists(p):
    """The estimates (3 points), their intervals (3 segments) and the patients (scatter)."""
    _, ax_e, ax_s = p.figure.axes
    (points,) = [c for c in ax_e.collections if isinstance(c, PathCollection)]
    (bars,) = [c for c in ax_e.collections if isinstance(c, LineCollection)]
    (dots,) = ax_s.collections
    return points, bars, dots


@pytest.mark.parametrize("c, delta", [(2.0, 0.0), (0.0, 0.45), (3.0, 1.0), (1.25, 0.2)])
def test_estimates_are_fresh_fits_at_this_effect(panel, c, delta):
    n_artists = len(panel.figure.findobj())
    panel.update(confounding=c, effect=delta)
    points, bars, _ = _artists(panel)
    for i, design in enumerate(causal.ROWS):
        fresh = bt.treatment_effect(causal.clinic(c, design, effect=delta).data, comparison=DESIGN_ANALYSIS[design])
        assert points.get_offsets()[i, 0] == pytest.approx(fresh.estimate, abs=1e-7), design
        seg = bars.get_segments()[i]
        assert (seg[0, 0], seg[1, 0]) == pytest.approx((fresh.lower, fresh.upper), abs=1e-6), design
    assert len(panel.figure.findobj()) == n_artists


def test_confounded_estimate_is_negative_for_a_harmless_drug_and_the_others_cover_it(panel):
    panel.update(confounding=2.0, effect=0.0)
    points, bars, _ = _artists(panel)
    est = points.get_offsets()[:, 0]
    lower, upper = (np.array([s[k, 0] for s in bars.get_segments()]) for k in (0, 1))
    assert est[0] < 0 and upper[0] < 0, "doctor chooses: a harmless drug looks harmful"
    assert np.all((lower[1:] < 0) & (upper[1:] > 0)), "randomised and crossover intervals cover delta = 0"


def test_scatter_fills_the_treated_and_shows_their_outcomes(panel):
    panel.update(confounding=3.0, effect=0.5)
    _, _, dots = _artists(panel)
    clinic = causal.clinic(3.0, "observational", effect=0.5)
    means = clinic.data.groupby("patient")["y"].mean().to_numpy()
    assert np.allclose(dots.get_offsets(), np.column_stack([clinic.sickness, means]))
    filled = dots.get_facecolors()[:, :3].sum(axis=1) < 2.9                 # white = untreated
    assert np.array_equal(filled, clinic.treated_share == 1)


def test_off_grid_confounding_snaps_to_the_slider_grid(panel):
    panel.update(confounding=1.3, effect=0.1)
    a = _artists(panel)[0].get_offsets().copy()
    panel.update(confounding=1.25, effect=0.1)
    assert np.array_equal(a, _artists(panel)[0].get_offsets())
    assert causal.grid_index(1.3) == 5 and causal.grid_index(3.4) == causal.C_GRID.size - 1


def test_diagram_arrows_follow_the_sliders(panel):
    ax_g = panel.figure.axes[0]
    to_treat, _, drug = ax_g.patches
    panel.update(confounding=0.0, effect=0.0)
    thin = (to_treat.get_linewidth(), drug.get_linewidth())
    labels = sorted(t.get_text() for t in ax_g.texts if t.get_text().startswith(("c =", "δ =")))
    assert labels == ["c = 0", "δ = 0.00"]
    panel.update(confounding=3.0, effect=1.5)
    assert to_treat.get_linewidth() > thin[0] + 5 and drug.get_linewidth() > thin[1] + 5
    assert sorted(t.get_text() for t in ax_g.texts if t.get_text().startswith(("c =", "δ ="))) == ["c = 3", "δ = 1.50"]


def test_limit_marker_is_the_formula_on_the_doctor_row(panel):
    # δ − γΔ(c) with Δ(2) = 1.2114 and Δ(3) = 1.3780 (4 E[s logistic(cs)], quad in R: integrate())
    for c, delta, limit in [(2.0, 0.0, -1.2114), (3.0, 1.5, 1.5 - 1.3780)]:
        panel.update(confounding=c, effect=delta)
        (marker,) = [ln for ln in panel.figure.axes[1].lines if ln.get_marker() == "D"]
        assert marker.get_xdata()[0] == pytest.approx(limit, abs=1e-3)
        assert marker.get_ydata()[0] == causal.Y_ROWS[0]


def test_panel_shows_the_lessons_clinic_and_delta_reaches_past_the_bias(panel):
    panel.update(confounding=2.0, effect=0.0)
    lesson = bt.treatment_effect(bt.simulate_treatment("observational", patients=200, visits=4, effect=0.0,
                                                       confounding=2.0, seed=6).data)
    assert _artists(panel)[0].get_offsets()[0, 0] == pytest.approx(lesson.estimate, abs=1e-7)
    assert causal.SPEC["effect"].max > bt.sickness_gap(causal.SPEC["confounding"].max)   # δ can outweigh any bias


def test_static_diagram_figure():
    fig, ax = bt.panels.causal_diagram_figure(1.0, effect=0.5)
    texts = sorted(t.get_text() for t in ax.texts if t.get_text().startswith(("c =", "δ =")))
    assert texts == ["c = 1", "δ = 0.50"] and len(ax.patches) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match="confounding"):
        bt.panels.causal_diagram_figure(-1.0)
