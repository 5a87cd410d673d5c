r"""Pooling strategies (lesson 01): complete, no and partial pooling side by side, live.

Simulated patients with known true means, :math:`y_{ij} = \mu + b_i + \varepsilon_{ij}`
(:mod:`blupteach.simulate`).  Each patient gets ``n`` readings.

Left: for the first 12 patients, the true mean (black bar), the patient's own
mean :math:`\bar y_i` (no pooling), the BLUP :math:`w\bar y_i + (1-w)\hat\mu`
(partial pooling, an arrow from the own mean to it) and the single grand mean
(complete pooling, a grey line).  Right: the mean squared error of each of the
three against the truth over 400 patients, on a log scale (each step of the
axis is ten times the error).

The standard normals are drawn once (common random numbers): moving a slider
moves the same patients, and a slider moved back brings the same picture back.

``raw_to_pooled_figure`` (static, lessons 01 and 02): real groups' own means joined to their
partial-pooling predictions.
"""

from __future__ import annotations

import numpy as np

from ..oneway import shrinkage_weight
from matplotlib.collections import LineCollection

from ..plots import COLORS, arrows, building, new_figure, segments, set_arrows
from ..pooling import score_pooling
from ..simulate import StandardDraws
from ..widgets import Panel, Slider

# A log slider snaps to min·10^(k·step) (step in powers of ten): the steps put the
# defaults 25 and 100 exactly on that grid, so the browser shows 25, not 25.1.
SPEC = {
    "n": Slider(1, 30, 3, scale="int", label="readings per patient $n$"),
    "sigma_b2": Slider(1.0, 100.0, 25.0, scale="log", step=0.02, label=r"between $\sigma_b^2$"),
    "sigma_e2": Slider(1.0, 400.0, 100.0, scale="log", step=0.02, label=r"noise $\sigma_\varepsilon^2$"),
}

MU = 100.0       # population mean of the biomarker
SEED = 1         # one seed: the same patients every run
N_PATIENTS = 400  # patients the errors are averaged over
N_SHOWN = 12      # patients drawn on the left
STRATEGIES = ["complete\npooling", "no\npooling", "partial\npooling\n(BLUP)"]
BAR_COLORS = [COLORS["complete_pooling"], COLORS["no_pooling"], COLORS["partial_pooling"]]
MSE_LIM = (0.01, 1000.0)


def _value_range(draws: StandardDraws) -> tuple[float, float]:
    """Largest deviation from MU any shown patient's truth or mean reaches over the sliders' whole range."""
    z_b = np.abs(draws.z_b[:N_SHOWN])
    zbar = np.abs(np.cumsum(draws.z_e[:N_SHOWN], axis=1) / np.arange(1, draws.n_max + 1)).max(axis=1)
    sd_b, sd_e = np.sqrt(SPEC["sigma_b2"].max), np.sqrt(SPEC["sigma_e2"].max)
    return float((sd_b * z_b + sd_e * zbar).max())


