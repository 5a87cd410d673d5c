r"""Lesson 02 panel: Stein's paradox, James–Stein against the raw means at true means you fix.

The k true means are fixed numbers, not draws from a population:
:math:`\theta_i = \tau\, q_i` (:math:`q_i` evenly spaced, standard deviation about 1) plus
``far`` added to the last one; each is observed once with known noise :math:`\sigma^2 = 1`.

Left: the true means, one simulated data set :math:`x_i`, and each :math:`x_i` moved to its
James–Stein estimate toward the grand mean :math:`\bar x`.  Right: the mean total squared
error of James–Stein over many data sets, as a fraction of the raw means' (which is
:math:`k\sigma^2` whatever the :math:`\theta_i`), against the spread :math:`\tau`: the curve
stays below 1 for every :math:`\tau`.
"""

from __future__ import annotations

import numpy as np

from ..plots import COLORS, arrows, building, new_figure, set_arrows
from ..simulate import simulate_fixed_means
from ..stein import james_stein, stein_risk
from ..widgets import Panel, Slider

SPEC = {
    "k": Slider(4, 20, 10, scale="int", label="number of means $k$"),
    "spread": Slider(0.0, 3.0, 1.0, step=0.1, label=r"spread of the true means $\tau$"),
    "far": Slider(0.0, 6.0, 0.0, step=0.1, label="last mean moved up by"),
}

SIGMA2 = 1.0       # the known noise variance: every length is in units of sigma
SEED = 2026        # one seed: the same data sets on every run, and for every slider position
REPS = 1000        # data sets behind each point of the curve
K_MAX = int(SPEC["k"].max)
TAU_GRID = np.linspace(0.0, SPEC["spread"].max, 16)
HALF = np.sqrt(3.0)   # q_i evenly spaced on [-sqrt 3, sqrt 3]: standard deviation about 1


def true_means(k: int, spread: float, far: float) -> np.ndarray:
    """The fixed true means: tau * q_i, q evenly spaced on [-√3, √3], the last one raised by ``far``."""
    theta = spread * np.linspace(-HALF, HALF, int(k))
    theta[-1] += far
    return theta


def stein_paradox(**initial) -> Panel:
    """Build the Stein's-paradox panel; keywords override the slider defaults (``k``, ``spread``, ``far``)."""
    # the data set on show: mean i's noise is the same for every k (simulate_fixed_means draws mean by mean)
    z_max = np.abs(simulate_fixed_means(np.zeros(K_MAX), SIGMA2, reps=1, seed=SEED)).max()
    lo = -SPEC["spread"].max * HALF - z_max - 0.8
    hi = SPEC["spread"].max * HALF + SPEC["far"].max + z_max + 0.8
    with building():
        fig, (ax_d, ax_r) = new_figure(1, 2, figsize=(8.5, 4.6), width_ratios=[1.15, 1.0])

        # -- left: one data set, raw -> James-Stein --------------------------------------
        ax_d.set(xlim=(0.2, K_MAX + 0.8), ylim=(lo, hi), xlabel="mean $i$", ylabel="value (units of $\\sigma$)")
        ax_d.set_xticks([1, 5, 10, 15, 20])
        (grand,) = ax_d.plot([], [], color=COLORS["complete_pooling"], lw=2, ls="--", label=r"grand mean $\bar x$")
        segs = arrows(ax_d, K_MAX, color=COLORS["alt"], lw=1.5)
        (truth,) = ax_d.plot([], [], "_", ms=13, mew=2.5, color=COLORS["truth"], label=r"true mean $\theta_i$")
        raw = ax_d.scatter([], [], s=40, color=COLORS["no_pooling"], edgecolor="black", lw=0.5, zorder=3,
                           label="raw $x_i$")
        js = ax_d.scatter([], [], s=40, marker="D", color=COLORS["alt"], edgecolor="black", lw=0.5, zorder=4,
                          label="James–Stein")
        ax_d.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2, frameon=False,
                    handletextpad=0.3, columnspacing=0.8, fontsize=11)

        # -- right: total squared error relative to the raw means, against tau ----------------
        ax_r.set(xlim=(-0.15, SPEC["spread"].max + 0.15), ylim=(0.0, 1.18), xlabel=r"spread $\tau$ of the true means",
                 ylabel="total squared error / raw's")
        ax_r.axhline(1.0, color=COLORS["no_pooling"], lw=2.5, label=r"raw means ($k\sigma^2$ always)")
        (curve,) = ax_r.plot([], [], color=COLORS["alt"], lw=2.5, label="James–Stein")
        (here,) = ax_r.plot([], [], "o", ms=10, color=COLORS["alt"], mec="black", zorder=4)
        readout = ax_r.text(0.97, 0.06, "", transform=ax_r.transAxes, ha="right", va="bottom", fontsize=13,
                            bbox=dict(fc="white", ec="0.7"))
        ax_r.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=1, frameon=False, fontsize=11)

    def draw(k, spread, far):
        theta = true_means(k, spread, far)
        x = simulate_fixed_means(theta, SIGMA2, reps=1, seed=SEED)[0]
        est = james_stein(x, SIGMA2)
        i = np.arange(1, k + 1)
        truth.set_data(i, theta)
        raw.set_offsets(np.column_stack([i, x]))
        js.set_offsets(np.column_stack([i, est]))
        set_arrows(segs, i, x, i, est)
        grand.set_data([0.5, k + 0.5], [x.mean()] * 2)
        ratio = np.array([_ratio(true_means(k, t, far)) for t in TAU_GRID])
        curve.set_data(TAU_GRID, ratio)
        now = _ratio(theta)
        here.set_data([spread], [now])
        readout.set_text(f"k = {k}: James–Stein\n{now:.2f} × raw's error")

    def describe(k, spread, far):
        return (f"{k} fixed true means with spread τ = {spread:g} (the last moved up by {far:g}): raw means with "
                f"arrows to their James–Stein estimates, pulled toward the grand mean; right, James–Stein's total "
                f"squared error over the raw means' against τ, now {_ratio(true_means(k, spread, far)):.2f}, "
                f"below 1 for every τ.")

    moving = [grand, segs, truth, raw, js, curve, here, readout]
    return Panel(fig, draw, SPEC, moving, name="stein_paradox", describe=describe, initial=initial)


def _ratio(theta) -> float:
    r = stein_risk(theta, SIGMA2, reps=REPS, seed=SEED)
    return r.james_stein / r.raw
