r"""Given one individual (lesson 04): the BLUP's error is biased toward the mean, and its MSE is an average.

Both axes are in units that keep the picture whole for every slider setting (μ known):

Left: 300 simulated individuals, true effect b_i against the BLUP's error b̂_i − b_i, both in
units of σ_b.  The errors average to 0 (dashed line) but follow the line −(1 − w)b_i: an
individual far above the mean is predicted too low, one far below too high.  The draws are
fixed standard normals rescaled by the sliders (common random numbers, from
:class:`blupteach.simulate.StandardDraws`), so dragging moves the same individuals; the limits
are set once to hold all 300 at every slider setting.

Right: the MSE *given* b_i, in units of the raw mean's σ_ε²/n: the BLUP's
:math:`(1-w)^2b_i^2 + w^2\sigma_\varepsilon^2/n` (:func:`blupteach.conditional_mse`), the raw mean's
flat 1, and the BLUP's average over individuals, w (that is (1 − w)σ_b² in these units).  Beyond
:math:`|b_i| = \sigma_b\sqrt{(1+w)/w}` (shaded) the raw mean does better.
"""

from __future__ import annotations

import numpy as np
from matplotlib import patheffects
from matplotlib.patches import Rectangle
from scipy.special import ndtr

from ..best_linear import conditional_bias, conditional_mse, conditional_mse_crossing
from ..oneway import shrinkage_weight as weight
from ..plots import COLORS, building, new_figure, readout
from ..simulate import StandardDraws
from ..widgets import Panel, Slider

SPEC = {
    "n": Slider(1, 50, 5, scale="int", label="readings $n$"),
    "sigma_b2": Slider(1.0, 100.0, 25.0, scale="log", label=r"between $\sigma_b^2$",
                         words="between-patient variance"),
    "sigma_e2": Slider(1.0, 200.0, 100.0, scale="log", label=r"noise $\sigma_\varepsilon^2$",
                         words="within-patient noise variance"),
}

INDIVIDUALS = 300
SEED = 4                       # lesson 04's seed: the same individuals on every run
_DRAWS = StandardDraws(INDIVIDUALS, 1, seed=SEED)
_ZB, _ZE = _DRAWS.z_b, _DRAWS.z_e[:, 0]

# r = σ_ε²/(nσ_b²) over the whole slider range; the error in units of σ_b is −(1 − w)z_b + w√r z_e
_R_RANGE = np.geomspace(SPEC["sigma_e2"].min / (SPEC["n"].max * SPEC["sigma_b2"].max),
                        SPEC["sigma_e2"].max / (SPEC["n"].min * SPEC["sigma_b2"].min), 400)
_W_RANGE = 1 / (1 + _R_RANGE)
_ERR_MAX = np.max(np.abs(-(1 - _W_RANGE[:, None]) * _ZB + (_W_RANGE * np.sqrt(_R_RANGE))[:, None] * _ZE))
X_LIM = 1.08 * np.max(np.abs(_ZB))      # room for a whole marker at the edge
Y_LIM = 1.08 * _ERR_MAX
B_GRID = np.linspace(-3.5, 3.5, 281)     # right axes, b_i / σ_b
# the BLUP's conditional MSE in units of σ_ε²/n is (r z² + 1)/(1 + r)², at most z⁴/(4(z² − 1)) ≈ 3.3 at |z| = 3.5
MSE_MAX = 3.5


def draws(n, sigma_b2, sigma_e2):
    """The panel's individuals: true b, raw deviation ȳ − μ and BLUP error (arrays of 300, data units)."""
    b = np.sqrt(sigma_b2) * _ZB
    d = b + np.sqrt(sigma_e2 / n) * _ZE
    return b, d, weight(n, sigma_b2, sigma_e2) * d - b


