r"""Conditional bias (lesson 04): unbiased over the population, biased toward the mean for each individual.

Left: 300 simulated individuals (μ known = 0), true effect b_i against the BLUP's error
b̂_i − b_i.  The errors average to 0 (dashed line) but follow the line −(1 − w)b_i: an
individual far above the mean is predicted too low, one far below too high.  The draws are
fixed standard normals rescaled by the sliders (common random numbers), so dragging moves
the same individuals.  Right: the MSE of every predictor w'(ȳ_i − μ), in units of σ_b², with the
BLUP's w at its minimum (1 − w)σ_b².
"""

from __future__ import annotations

import numpy as np

from ..best_linear import conditional_bias, linear_predictor_mse
from ..oneway import shrinkage_weight as weight
from ..plots import COLORS, building, new_figure, readout
from ..widgets import Panel, Slider

SPEC = {
    "n": Slider(1, 50, 5, scale="int", label="readings $n$"),
    "sigma_b2": Slider(1.0, 100.0, 25.0, scale="log", label=r"between $\sigma_b^2$"),
    "sigma_e2": Slider(1.0, 200.0, 100.0, scale="log", label=r"noise $\sigma_\varepsilon^2$"),
}

INDIVIDUALS = 300
SEED = 4                       # lesson 04's seed: the same individuals on every run
_Z = np.random.default_rng(SEED).standard_normal((2, INDIVIDUALS))
B_LIM = 3.2 * np.sqrt(SPEC["sigma_b2"].max)
W_GRID = np.linspace(0.0, 1.0, 101)
# MSE in units of σ_b²: the minimum 1 − w lies in [0, 1] for every slider setting; the raw
# means' MSE σ_ε²/(nσ_b²) can leave the top of the axes (then no pooling is far worse).
REL_MAX = 1.6


def draws(n, sigma_b2, sigma_e2):
    """The panel's individuals: true b, raw deviation ȳ − μ and BLUP error (arrays of 300)."""
    b = np.sqrt(sigma_b2) * _Z[0]
    d = b + np.sqrt(sigma_e2 / n) * _Z[1]
    return b, d, weight(n, sigma_b2, sigma_e2) * d - b


def conditional_bias_panel(**initial) -> Panel:
    """Build the lesson-04 panel; keywords override the slider defaults (``n``, ``sigma_b2``, ``sigma_e2``)."""
    with building():
        fig, (ax_e, ax_m) = new_figure(1, 2, figsize=(10.0, 4.8), width_ratios=[1.25, 1.0])

        ax_e.set(xlim=(-B_LIM, B_LIM), ylim=(-B_LIM, B_LIM), xlabel=r"true effect $b_i$",
                 ylabel=r"error $\hat b_i - b_i$", title="unbiased on average, not for you")
        ax_e.axhline(0.0, color=COLORS["complete_pooling"], lw=1.5, ls="--", label="no error")
        pts = ax_e.scatter(np.zeros(INDIVIDUALS), np.zeros(INDIVIDUALS), s=14, alpha=0.55,
                           color=COLORS["partial_pooling"], label="individuals")
        (bias_line,) = ax_e.plot([], [], color=COLORS["highlight"], lw=3,
                                 label=r"$E(\hat b_i - b_i \mid b_i) = -(1-w)\,b_i$")
        # labels static, numbers moving: a changed mathtext line would be parsed again on every move
        values = readout(ax_e, 0.03, 0.04, ["$w$ =", "mean error, all:", r"mean error, $b_i > 2\sigma_b$:"],
                         ["0.00", "+00.00", "+00.00"], fontsize=12)
        ax_e.legend(loc="upper right", frameon=False, fontsize=11)

        ax_m.set(xlim=(0, 1), ylim=(0, REL_MAX), xlabel=r"weight $w'$ on the own mean",
                 ylabel=r"MSE $/\ \sigma_b^2$", title=r"best: the MSE of $w'(\bar y_i - \mu)$")
        ax_m.axhline(1.0, color=COLORS["complete_pooling"], lw=1, ls=":")
        (mse_curve,) = ax_m.plot([], [], color=COLORS["alt"], lw=2.5, label="any weight $w'$")
        best = ax_m.scatter([0.0], [0.0], s=120, zorder=4, color=COLORS["partial_pooling"],
                            edgecolor="black", label=r"BLUP: $w'=w$")
        ends = ax_m.scatter([0.0, 1.0], [0.0, 0.0], s=70, zorder=4, marker="s",
                            color=[COLORS["complete_pooling"], COLORS["no_pooling"]],
                            label="complete / no pooling")
        # the label never changes (its mathtext is parsed once); the number beside it does
        best_label = ax_m.annotate(r"$(1-w)\sigma_b^2$ =", xy=(0, 0), xytext=(12, 0), textcoords="offset points",
                                   ha="right", va="baseline", fontsize=12)
        best_value = ax_m.annotate("", xy=(0, 0), xytext=(15, 0), textcoords="offset points",
                                   ha="left", va="baseline", fontsize=12)
        ax_m.legend(loc="upper center", frameon=False, fontsize=11)

    def draw(n, sigma_b2, sigma_e2):
        b, _, err = draws(n, sigma_b2, sigma_e2)
        w = weight(n, sigma_b2, sigma_e2)
        pts.set_offsets(np.column_stack([b, err]))
        edge = np.array([-B_LIM, B_LIM])
        bias_line.set_data(edge, conditional_bias(edge, n, sigma_b2, sigma_e2))
        far = b > 2 * np.sqrt(sigma_b2)
        values.set_text(f"{w:.2f}\n{err.mean():+.2f}\n{err[far].mean():+.2f}")
        rel = linear_predictor_mse(W_GRID, n, sigma_b2, sigma_e2) / sigma_b2
        mse_curve.set_data(W_GRID, rel)
        m_best = (1 - w) * sigma_b2
        best.set_offsets([[w, 1 - w]])
        ends.set_offsets([[0.0, rel[0]], [1.0, rel[-1]]])
        best_label.xy = best_value.xy = (w, 1 - w + 0.07)
        best_value.set_text(f"{m_best:.3g}")

    moving = [pts, bias_line, values, mse_curve, best, ends, best_label, best_value]
    return Panel(fig, draw, SPEC, moving, name="conditional_bias", initial=initial)
