r"""Interval figures (lesson 05): where a prediction's uncertainty comes from, what it does to rankings,
and how often the intervals cover.

``variance_parts_panel``: a clinic of seven patients (a new one with no readings, 1, Alice
with 2, 5, 10, Bob with 20, and "you" with n).  Left: each patient's prediction error variance
for a new reading, stacked from its three sources (:func:`blupteach.intervals.variance_parts`);
the bars are moved with ``set_height``/``set_y``, never redrawn.  Right: the half-width of the
95% interval against n, for the patient's mean and for a new reading, Alice, Bob and you marked.

``caterpillar_panel``: a real fit's group predictions with their intervals, ranked by the point
prediction; a level slider widens or narrows every interval in place.

``coverage_figure`` (static, ``bt.panels.coverage_figure``): simulated coverage of the intervals
against how far an individual's true effect lies from the mean, beside the exact curve.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..intervals import prediction_interval, variance_parts
from ..plots import COLORS, OKABE_ITO, building, new_figure, set_arrows, arrows
from ..widgets import Panel, Slider

SPEC = {
    "n": Slider(1, 50, 5, scale="int", label="your readings $n$"),
    "sigma_b2": Slider(1.0, 100.0, 25.0, scale="log", label=r"between $\sigma_b^2$"),
    "sigma_e2": Slider(1.0, 200.0, 100.0, scale="log", label=r"noise $\sigma_\varepsilon^2$"),
}

CLINIC = {"new (0)": 0, "1": 1, "Alice (2)": 2, "5": 5, "10": 10, "Bob (20)": 20}
ROWS = [*CLINIC, "you (n)"]
MARKED = {"Alice": CLINIC["Alice (2)"], "Bob": CLINIC["Bob (20)"]}   # marked on the width curves
PARTS = {"mean": ("estimating μ", OKABE_ITO["sky"]),
         "deviation": ("patient's own deviation", OKABE_ITO["blue"]),
         "noise": ("a new reading's noise", OKABE_ITO["orange"])}
N_GRID = np.arange(1, 51)
Z95 = float(stats.norm.ppf(0.975))


def clinic_parts(n, sigma_b2, sigma_e2):
    """The clinic's parts (new observation), rows = patients (you last); and Var(μ̂)."""
    counts = np.array([*CLINIC.values(), n], dtype=float)
    parts = variance_parts(counts, sigma_b2, sigma_e2, index=ROWS)
    return parts, parts.attrs["var_mu"]


def _largest_total() -> float:
    """The largest bar over the slider box (every part grows with both variances; n at its ends)."""
    s = SPEC
    return max(clinic_parts(k, s["sigma_b2"].max, s["sigma_e2"].max)[0]["total"].max()
               for k in (s["n"].min, s["n"].max))