def conditional_bias_panel(**initial) -> Panel:
    """Build the lesson-04 panel; keywords override the slider defaults (``n``, ``sigma_b2``, ``sigma_e2``)."""
    with building():
        fig, (ax_e, ax_m) = new_figure(1, 2, figsize=(8.5, 4.6))

        ax_e.set(xlim=(-X_LIM, X_LIM), ylim=(-Y_LIM, Y_LIM), xlabel=r"true effect $b_i\ /\ \sigma_b$",
                 ylabel=r"error $(\hat b_i - b_i)\ /\ \sigma_b$", title=r"biased, given $b_i$")
        ax_e.axhline(0.0, color=COLORS["truth"], lw=1.2, ls="--", label="no error")
        pts = ax_e.scatter(np.zeros(INDIVIDUALS), np.zeros(INDIVIDUALS), s=12, alpha=0.45, linewidths=0,
                           color=COLORS["partial_pooling"], label="an individual")
        (bias_line,) = ax_e.plot([], [], color=COLORS["partial_pooling"], lw=3,
                                 path_effects=[patheffects.withStroke(linewidth=5, foreground="white")],
                                 label=r"average: $-(1-w)\,b_i$")
        # labels static, numbers moving: a changed mathtext line would be parsed again on every move
        values = readout(ax_e, 0.03, 0.03, ["$w$ =", "mean error, all:", r"mean, $b_i > 2\sigma_b$:"],
                         ["0.000", "+0.00", "+0.00"], fontsize=10)
        ax_e.legend(loc="upper right", frameon=False, fontsize=10, handlelength=1.5)

        ax_m.set(xlim=(B_GRID[0], B_GRID[-1]), ylim=(0, MSE_MAX), xlabel=r"true effect $b_i\ /\ \sigma_b$",
                 ylabel=r"MSE given $b_i$  $/\ (\sigma_\varepsilon^2/n)$", title="best on average, not for all")
        shade = [ax_m.add_patch(Rectangle((0, 0), 0, MSE_MAX, color=COLORS["no_pooling"], alpha=0.18, lw=0))
                 for _ in range(2)]
        ax_m.axhline(1.0, color=COLORS["no_pooling"], lw=2.5, label="raw mean")
        (curve,) = ax_m.plot([], [], color=COLORS["partial_pooling"], lw=2.5, label=r"BLUP, given $b_i$")
        (average,) = ax_m.plot([], [], color=COLORS["partial_pooling"], lw=1.5, ls=":",
                               label="BLUP, averaged")
        cross = readout(ax_m, 0.5, 0.47, [r"raw mean better if $|b_i|/\sigma_b >$", "share of individuals:"],
                        ["00.00", "00.0%"], ha="center", fontsize=10)
        ax_m.legend(loc="upper center", frameon=False, fontsize=10, handlelength=1.5)

    def draw(n, sigma_b2, sigma_e2):
        b, _, err = draws(n, sigma_b2, sigma_e2)
        sd = np.sqrt(sigma_b2)
        w = weight(n, sigma_b2, sigma_e2)
        pts.set_offsets(np.column_stack([b, err]) / sd)
        edge = np.array([-X_LIM, X_LIM])
        bias_line.set_data(edge, conditional_bias(edge * sd, n, sigma_b2, sigma_e2) / sd)
        far = b > 2 * sd
        values.set_text(f"{w:.3f}\n{err.mean() / sd:+.2f}\n{err[far].mean() / sd:+.2f}")
        raw = sigma_e2 / n
        curve.set_data(B_GRID, conditional_mse(B_GRID * sd, n, sigma_b2, sigma_e2) / raw)
        average.set_data(B_GRID[[0, -1]], [(1 - w) * sigma_b2 / raw] * 2)
        c = conditional_mse_crossing(n, sigma_b2, sigma_e2) / sd
        x_end = B_GRID[-1] + 1.0            # past the axes: the patch is clipped there
        shade[0].set_bounds(-x_end, 0, x_end - c, MSE_MAX)
        shade[1].set_bounds(c, 0, max(x_end - c, 0.0), MSE_MAX)
        cross.set_text(f"{c:.2f}\n{100 * 2 * (1 - ndtr(c)):.1f}%")

    def describe(n, sigma_b2, sigma_e2):
        w, _, far, = values.get_text().split("\n")
        c, share = cross.get_text().split("\n")
        return (f"For n = {n}, σ_b² = {sigma_b2:g}, σ_ε² = {sigma_e2:g} (w = {w}): left, each simulated "
                f"individual's BLUP error against its true effect b_i, on a line falling with b_i (mean error "
                f"{far} σ_b for b_i above 2 σ_b); right, the BLUP's error given b_i against the raw mean's, "
                f"crossing it at |b_i| = {c} σ_b ({share} of individuals lie beyond).")

    moving = [*shade, pts, bias_line, values, curve, average, cross]
    return Panel(fig, draw, SPEC, moving, name="conditional_bias", describe=describe, initial=initial)