def pooling(**initial) -> Panel:
    """Build the lesson-01 panel; keywords override the slider defaults (``n``, ``sigma_b2``, ``sigma_e2``)."""
    draws = StandardDraws(N_PATIENTS, int(SPEC["n"].max), seed=SEED)
    x = np.arange(1, N_SHOWN + 1, dtype=float)
    half = 1.05 * _value_range(draws)
    with building():
        fig, (ax_p, ax_e) = new_figure(1, 2, figsize=(10.0, 5.2), width_ratios=[1.8, 1.0])

        # -- left: 12 patients, truth and the three estimates -----------------------
        ax_p.set(xlim=(0.3, N_SHOWN + 0.7), ylim=(MU - half, MU + half), xticks=x,
                 xlabel="patient", ylabel="biomarker level")
        ax_p.set_title(f"{N_SHOWN} patients", loc="left")
        (grand,) = ax_p.plot([], [], color=COLORS["complete_pooling"], lw=3, label="complete pooling (grand mean)")
        (truth,) = ax_p.plot([], [], "_", ms=26, mew=3, color=COLORS["truth"], label="true mean")
        segs = arrows(ax_p, N_SHOWN, color=COLORS["partial_pooling"], lw=2)
        own = ax_p.scatter(x, np.full(N_SHOWN, MU), s=70, color=COLORS["no_pooling"], edgecolor="black",
                           zorder=3, label=r"no pooling (own mean $\bar y_i$)")
        blups = ax_p.scatter(x, np.full(N_SHOWN, MU), s=80, marker="D", color=COLORS["partial_pooling"],
                             edgecolor="black", zorder=4, label="partial pooling (BLUP)")
        # above the axes, beside the title: no patient's point can run under it
        readout = ax_p.text(1.0, 1.01, "", transform=ax_p.transAxes, ha="right", va="bottom", fontsize=15,
                            color=COLORS["highlight"])
        ax_p.legend(loc="lower center", bbox_to_anchor=(0.5, 1.09), ncols=2, frameon=False)

        # -- right: mean squared error against the truth ------------------------------
        ax_e.set(yscale="log", ylim=MSE_LIM, xlim=(-0.6, 2.6), ylabel="mean squared error (log scale)",
                 title=f"error, all {N_PATIENTS} patients")
        bars = ax_e.bar(range(3), np.ones(3), bottom=MSE_LIM[0], color=BAR_COLORS, edgecolor="black", width=0.7)
        ax_e.set_xticks(range(3), STRATEGIES)
        values = [ax_e.text(i, 1.0, "", ha="center", va="bottom", fontsize=13) for i in range(3)]

    def draw(n, sigma_b2, sigma_e2):
        sample = draws.sample(n, sigma_b2, sigma_e2, MU)
        est, mse = score_pooling(sample)
        shown = slice(0, N_SHOWN)
        grand.set_data([0.3, N_SHOWN + 0.7], [est["complete"][0]] * 2)
        truth.set_data(x, sample.true_mean[shown])
        own.set_offsets(np.column_stack([x, est["no"][shown]]))
        blups.set_offsets(np.column_stack([x, est["partial"][shown]]))
        set_arrows(segs, x, est["no"][shown], x, est["partial"][shown])
        readout.set_text(f"n = {n}:  w = {shrinkage_weight(n, sigma_b2, sigma_e2):.3f}")
        for bar, label, key in zip(bars, values, ("complete", "no", "partial")):
            bar.set_height(mse[key] - MSE_LIM[0])
            label.set_position((bar.get_x() + bar.get_width() / 2, mse[key] * 1.15))
            label.set_text(f"{mse[key]:.3g}")

    moving = [grand, truth, segs, own, blups, readout, *bars, *values]
    return Panel(fig, draw, SPEC, moving, name="pooling", initial=initial)


def raw_to_pooled_figure(x, raw, pooled, *, mu=None, truth=None, truth_label="true mean", xlabel="", ylabel="",
                         title="", xscale="linear", figsize=(11.0, 5.0)):
    """Return ``(fig, ax)``: each group's own mean (orange) joined to its partial-pooling prediction (blue).

    A static figure (lessons 01 and 02: radon counties against their number of
    homes, batting averages by player), built once in the course style.  ``mu``
    adds the grey line of complete pooling; ``truth`` adds black bars at what
    the predictions are judged against.  Points are placed at ``x``.
    """
    x, raw, pooled = (np.asarray(v, dtype=float) for v in (x, raw, pooled))
    fig, ax = new_figure(figsize=figsize)
    with building():
        ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
        if mu is not None:
            ax.axhline(mu, color=COLORS["complete_pooling"], lw=2.5, zorder=1, label=r"complete pooling $\hat\mu$")
        ax.add_collection(LineCollection(segments(x, raw, x, pooled), colors=COLORS["partial_pooling"],
                                         linewidths=1.2, alpha=0.7, zorder=2))
        ax.scatter(x, raw, s=45, color=COLORS["no_pooling"], edgecolor="black", lw=0.5, zorder=3,
                   label=r"no pooling (own mean $\bar y_i$)")
        ax.scatter(x, pooled, s=45, marker="D", color=COLORS["partial_pooling"], edgecolor="black", lw=0.5,
                   zorder=4, label="partial pooling (BLUP)")
        if truth is not None:
            ax.plot(x, np.asarray(truth, dtype=float), "_", ms=18, mew=2.5, color=COLORS["truth"], zorder=5,
                    label=truth_label)
        ax.set_xscale(xscale)   # after the data: a log axis needs positive data to set its limits
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0 if not title else 1.08), ncols=2, frameon=False)
    return fig, ax
