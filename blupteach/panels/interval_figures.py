r"""Interval figures (lesson 05): where a prediction's uncertainty comes from, how wide the
intervals are against n, and how often they cover.

``variance_parts_panel``: μ is estimated from a clinic of g patients with 5 readings each;
the bars are seven more patients (a new one with no readings, 1, Alice with 2, 5, 10, Bob
with 20, and "you" with n).  Left: each patient's prediction error variance split into its
three sources (:func:`blupteach.intervals.variance_parts`), as *shares* of the patient's
total, so the axis always runs 0–100 % and a small part stays visible; the total itself is
written above each bar.  A toggle switches the target between the patient's own mean and a
new reading (which adds the noise part).  Right: the half-width of the 95% interval against
n for both targets, Alice and Bob marked on both, you on the chosen target's curve; its axis is fixed
from the whole slider range.  Everything moves with ``set_height``/``set_y``/``set_data``,
never redrawn.

``caterpillar_panel``: a real fit's group predictions with their intervals, *ordered by the
group's size n* (not by the prediction: this is a picture of interval width against n, not a
league table), each group's raw mean beside its BLUP; a level slider widens or narrows every
interval in place.

``coverage_figure`` (static, ``bt.panels.coverage_figure``): simulated coverage of the intervals
against how far an individual's true effect lies from the mean, beside the exact curve.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ..intervals import prediction_interval, variance_parts
from ..accessible import axes_text, describe
from ..plots import COLORS, HATCHES, building, new_figure, set_arrows, arrows
from ..widgets import Choice, Panel, Slider


SPEC = {
    "n": Slider(1, 50, 5, scale="int", label="your readings $n$"),
    "sigma_b2": Slider(1.0, 100.0, 25.0, scale="log", label=r"between $\sigma_b^2$",
                         words="between-patient variance"),
    "sigma_e2": Slider(1.0, 200.0, 100.0, scale="log", label=r"noise $\sigma_\varepsilon^2$",
                         words="within-patient noise variance"),
    "g": Slider(2, 100, 10, scale="int", label=r"patients $g$ estimating $\mu$"),
    "new_reading": Choice(0, 1, 0, scale="int", label="predict", options=("the patient's mean", "a new reading"),
                          buttons=True),
}

CLINIC_N = 5                      # readings of each of the g patients who estimate mu
CLINIC = {"new (0)": 0, "1": 1, "Alice (2)": 2, "5": 5, "10": 10, "Bob (20)": 20}
ROWS = [*CLINIC, "you (n)"]
MARKED = {"Alice": CLINIC["Alice (2)"], "Bob": CLINIC["Bob (20)"]}   # marked on the width curves
PARTS = {"mean": ("estimating μ", COLORS["mean_part"]),
         "deviation": ("patient's own deviation", COLORS["deviation_part"]),
         "noise": ("a new reading's noise", COLORS["noise_part"])}
N_GRID = np.arange(1, 51)
Z95 = float(special.ndtri(0.975))


def clinic_var_mu(sigma_b2, sigma_e2, g):
    """Var(μ̂) from g patients of CLINIC_N readings: (σ_b² + σ_ε²/5)/g."""
    return (sigma_b2 + sigma_e2 / CLINIC_N) / g


def clinic_parts(n, sigma_b2, sigma_e2, g=10, new_reading=1):
    """The seven patients' parts (you last), μ estimated from the clinic of g patients; and Var(μ̂)."""
    var_mu = clinic_var_mu(sigma_b2, sigma_e2, g)
    counts = np.array([*CLINIC.values(), n], dtype=float)
    target = "new_observation" if new_reading else "group_mean"
    return variance_parts(counts, sigma_b2, sigma_e2, index=ROWS, var_mu=var_mu, target=target), var_mu


def _largest_half_width() -> float:
    """The widest 95% half-width over the slider box (a new patient, both variances and Var(μ̂) at their largest)."""
    s = SPEC
    var_mu = clinic_var_mu(s["sigma_b2"].max, s["sigma_e2"].max, s["g"].min)
    return Z95 * np.sqrt(var_mu + s["sigma_b2"].max + s["sigma_e2"].max)


