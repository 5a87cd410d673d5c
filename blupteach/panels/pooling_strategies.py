r"""Pooling strategies (lesson 01): complete, no and partial pooling side by side, live.

Simulated patients with known true means, :math:`y_{ij} = \mu + b_i + \varepsilon_{ij}`
(:mod:`blupteach.simulate`).  Patients have *mixed* numbers of readings: a quarter of them
get about n/4, a quarter n/2, a quarter n and a quarter 2n (at least 1 each).

Left: twelve patients, three of each size, their true mean (black bar), own mean
:math:`\bar y_i` (no pooling), BLUP :math:`w_i\bar y_i + (1-w_i)\hat\mu` (partial pooling, an
arrow from the own mean to it) and the grand mean (complete pooling, a grey line).
Right: for each size class, the mean squared error against the truth over 200 patients,
divided by no pooling's error in that class, on a linear axis (no pooling is 1; below 1
is better).  A value above the axis is a triangle on its top edge with its number.

The standard normals are drawn once (common random numbers): moving a slider
moves the same patients, and a slider moved back brings the same picture back.

``raw_to_pooled_figure`` (static, lessons 01 and 02): real groups' own means joined to their
partial-pooling predictions.  ``pooling_se_figure`` (static, lesson 01): own means and
partial-pooling predictions with ±1 standard-error bars against group size, on shared axes.
"""

from __future__ import annotations

import numpy as np

from ..oneway import shrinkage_weight
from matplotlib.collections import LineCollection

from ..accessible import axes_text, describe
from ..plots import COLORS, arrows, building, new_figure, segments, set_arrows
from ..pooling import score_pooling
from ..simulate import StandardDraws
from ..widgets import Panel, Slider

# A log slider snaps to min·10^(k·step) (step in powers of ten): the steps put the
# defaults 25 and 100 exactly on that grid, so the browser shows 25, not 25.1.
SPEC = {
    "n": Slider(1, 30, 4, scale="int", label="typical readings $n$ (patients get n/4 … 2n)"),
    "sigma_b2": Slider(1.0, 100.0, 25.0, scale="log", step=0.02, label=r"between $\sigma_b^2$",
                         words="between-patient variance"),
    "sigma_e2": Slider(1.0, 400.0, 100.0, scale="log", step=0.02, label=r"noise $\sigma_\varepsilon^2$",
                         words="within-patient noise variance"),
}

MU = 100.0        # population mean of the biomarker
SEED = 1          # one seed: the same patients every run
SIZES = (0.25, 0.5, 1.0, 2.0)            # a patient's readings: max(1, round(size * n))
SIZE_LABELS = ("n/4", "n/2", "n", "2n")
N_PATIENTS = 800  # patients the errors are averaged over, 200 of each size
PER_SIZE_SHOWN = 3
N_SHOWN = PER_SIZE_SHOWN * len(SIZES)    # patients drawn on the left
Y_TOP = 2.0       # right axis: 0 to 2 times no pooling's error
CLIP = 0.96 * Y_TOP


def patient_sizes(n: int, g: int = N_PATIENTS) -> np.ndarray:
    """Readings of each of ``g`` patients for a typical ``n``: the sizes n/4, n/2, n, 2n in turn (at least 1)."""
    factor = np.resize(np.asarray(SIZES), g)
    return np.maximum(1, np.round(factor * n)).astype(int)


def _value_range(draws: StandardDraws, shown: np.ndarray) -> float:
    """Largest deviation from MU any shown patient's truth or mean reaches over the sliders' whole range."""
    z_b = np.abs(draws.z_b[shown])
    zbar = np.abs(np.cumsum(draws.z_e[shown], axis=1) / np.arange(1, draws.n_max + 1)).max(axis=1)
    sd_b, sd_e = np.sqrt(SPEC["sigma_b2"].max), np.sqrt(SPEC["sigma_e2"].max)
    return float((sd_b * z_b + sd_e * zbar).max())


