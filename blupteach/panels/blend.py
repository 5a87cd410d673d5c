r"""Find the weight yourself (lesson 01): the error of a blend of own mean and population mean, live.

Simulated patients with known true means, :math:`y_{ij} = \mu + b_i + \varepsilon_{ij}`
(:mod:`blupteach.simulate`), ``n`` readings each.  The learner picks a candidate weight
:math:`w'` and every patient is predicted by the blend

.. math::

    w'\,\bar y_i + (1 - w')\,\hat\mu ,

:math:`w' = 0` being complete pooling (the GLS mean for everyone) and :math:`w' = 1` no
pooling (each own mean).

Left: the blend's mean squared error against the truth over 2000 patients
(:func:`blupteach.blend_mse`) as a curve over :math:`w'`, divided by no pooling's error (so
the own mean sits at 1 on a linear axis), with a marker at the learner's :math:`w'`.  The
BLUP's :math:`w = n\sigma_b^2/(n\sigma_b^2 + \sigma_\varepsilon^2)` is marked only when
``show_w`` is 1: the lesson reveals it after the learner has looked for the minimum.
Right: ten of the patients, their true mean, own mean and blend at :math:`w'`.

Colours: the candidate blend is ``COLORS["alt"]`` (a method beside the BLUP), the BLUP's
weight ``partial_pooling``, the ends ``complete_pooling`` and ``no_pooling``.
"""

from __future__ import annotations

import numpy as np

from ..oneway import gls_mean, shrinkage_weight
from ..plots import COLORS, arrows, building, new_figure, set_arrows
from ..pooling import blend_mse
from ..simulate import StandardDraws
from ..widgets import Choice, Panel, Slider

SPEC = {
    "w_prime": Slider(0.0, 1.0, 0.9, step=0.01, label="your weight $w'$"),
    "n": Slider(1, 30, 3, scale="int", label="readings per patient $n$"),
    "sigma_b2": Slider(1.0, 100.0, 25.0, scale="log", step=0.02, label=r"between $\sigma_b^2$",
                         words="between-patient variance"),
    "sigma_e2": Slider(1.0, 400.0, 100.0, scale="log", step=0.02, label=r"noise $\sigma_\varepsilon^2$",
                         words="within-patient noise variance"),
    "show_w": Choice(0, 1, 0, scale="int", label="the BLUP's $w$", options=("hidden", "shown"), buttons=True),
}

MU = 100.0         # population mean of the biomarker
SEED = 11          # one seed: the same patients every run
N_PATIENTS = 2000  # patients the error is averaged over (the curve's minimum then sits near w)
N_SHOWN = 10       # patients drawn on the right
W_GRID = np.linspace(0.0, 1.0, 201)
Y_TOP = 1.6        # the error axis: 0 to 1.6 times no pooling's error, linear
CLIP = 0.97 * Y_TOP  # a value above the axis is drawn as a triangle on its top edge, never half cut


def _fmt(value: float) -> str:
    """An error ratio for the readout: two decimals, whole numbers once it is large."""
    return f"{value:.2f}" if value < 100 else f"{value:.0f}"


def _on_axis(value: float) -> tuple[float, str]:
    """Where a marker for ``value`` sits on the error axis, and its shape (a triangle when off the top)."""
    return (value, "o") if value <= CLIP else (CLIP, "^")


def _value_range(draws: StandardDraws) -> float:
    """Largest deviation from MU any shown patient's truth or own mean reaches over the sliders' range."""
    z_b = np.abs(draws.z_b[:N_SHOWN])
    zbar = np.abs(np.cumsum(draws.z_e[:N_SHOWN], axis=1) / np.arange(1, draws.n_max + 1)).max(axis=1)
    return float((np.sqrt(SPEC["sigma_b2"].max) * z_b + np.sqrt(SPEC["sigma_e2"].max) * zbar).max())