def variance_parts_panel(**initial) -> Panel:
    """Build the lesson-05 parts panel; keywords override the slider defaults (``n``, ``sigma_b2``, ``sigma_e2``, ``g``, ``new_reading``)."""
    x = np.arange(len(ROWS))
    xs = np.array([*MARKED.values()] * 2, dtype=float)     # Alice and Bob on both curves
    pick = np.searchsorted(N_GRID, [*MARKED.values()])
    hw_top = _largest_half_width()
    with building():
        fig, (ax_b, ax_w) = new_figure(1, 2, figsize=(8.5, 4.9), width_ratios=[1.15, 1.0])
        ax_b.set(ylim=(0, 112), yticks=[0, 25, 50, 75, 100], ylabel="share of the prediction\nerror variance (%)",
                 xticks=x, title="where the uncertainty comes from")
        ax_b.set_xticklabels(ROWS, rotation=30, ha="right")
        # a dark edge (yellow on white needs one) and a hatch per part: told apart in greyscale too
        bars = {k: ax_b.bar(x, np.zeros(x.size), width=0.72, color=c, label=lab, edgecolor="0.25", linewidth=0.6,
                            hatch=HATCHES[f"{k}_part"]) for k, (lab, c) in PARTS.items()}
        totals = [ax_b.text(xi, 101, "", ha="center", va="bottom", fontsize=11) for xi in x]
        ax_b.text(-0.5, 108, "total variance:", ha="left", va="bottom", fontsize=11, color="0.3")
        fig.legend(handles=[bars[k] for k in PARTS], loc="outside lower center", ncols=3, frameon=False, fontsize=12)

        ax_w.set(xlim=(0, 51), ylim=(0, 1.05 * hw_top), xlabel="readings $n$",
                 ylabel="half-width of the 95% interval", title="interval width against n")
        colour = COLORS["partial_pooling"]
        (new_curve,) = ax_w.plot([], [], color=colour, lw=2.0, ls="--", label="a new reading")
        (mean_curve,) = ax_w.plot([], [], color=colour, lw=3.0, label="the patient's mean")
        named = ax_w.scatter(np.zeros(4), np.zeros(4), s=70, zorder=3, color=COLORS["highlight"], edgecolor="black")
        labels = [ax_w.text(0, 0, s, ha="left", va="bottom", fontsize=11) for s in [*MARKED] * 2]
        (you,) = ax_w.plot([], [], "D", ms=9, color=COLORS["highlight"], mec="black", zorder=4, ls="none", label="you")
        ax_w.legend(loc="upper right", frameon=False, fontsize=11)

    def draw(n, sigma_b2, sigma_e2, g, new_reading):
        parts, var_mu = clinic_parts(n, sigma_b2, sigma_e2, g, new_reading)
        total = parts["total"].to_numpy()
        base = np.zeros(x.size)
        for key, container in bars.items():
            share = 100 * parts[key].to_numpy() / total
            for rect, h, y0 in zip(container.patches, share, base):
                rect.set_y(y0)
                rect.set_height(h)
            base = base + share
        for t, tot in zip(totals, total):
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
        you.set_data([n], [Z95 * np.sqrt(total[-1])])          # on the chosen target's curve

    def describe(n, sigma_b2, sigma_e2, g, new_reading):
        target = SPEC["new_reading"].options[int(new_reading)]
        return (f"Shares of the prediction variance from estimating μ, the patient's own deviation and a new "
                f"reading's noise, per patient, for your n = {n}, σ_b² = {sigma_b2:g}, σ_ε² = {sigma_e2:g}, "
                f"g = {g} patients, predicting {target} (totals {', '.join(t.get_text() for t in totals)}); right, "
                f"the 95% interval's half-width against n, falling as n grows.")

    moving = [*(r for c in bars.values() for r in c.patches), *totals, new_curve, mean_curve, named, *labels, you]
    return Panel(fig, draw, SPEC, moving, name="variance_parts", describe=describe, initial=initial)


CATERPILLAR_SPEC = {"level": Slider(0.5, 0.99, 0.95, step=0.01, label="interval level")}


def exam_schools_fit():
    """The caterpillar panel's default fit: exam scores of 65 London schools, one-way REML by school."""
    from .. import datasets
    from ..oneway_fit import fit_oneway
    exam = datasets.load("exam_schools")
    return fit_oneway(exam["normexam"], exam["school"].astype(str), group_name="school")