def pooling(**initial) -> Panel:
    """Build the lesson-01 panel; keywords override the slider defaults (``n``, ``sigma_b2``, ``sigma_e2``)."""
    n_max = int(patient_sizes(int(SPEC["n"].max), len(SIZES)).max())
    draws = StandardDraws(N_PATIENTS, n_max, seed=SEED)
    size_of = np.resize(np.arange(len(SIZES)), N_PATIENTS)
    # three patients of each size, smallest first: patient k of size s is row s + 4k
    shown = np.array([s + len(SIZES) * k for s in range(len(SIZES)) for k in range(PER_SIZE_SHOWN)])
    x = np.arange(1, N_SHOWN + 1, dtype=float) + np.repeat(np.arange(len(SIZES)) * 0.6, PER_SIZE_SHOWN)
    centres = x.reshape(len(SIZES), PER_SIZE_SHOWN).mean(axis=1)
    half = 1.05 * _value_range(draws, shown)
    xs = np.arange(len(SIZES), dtype=float)
    with building():
        fig, (ax_p, ax_e) = new_figure(1, 2, figsize=(8.5, 5.0), width_ratios=[1.55, 1.0])

        # -- left: 12 patients, truth and the three estimates -----------------------
        lo, hi = x[0] - 0.7, x[-1] + 0.7
        ax_p.set(xlim=(lo, hi), ylim=(MU - half, MU + half), ylabel="biomarker level",
                 xlabel="patients, by their readings")
        ax_p.set_xticks(centres, SIZE_LABELS)
        (grand,) = ax_p.plot([], [], color=COLORS["complete_pooling"], lw=3, label="complete pooling")
        (truth,) = ax_p.plot([], [], "_", ms=16, mew=3, color=COLORS["truth"], label="true mean")
        segs = arrows(ax_p, N_SHOWN, color=COLORS["partial_pooling"], lw=2)
        own = ax_p.scatter(x, np.full(N_SHOWN, MU), s=50, color=COLORS["no_pooling"], edgecolor="black",
                           zorder=3, label=r"no pooling $\bar y_i$")
        blups = ax_p.scatter(x, np.full(N_SHOWN, MU), s=55, marker="D", color=COLORS["partial_pooling"],
                             edgecolor="black", zorder=4, label="partial pooling (BLUP)")
        readout = ax_p.text(0.0, 1.01, "", transform=ax_p.transAxes, ha="left", va="bottom", fontsize=12)
        fig.legend(handles=[truth, own, grand, blups], loc="outside upper center", ncols=4, frameon=False,
                   fontsize=11, handletextpad=0.3, columnspacing=1.0)

        # -- right: error by size, relative to no pooling, linear axis ------------------
        ax_e.set(xlim=(-0.5, len(SIZES) - 0.5), ylim=(0.0, Y_TOP), xlabel="readings",
                 ylabel="error ÷ no pooling's error")
        ax_e.set_xticks(xs, SIZE_LABELS)
        ax_e.set_title(f"error, all {N_PATIENTS} patients", fontsize=13, loc="left")
        ax_e.axhline(1.0, color=COLORS["no_pooling"], lw=2.5, zorder=1)
        (cp,) = ax_e.plot(xs, np.ones_like(xs), "s", ms=10, color=COLORS["complete_pooling"], mec="black", zorder=3)
        (cp_up,) = ax_e.plot([], [], "^", ms=11, color=COLORS["complete_pooling"], mec="black", zorder=3)
        (pp,) = ax_e.plot(xs, np.ones_like(xs), "D", ms=10, color=COLORS["partial_pooling"], mec="black", zorder=4)
        cp_top = [ax_e.text(v, CLIP - 0.09, "", ha="center", va="top", fontsize=10, zorder=5) for v in xs]

    def draw(n, sigma_b2, sigma_e2):
        sample = draws.sample(patient_sizes(n), sigma_b2, sigma_e2, MU)
        est, _ = score_pooling(sample)
        sq = {k: (v - sample.true_mean) ** 2 for k, v in est.items()}
        by = {k: np.bincount(size_of, weights=v) for k, v in sq.items()}
        rel_cp, rel_pp = by["complete"] / by["no"], by["partial"] / by["no"]
        clipped = rel_cp > CLIP
        cp.set_ydata(np.where(clipped, np.nan, rel_cp))
        cp_up.set_data(xs[clipped], np.full(int(clipped.sum()), CLIP))
        pp.set_ydata(np.minimum(rel_pp, CLIP))
        for t, over, v in zip(cp_top, clipped, rel_cp):
            t.set_text(f"{v:.0f}" if over else "")
        grand.set_data([lo, hi], [est["complete"][0]] * 2)
        truth.set_data(x, sample.true_mean[shown])
        own.set_offsets(np.column_stack([x, est["no"][shown]]))
        blups.set_offsets(np.column_stack([x, est["partial"][shown]]))
        set_arrows(segs, x, est["no"][shown], x, est["partial"][shown])
        sizes = patient_sizes(n, len(SIZES))
        w = shrinkage_weight(sizes, sigma_b2, sigma_e2)
        readout.set_text("readings " + ", ".join(map(str, sizes)) + ":  w " + ", ".join(f"{v:.2f}" for v in w))

    def describe(n, sigma_b2, sigma_e2):
        return (f"Complete, no and partial pooling of simulated patients with typical n = {n} readings, "
                f"σ_b² = {sigma_b2:g}, σ_ε² = {sigma_e2:g}: own means with arrows to their BLUPs beside the true "
                f"means and the one complete-pooling line; below, each method's squared error relative to no "
                f"pooling by patient size ({readout.get_text()}).")

    moving = [grand, truth, segs, own, blups, readout, cp, cp_up, pp, *cp_top]
    return Panel(fig, draw, SPEC, moving, name="pooling", describe=describe, initial=initial)