def blend_error_panel(**initial) -> Panel:
    """Build the lesson-01 discovery panel; keywords override the defaults (``w_prime``, ``n``, ``sigma_b2``, ``sigma_e2``, ``show_w``)."""
    draws = StandardDraws(N_PATIENTS, int(SPEC["n"].max), seed=SEED)
    x = np.arange(1, N_SHOWN + 1, dtype=float)
    half = 1.05 * _value_range(draws)
    with building():
        fig, (ax_c, ax_p) = new_figure(1, 2, figsize=(8.5, 4.8), width_ratios=[1.3, 1.0])

        # -- left: the error curve over w' -----------------------------------------
        ax_c.set(xlim=(-0.05, 1.05), ylim=(-0.06, Y_TOP),   # below 0: a marker at 0 shows whole
                 xlabel="weight on the own mean $w'$",
                 ylabel="error ÷ no pooling's error")
        ax_c.set_title(f"error over {N_PATIENTS} patients", loc="left", fontsize=13)
        ax_c.axhline(1.0, color=COLORS["no_pooling"], lw=1, ls=":", zorder=1)
        (curve,) = ax_c.plot(W_GRID, np.ones_like(W_GRID), color=COLORS["alt"], lw=2.5, zorder=2)
        (best,) = ax_c.plot([0.5, 0.5], [0.0, Y_TOP], color=COLORS["partial_pooling"], lw=2, ls="--", zorder=3)
        (end0,) = ax_c.plot([0.0], [1.0], "s", ms=11, color=COLORS["complete_pooling"], mec="black", zorder=4)
        (end1,) = ax_c.plot([1.0], [1.0], "o", ms=11, color=COLORS["no_pooling"], mec="black", zorder=4)
        (you,) = ax_c.plot([0.9], [1.0], "D", ms=12, color=COLORS["alt"], mec="black", zorder=5)
        ax_c.set_xticks([0.0, 0.25, 0.5, 0.75, 1.0], ["0\ncomplete\npooling", "0.25", "0.5", "0.75", "1\nno\npooling"])
        readout = ax_c.text(0.5, 0.97, "", transform=ax_c.transAxes, ha="center", va="top", fontsize=13,
                            bbox=dict(fc="white", ec="0.7"), zorder=6)

        # -- right: ten patients at the learner's w' -----------------------------------
        ax_p.set(xlim=(0.3, N_SHOWN + 0.7), ylim=(MU - half, MU + half), xticks=x[::3], xlabel="patient",
                 ylabel="biomarker level")
        ax_p.set_title("ten of them", loc="left", fontsize=13)
        (truth,) = ax_p.plot([], [], "_", ms=20, mew=3, color=COLORS["truth"], label="true mean")
        segs = arrows(ax_p, N_SHOWN, color=COLORS["alt"], lw=2)
        own = ax_p.scatter(x, np.full(N_SHOWN, MU), s=55, color=COLORS["no_pooling"], edgecolor="black", zorder=3,
                           label=r"own mean $\bar y_i$")
        blend = ax_p.scatter(x, np.full(N_SHOWN, MU), s=60, marker="D", color=COLORS["alt"], edgecolor="black",
                             zorder=4, label="your blend")
        ax_p.legend(loc="lower center", bbox_to_anchor=(0.5, 1.08), ncols=2, frameon=False, fontsize=11,
                    handletextpad=0.3, columnspacing=0.8)

    def draw(w_prime, n, sigma_b2, sigma_e2, show_w):
        sample = draws.sample(n, sigma_b2, sigma_e2, MU)
        ref = blend_mse(sample, 1.0)                          # no pooling's error: the unit of the axis
        rel = blend_mse(sample, W_GRID) / ref
        curve.set_ydata(np.minimum(rel, 2 * Y_TOP))          # off the top is clipped by the axes (a line, not a marker)
        mine = blend_mse(sample, w_prime) / ref
        for line, wx, val in ((end0, 0.0, rel[0]), (end1, 1.0, 1.0), (you, w_prime, mine)):
            y, shape = _on_axis(val)
            line.set_data([wx], [y])
            # complete pooling a square, as in the pooling panel: the two ends differ in greyscale too
            line.set_marker({you: "D", end0: "s"}.get(line, "o") if shape == "o" else shape)
        w = shrinkage_weight(n, sigma_b2, sigma_e2)
        best.set_xdata([w, w])
        best.set_visible(bool(show_w))
        text = f"$w'$ = {w_prime:.2f}: error {_fmt(mine)}"
        if show_w:
            text += f"\nBLUP's $w$ = {w:.2f}: error {_fmt(blend_mse(sample, w) / ref)}"
        readout.set_text(text)

        shown = slice(0, N_SHOWN)
        ybar = sample.group_means[shown]
        mu_hat = gls_mean(sample.group_means, sample.n, sigma_b2, sigma_e2)
        mixed = w_prime * ybar + (1 - w_prime) * mu_hat
        truth.set_data(x, sample.true_mean[shown])
        own.set_offsets(np.column_stack([x, ybar]))
        blend.set_offsets(np.column_stack([x, mixed]))
        set_arrows(segs, x, ybar, x, mixed)

    def describe(w_prime, n, sigma_b2, sigma_e2, show_w):
        said = readout.get_text().replace("$w'$", "w'").replace("$w$", "w").replace("\n", "; ")
        best = (f"; the BLUP's w = {shrinkage_weight(n, sigma_b2, sigma_e2):.2f} is the minimum" if show_w
                else "; the BLUP's w is hidden")
        return (f"Error of the blend w'·own mean + (1 − w')·population mean against w', relative to no pooling, "
                f"for n = {n}, σ_b² = {sigma_b2:g}, σ_ε² = {sigma_e2:g}: {said}{best}. Below, {N_SHOWN} patients' "
                f"own means with arrows to your blend (w' = {w_prime:g}) and their true means.")

    moving = [curve, best, end0, end1, you, readout, truth, segs, own, blend]
    return Panel(fig, draw, SPEC, moving, name="blend_error", describe=describe, initial=initial)