def caterpillar_panel(fit=None, *, target: str = "group_mean", **initial) -> Panel:
    """Build the caterpillar panel for ``fit`` (default: exam scores of 65 London schools, REML).

    Groups ordered by their size n (bottom: fewest observations), each with its interval (a
    segment), its BLUP (blue dot) and its raw mean (orange dot); the population mean μ̂ as a
    grey line.  Small groups: long intervals and raw means far from their BLUPs; large
    groups: short intervals, raw mean and BLUP close.  The ``level`` slider moves every
    segment in place; a readout gives the half-widths at the smallest and largest n.
    """
    if fit is None:
        fit = exam_schools_fit()
    if not hasattr(fit, "mean"):
        raise ValueError(f"fit must be a one-way fit (bt.fit_oneway: it has the raw group means); got {type(fit).__name__}")
    mu = float(fit.fixef.iloc[0])
    pi0 = prediction_interval(fit, 0.5, target=target)
    counts = pi0["n"].to_numpy()
    order = np.lexsort((pi0["prediction"].to_numpy(), counts))        # by n, ties by prediction
    pred, counts = pi0["prediction"].to_numpy()[order], counts[order]
    raw = np.asarray(fit.mean, float)[order]
    g = pred.size
    ypos = np.arange(g, dtype=float)
    widest = prediction_interval(fit, CATERPILLAR_SPEC["level"].max, target=target)
    lo, hi = min(widest["lower"].min(), raw.min()), max(widest["upper"].max(), raw.max())
    pad = 0.04 * (hi - lo)
    ticks = np.unique(np.linspace(0, g - 1, 8).round().astype(int))
    with building():
        fig, ax = new_figure(1, 1, figsize=(8.5, 6.6))
        ax.set(xlim=(lo - pad, hi + pad), ylim=(-1, 1.13 * g),      # room on top for the readout
               xlabel="group mean: BLUP with its interval, and raw mean", ylabel="groups ordered by size: n", title="interval width against the group's size n")
        ax.set_yticks(ticks, [str(int(k)) for k in counts[ticks]])
        ax.axvline(mu, color=COLORS["complete_pooling"], lw=2, label=r"population mean $\hat\mu$")
        segs = arrows(ax, g, color=COLORS["partial_pooling"], lw=1.8, alpha=0.8)
        ax.scatter(raw, ypos, s=18, color=COLORS["no_pooling"], zorder=3, label="raw mean (own data only)")
        ax.scatter(pred, ypos, s=18, color=COLORS["partial_pooling"], edgecolor="black", linewidth=0.4, zorder=4,
                   label="BLUP, with its interval")
        readout = ax.text(0.01, 0.99, "", transform=ax.transAxes, va="top", fontsize=11,
                          bbox=dict(fc="white", ec="0.7"))
        fig.legend(loc="outside lower center", ncols=3, frameon=False, fontsize=11)
    small, large = slice(0, 5), slice(g - 5, g)

    se = pi0["se"].to_numpy()[order]          # the level only scales the half-width: z·se

    def draw(level):
        half = special.ndtri(0.5 + level / 2) * se
        set_arrows(segs, pred - half, ypos, pred + half, ypos)
        readout.set_text(f"{level:.0%} intervals, mean half-width {half[small].mean():.2f} for the 5 smallest groups "
                         f"(n = {counts[small].min()}–{counts[small].max()}),\n"
                         f"{half[large].mean():.2f} for the 5 largest (n = {counts[large].min()}–{counts[large].max()})")

    def describe(level):
        return (f"Caterpillar plot of {g} groups ordered by size: raw means and BLUPs with {level:.0%} intervals "
                f"({level:g}) around the population mean; {readout.get_text()}".replace("\n", " "))

    return Panel(fig, draw, CATERPILLAR_SPEC, [segs, readout], name="caterpillar", describe=describe, initial=initial)


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
    colours = [COLORS["partial_pooling"], COLORS["alt"], COLORS["alt2"]]     # a second and third method: alt, alt2
    if not 1 <= len(results) <= len(colours):
        raise ValueError(f"results must map 1 to {len(colours)} labels to coverage results; got {len(results)}")
    with building():
        fig, ax = new_figure(1, 1, figsize=(8.5, 4.4))
        ax.set(xlim=(0, 3.5), ylim=(0.4, 1.0), xlabel=r"how far the individual's true effect lies, $|b_i|/\sigma_b$",
               ylabel="share of intervals covering", title=f"coverage of {level:.0%} intervals, {groups} groups of n = {n}")
        ax.axhline(level, color=COLORS["complete_pooling"], ls="--", lw=1.5, label=f"nominal {level:.0%}")
        ax.plot(t, exact, color=COLORS["partial_pooling"], lw=2, label="exact, variances known")
        for k, ((label, res), c) in enumerate(zip(results.items(), colours)):
            ax.errorbar(mids + 0.06 * k, res.by_band["coverage"], yerr=2 * res.by_band["se"], fmt="o", ms=8,
                        color=c, capsize=4, label=f"simulated: {label} (overall {res.overall:.3f})")
        ax.legend(loc="lower left", frameon=False, fontsize=11)
    overall = ", ".join(f"{label} {res.overall:.3f}" for label, res in results.items())
    describe(fig, f"Coverage of {level:.0%} intervals against how far the true effect lies from the mean, {groups} "
                  f"groups of n = {n}, σ_b² = {sigma_b2:g}, σ_ε² = {sigma_e2:g}: high near the mean, low far from it "
                  f"(overall {overall}). {axes_text(fig)}")
    return fig, ax