def variance_parts_panel(**initial) -> Panel:
    """Build the lesson-05 parts panel; keywords override the slider defaults (``n``, ``sigma_b2``, ``sigma_e2``)."""
    top = 1.08 * _largest_total()
    x = np.arange(len(ROWS))
    # Alice and Bob on both curves (the patient's mean, then a new reading), and where N_GRID has them
    xs = np.array([*MARKED.values()] * 2, dtype=float)
    pick = np.searchsorted(N_GRID, [*MARKED.values()])
    with building():
        fig, (ax_b, ax_w) = new_figure(1, 2, figsize=(10.0, 4.9), width_ratios=[1.2, 1.0])
        ax_b.set(ylim=(0, top), ylabel="prediction error variance", xticks=x,
                 title="three sources of uncertainty (a new reading)")
        ax_b.set_xticklabels(ROWS, rotation=25, ha="right")
        bars = {k: ax_b.bar(x, np.zeros(x.size), width=0.7, color=c, label=lab, edgecolor="white")
                for k, (lab, c) in PARTS.items()}
        ax_b.legend(loc="upper right", frameon=False, fontsize=11)
        totals = [ax_b.text(xi, 0, "", ha="center", va="bottom", fontsize=11) for xi in x]

        hw_top = Z95 * np.sqrt(top)
        ax_w.set(xlim=(0, 51), ylim=(0, 1.05 * hw_top), xlabel="readings $n$",
                 ylabel="half-width of the 95% interval", title="interval width against n")
        (new_curve,) = ax_w.plot([], [], color=OKABE_ITO["orange"], lw=2.5, label="a new reading")
        (mean_curve,) = ax_w.plot([], [], color=COLORS["partial_pooling"], lw=2.5, label="the patient's mean")
        named = ax_w.scatter(np.zeros(4), np.zeros(4), s=80, zorder=3, color=COLORS["no_pooling"], edgecolor="black")
        labels = [ax_w.text(0, 0, s, ha="left", va="bottom") for s in [*MARKED] * 2]
        (you,) = ax_w.plot([], [], "D", ms=10, color=COLORS["highlight"], mec="black", zorder=4, ls="none")
        ax_w.legend(loc="upper right", frameon=False, fontsize=11)

    def draw(n, sigma_b2, sigma_e2):
        parts, var_mu = clinic_parts(n, sigma_b2, sigma_e2)
        base = np.zeros(x.size)
        for key, container in bars.items():
            for rect, h, y0 in zip(container.patches, parts[key].to_numpy(), base):
                rect.set_y(y0)
                rect.set_height(h)
            base = base + parts[key].to_numpy()
        for t, xi, tot in zip(totals, x, base):
            t.set_position((xi, tot + 0.01 * top))
            t.set_text(f"{tot:.0f}")
        grid_new = variance_parts(N_GRID, sigma_b2, sigma_e2, var_mu=var_mu)
        hw_new = Z95 * np.sqrt(grid_new["total"].to_numpy())
        hw_mean = Z95 * np.sqrt((grid_new["total"] - grid_new["noise"]).to_numpy())
        new_curve.set_data(N_GRID, hw_new)
        mean_curve.set_data(N_GRID, hw_mean)
        hw = np.concatenate([hw_mean[pick], hw_new[pick]])
        named.set_offsets(np.column_stack([xs, hw]))
        for lab, xi, yi in zip(labels, xs, hw):
            lab.set_position((xi + 0.8, yi + 0.01 * hw_top))
        you_tot = parts["total"].iloc[-1]
        you.set_data([n, n], [Z95 * np.sqrt(you_tot - sigma_e2), Z95 * np.sqrt(you_tot)])

    moving = [*(r for c in bars.values() for r in c.patches), *totals, new_curve, mean_curve, named, *labels, you]
    return Panel(fig, draw, SPEC, moving, name="variance_parts", initial=initial)


CATERPILLAR_SPEC = {"level": Slider(0.5, 0.99, 0.95, step=0.01, label="interval level")}


def exam_schools_fit():
    """The caterpillar panel's default fit: exam scores of 65 London schools, one-way REML by school."""
    from .. import datasets
    from ..oneway_fit import fit_oneway
    exam = datasets.load("exam_schools")
    return fit_oneway(exam["normexam"], exam["school"].astype(str), group_name="school")