def raw_to_pooled_figure(x, raw, pooled, *, mu=None, truth=None, truth_label="true mean", xlabel="", ylabel="",
                         title="", xscale="linear", figsize=(8.5, 4.6)):
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
    mu_text = f", complete pooling at {mu:.3g}" if mu is not None else ""
    describe(fig, f"{x.size} groups: own means from {raw.min():.3g} to {raw.max():.3g}, each joined to its partial-"
                  f"pooling prediction, from {pooled.min():.3g} to {pooled.max():.3g}{mu_text}. {axes_text(fig)}")
    return fig, ax


def pooling_se_figure(n, raw, raw_se, pooled, pooled_se, *, mu=None, xlabel="", ylabel="", xscale="log",
                      figsize=(8.5, 4.4)):
    """Return ``(fig, axes)``: own means (left) and partial-pooling predictions (right), each ±1 SE, against group size.

    A static figure (lesson 01: radon counties against their number of homes).  The two
    axes share both scales, so the bars' lengths and the points' spread compare directly:
    no pooling's standard error is :math:`\\sigma_\\varepsilon/\\sqrt{n_i}`, partial pooling's
    the square root of its prediction error variance.  ``mu`` adds the grey line of
    complete pooling to both.
    """
    n, raw, raw_se, pooled, pooled_se = (np.asarray(v, dtype=float) for v in (n, raw, raw_se, pooled, pooled_se))
    lo = float(min((raw - raw_se).min(), (pooled - pooled_se).min()))
    hi = float(max((raw + raw_se).max(), (pooled + pooled_se).max()))
    pad = 0.04 * (hi - lo)
    with building():
        fig, axes = new_figure(1, 2, figsize=figsize, sharex=True, sharey=True)
        parts = ((axes[0], raw, raw_se, "no_pooling", "o", r"no pooling: own mean $\bar y_i$ ± 1 SE"),
                 (axes[1], pooled, pooled_se, "partial_pooling", "D", "partial pooling (BLUP) ± 1 SE"))
        for ax, est, se, key, marker, title in parts:
            if mu is not None:
                ax.axhline(mu, color=COLORS["complete_pooling"], lw=2, zorder=1)
            ax.errorbar(n, est, yerr=se, fmt=marker, ms=5, color=COLORS[key], mec="black", mew=0.4,
                        ecolor=COLORS[key], elinewidth=1, alpha=0.85, zorder=2)
            ax.set_title(title, fontsize=12, loc="left")
            ax.set_xlabel(xlabel)
        axes[0].set_ylabel(ylabel)
        axes[0].set_xscale(xscale)
        axes[0].set_ylim(lo - pad, hi + pad)
        if xscale == "log":
            axes[0].set_xlim(n.min() / 1.4, n.max() * 1.4)   # whole markers at both ends
            axes[0].xaxis.set_major_formatter("{x:g}")
    describe(fig, f"{n.size} groups of {n.min():g} to {n.max():g}: left, own means ± 1 SE (SE {raw_se.min():.2g} to "
                  f"{raw_se.max():.2g}); right, partial-pooling predictions ± 1 SE ({pooled_se.min():.2g} to "
                  f"{pooled_se.max():.2g}), on the same scales. {axes_text(fig)}")
    return fig, axes
