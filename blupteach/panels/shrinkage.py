r"""Lesson 02 panel: the shrinkage weight w = nσ_b²/(nσ_b² + σ_ε²), live.

Left: w against n for the current variances, with Alice (2 readings), Bob (20)
and "your" n marked.  Right: three patients with the *same* raw mean; an arrow
from each raw mean to its BLUP μ + w(ȳ − μ) shows who is pulled hardest.
"""

from __future__ import annotations

import numpy as np
from matplotlib.ticker import MaxNLocator

from ..oneway import partial_pooling
from ..oneway import shrinkage_weight as weight
from ..plots import COLORS, arrows, building, new_figure, set_arrows
from ..widgets import Panel, Slider

# A log slider snaps to min·10^(k·step) (step in powers of ten): the steps put the
# defaults 25 and 100 exactly on that grid, so the browser shows 25, not 25.1.
SPEC = {
    "n": Slider(1, 50, 5, scale="int", label="readings $n$"),
    "sigma_b2": Slider(1.0, 400.0, 25.0, scale="log", step=0.02, label=r"between $\sigma_b^2$",
                         words="between-patient variance"),
    "sigma_e2": Slider(1.0, 400.0, 100.0, scale="log", step=0.02, label=r"noise $\sigma_\varepsilon^2$",
                         words="within-patient noise variance"),
}

MU = 100.0         # population mean of the biomarker
RAW_MEAN = 115.0   # every patient's own average reading, the same for all three
PATIENTS = {"Alice": 2, "Bob": 20}
N_GRID = np.arange(1, 51)
ROWS = [f"{name} (n={k})" for name, k in PATIENTS.items()] + ["you (n)"]
YPOS = np.arange(len(ROWS))[::-1].astype(float)
RAW = np.full(len(ROWS), RAW_MEAN)   # the rows' own means: the same for all three


def shrinkage_weight(**initial) -> Panel:
    """Build the lesson-02 panel; keywords override the slider defaults (``n``, ``sigma_b2``, ``sigma_e2``)."""
    with building():
        fig, (ax_w, ax_p) = new_figure(1, 2, figsize=(8.5, 4.6), width_ratios=[1.25, 1.0])

        # -- left: w against n ---------------------------------------------------
        # ylim below 0 leaves room for the names, which sit below-right of their points
        # xlim to 52.5: the diamond at n = 50 shows whole
        ax_w.set(xlim=(0, 52.5), ylim=(-0.12, 1.05), xlabel="readings per patient $n$",
                 ylabel="weight on own mean $w$")
        ax_w.set_title(r"$w = n\sigma_b^2 / (n\sigma_b^2 + \sigma_\varepsilon^2)$", loc="left")
        ax_w.axhline(1.0, color=COLORS["complete_pooling"], lw=1, ls=":")
        (curve,) = ax_w.plot([], [], color=COLORS["partial_pooling"], lw=2.5)
        # Alice and Bob are marked individuals (highlight), not "own mean" (orange, right panel)
        named = ax_w.scatter(np.zeros(2), np.zeros(2), s=90, color=COLORS["highlight"], zorder=3,
                             edgecolor="black")
        name_labels = [ax_w.text(0, 0, name, ha="left", va="top") for name in PATIENTS]
        (you,) = ax_w.plot([], [], "D", ms=11, color=COLORS["highlight"], mec="black", zorder=4)
        # the readout sits bottom right, below where the curve runs at n >= 30 (w(30) >= 30/430
        # over the slider ranges) and clear of the title
        readout = ax_w.text(0.98, 0.03, "", transform=ax_w.transAxes, ha="right", va="bottom",
                            fontsize=13, color=COLORS["highlight"], bbox=dict(fc="white", ec="0.7"))

        # -- right: raw mean -> BLUP for three patients with the same raw mean -------
        ax_p.set(xlim=(MU - 3, RAW_MEAN + 3), ylim=(-0.7, len(ROWS) - 0.3), yticks=YPOS,
                 yticklabels=ROWS, xlabel="predicted patient mean")
        ax_p.xaxis.set_major_locator(MaxNLocator(5))
        ax_p.axvline(MU, color=COLORS["complete_pooling"], lw=2, label=r"population mean $\mu$")
        # the own means do not move, but they are listed in `moving` so that they are
        # drawn above the arrows (moving artists are drawn over the static ones)
        raw = ax_p.scatter(RAW, YPOS, s=80, color=COLORS["no_pooling"], zorder=3,
                           label=r"own mean $\bar y_i$")
        segs = arrows(ax_p, len(ROWS), color=COLORS["partial_pooling"], lw=3)
        blups = ax_p.scatter(RAW, YPOS, s=110, marker="<", zorder=4,
                             color=COLORS["partial_pooling"], label="BLUP")
        w_labels = [ax_p.text(RAW_MEAN, y + 0.22, "", ha="center") for y in YPOS]
        # above the axes: inside, an arrow reaching toward mu would run under it
        ax_p.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=3, frameon=False,
                    handletextpad=0.3, columnspacing=1.0)

    def draw(n, sigma_b2, sigma_e2):
        n_rows = np.array([*PATIENTS.values(), n], dtype=float)
        w_rows = weight(n_rows, sigma_b2, sigma_e2)
        curve.set_data(N_GRID, weight(N_GRID, sigma_b2, sigma_e2))
        named.set_offsets(np.column_stack([n_rows[:2], w_rows[:2]]))
        for label, k, wk in zip(name_labels, n_rows[:2], w_rows[:2]):
            label.set_position((k + 0.8, wk - 0.03))
        you.set_data([n], [w_rows[-1]])
        readout.set_text(f"you: w = {w_rows[-1]:.3f}")
        pooled = partial_pooling(RAW, n_rows, MU, sigma_b2, sigma_e2)
        set_arrows(segs, RAW, YPOS, pooled, YPOS)
        blups.set_offsets(np.column_stack([pooled, YPOS]))
        for label, x, y, wk in zip(w_labels, pooled, YPOS, w_rows):
            label.set_position(((x + RAW_MEAN) / 2, y + 0.22))
            label.set_text(f"w = {wk:.2f}")

    def describe(n, sigma_b2, sigma_e2):
        w_a, w_b, w_you = weight(np.array([*PATIENTS.values(), n], dtype=float), sigma_b2, sigma_e2)
        return (f"Left: the shrinkage weight w against readings n for σ_b² = {sigma_b2:g}, σ_ε² = {sigma_e2:g}; "
                f"Alice (n = 2) at w = {w_a:.2f}, Bob (n = 20) at {w_b:.2f}, you (n = {n}) at {w_you:.2f}. "
                f"Right: arrows from the same own mean {RAW_MEAN:g} to each BLUP, pulled toward μ = {MU:g}, "
                f"hardest for Alice.")

    moving = [curve, named, *name_labels, you, readout, segs, raw, blups, *w_labels]
    return Panel(fig, draw, SPEC, moving, name="shrinkage_weight", describe=describe, initial=initial)