def caterpillar_panel(fit=None, *, target: str = "group_mean", **initial) -> Panel:
    """Build the caterpillar panel for ``fit`` (default: exam scores of 65 London schools, REML).

    Groups ranked by their point prediction; each interval a horizontal segment, red when it
    excludes the population mean μ̂.  The ``level`` slider moves every segment in place.
    """
    if fit is None:
        fit = exam_schools_fit()
    mu = float(fit.fixef.iloc[0])
    pi0 = prediction_interval(fit, 0.5, target=target)
    order = np.argsort(pi0["prediction"].to_numpy())
    pred = pi0["prediction"].to_numpy()[order]
    g = pred.size
    ypos = np.arange(g, dtype=float)
    widest = prediction_interval(fit, CATERPILLAR_SPEC["level"].max, target=target)
    lo, hi = widest["lower"].min(), widest["upper"].max()
    pad = 0.04 * (hi - lo)
    with building():
        fig, ax = new_figure(1, 1, figsize=(10.0, max(4.5, 0.11 * g + 1.5)))
        ax.set(xlim=(lo - pad, hi + pad), ylim=(-1, g), xlabel="predicted group mean",
               ylabel="rank by point prediction", title="ranked by the point, seen with intervals")
        ax.axvline(mu, color=COLORS["complete_pooling"], lw=2, label=r"population mean $\hat\mu$")
        segs = arrows(ax, g, color=COLORS["partial_pooling"], lw=2)
        ax.scatter(pred, ypos, s=16, color="black", zorder=3, label="point prediction")
        readout = ax.text(0.02, 0.97, "", transform=ax.transAxes, va="top", fontsize=12,
                          bbox=dict(fc="white", ec="0.7"))
        ax.legend(loc="lower right", frameon=False, fontsize=11)

    def draw(level):
        pi = prediction_interval(fit, level, target=target)
        lower, upper = pi["lower"].to_numpy()[order], pi["upper"].to_numpy()[order]
        set_arrows(segs, lower, ypos, upper, ypos)
        away = (lower > mu) | (upper < mu)
        segs.set_colors([COLORS["highlight"] if a else COLORS["partial_pooling"] for a in away])
        overlap_top = int((upper >= lower[-1]).sum()) - 1
        readout.set_text(f"{level:.0%} intervals: {int(away.sum())} of {g} exclude the mean\n"
                         f"{overlap_top} groups' intervals overlap the top-ranked one's")

    return Panel(fig, draw, CATERPILLAR_SPEC, [segs, readout], name="caterpillar", initial=initial)


def coverage_figure(results: dict, n, sigma_b2, sigma_e2, groups, *, level: float = 0.95):
    """Static figure: coverage against |b_i|/σ_b — the exact known-variance curve and simulated bands.

    ``results`` maps a legend label to a :class:`blupteach.coverage.CoverageResult`; each is
    drawn at its bands' midpoints (the last band, |b| ≥ 2σ_b, at 2.5) with ±2 SE bars.
    Returns ``(fig, ax)``; show it with ``fig.canvas``.
    """
    from ..coverage import BANDS, conditional_coverage
    t = np.linspace(0, 3.5, 200)
    exact = conditional_coverage(t * np.sqrt(sigma_b2), n, sigma_b2, sigma_e2, groups, level=level)
    mids = np.array([(lo + hi) / 2 if np.isfinite(hi) else lo + 0.5 for lo, hi in zip(BANDS[:-1], BANDS[1:])])
    colours = [COLORS["partial_pooling"], COLORS["highlight"], COLORS["alt"], COLORS["alt2"]]
    with building():
        fig, ax = new_figure(1, 1, figsize=(9.0, 4.4))
        ax.set(xlim=(0, 3.5), ylim=(0.4, 1.0), xlabel=r"how far the individual's true effect lies, $|b_i|/\sigma_b$",
               ylabel="share of intervals covering", title=f"coverage of {level:.0%} intervals, {groups} groups of n = {n}")
        ax.axhline(level, color=COLORS["complete_pooling"], ls="--", lw=1.5, label=f"nominal {level:.0%}")
        ax.plot(t, exact, color=COLORS["partial_pooling"], lw=2, label="exact, variances known")
        for k, ((label, res), c) in enumerate(zip(results.items(), colours)):
            ax.errorbar(mids + 0.06 * k, res.by_band["coverage"], yerr=2 * res.by_band["se"], fmt="o", ms=8,
                        color=c, capsize=4, label=f"simulated: {label} (overall {res.overall:.3f})")
        ax.legend(loc="lower left", frameon=False, fontsize=11)
    return fig, ax
