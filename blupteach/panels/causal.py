r"""Lesson 06 panel: a drug given to the sicker patients, three designs, and the causal diagram.

The lesson's simulated clinic (:func:`blupteach.simulate.simulate_treatment`: 200 patients,
4 visits each, seed 6, sickness lowering the outcome by γ = 1 per unit), so at c = 2, δ = 0 the
panel shows the lesson's numbers.  The learner moves the strength of
confounding c (how much more often the doctor treats the sicker) and the drug's true effect δ.

Left: the causal diagram, sickness → treatment (width and label follow c), sickness → outcome
(−γ = −1), treatment → outcome (width and label follow δ; black, the truth).  Middle: the drug's
estimated effect with its 95% interval under three designs, against the true δ (black bars),
with the large-study limit δ − γΔ(c) (:func:`blupteach.expected_between_estimate`, open
diamond) on the first row: the doctor chooses (treated vs untreated
patients, :func:`blupteach.treatment_effect` with ``comparison='between'``), a coin chooses
(randomised, the same comparison) and an on/off (crossover-like) design read within patients
(``comparison='within'``).  Right: each patient's mean outcome against their sickness, filled
(open if not) if the doctor treated them, with the treated and untreated averages.

Speed: every fit is done when the panel is built, at δ = 0 for each c of the slider's grid
(steps of 0.25).  The drug enters the model only through the column ``treated`` of X, and
REML's variance estimates do not change when Xβ is added to y, so at any δ the estimates are
exactly those at δ = 0 plus δ, with the same standard errors (``tests/test_panels_confounding.py``
checks it against fresh fits).  A move is arithmetic and ``set_*`` calls.
"""

from __future__ import annotations

import matplotlib.colors
import numpy as np
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch
from scipy import special

from .._validation import check_nonnegative
from ..confounding import DESIGN_ANALYSIS, expected_between_estimate, treatment_effect
from ..accessible import axes_text, describe
from ..plots import COLORS, arrows, building, new_figure, set_arrows
from ..simulate import simulate_treatment
from ..widgets import Panel, Slider

SPEC = {
    "confounding": Slider(0.0, 3.0, 2.0, step=0.25, label="confounding $c$ (sicker → treated)"),
    "effect": Slider(0.0, 1.5, 0.0, step=0.05, label=r"true drug effect $\delta$"),
}

SEED = 6              # the lesson's clinic: the same patients at every slider position
GAMMA = 1.0           # sickness_effect γ
STUDY = dict(patients=200, visits=4, sickness_effect=GAMMA, sigma_e2=1.0)
C_STEP = 0.25
C_GRID = np.arange(0.0, SPEC["confounding"].max + C_STEP / 2, C_STEP)
ROWS = {"observational": "doctor chooses",
        "randomised": "randomised",
        "crossover": "on/off, within"}
Y_ROWS = np.array([2.0, 1.0, 0.0])
Z95 = float(special.ndtri(0.975))
TREATED, UNTREATED = COLORS["alt2"], "white"   # filled / open circles (edges alt2): who got the drug


def grid_index(confounding: float) -> int:
    """The grid point of C_GRID nearest ``confounding`` (the slider moves in steps of 0.25)."""
    return int(np.clip(np.round(confounding / C_STEP), 0, C_GRID.size - 1))


def clinic(confounding: float, design: str, effect: float = 0.0):
    """The panel's simulated clinic under ``design`` at the grid point nearest ``confounding``."""
    return simulate_treatment(design, effect=effect, confounding=float(C_GRID[grid_index(confounding)]),
                              **STUDY, seed=SEED)


def estimates_at_zero():
    """Estimates and SEs at δ = 0, shape (3 designs, grid points), fitted once."""
    est = np.empty((len(ROWS), C_GRID.size))
    se = np.empty_like(est)
    for j, c in enumerate(C_GRID):
        for i, design in enumerate(ROWS):
            if design == "randomised" and j > 0:     # a coin ignores the sickness: one fit serves every c
                est[i, j], se[i, j] = est[i, 0], se[i, 0]
                continue
            e = treatment_effect(clinic(c, design).data, comparison=DESIGN_ANALYSIS[design])
            est[i, j], se[i, j] = e.estimate, e.se
    return est, se


def _arrow(ax, a, b, color, *, shrinkA=16, shrinkB=16):
    arrow = FancyArrowPatch(a, b, arrowstyle="-|>", mutation_scale=22, color=color, shrinkA=shrinkA, shrinkB=shrinkB)
    ax.add_patch(arrow)
    return arrow


def _diagram(ax):
    """Draw the causal diagram on ``ax``; return its moving parts (arrow c, arrow δ, label c, label δ)."""
    ax.set(xlim=(0, 1), ylim=(0, 1), title="what causes what")
    ax.set_axis_off()
    nodes = {"sickness": (0.5, 0.86), "treatment": (0.22, 0.3), "outcome": (0.8, 0.3)}
    for name, xy in nodes.items():
        ax.text(*xy, name, ha="center", va="center", fontsize=12, bbox=dict(fc="white", ec="0.3", boxstyle="round"))
    to_treat = _arrow(ax, nodes["sickness"], nodes["treatment"], TREATED, shrinkB=16)
    ax.add_patch(FancyArrowPatch(nodes["sickness"], nodes["outcome"], arrowstyle="-|>", mutation_scale=22,
                                 color="0.35", lw=3.0, shrinkA=16, shrinkB=16))
    drug = _arrow(ax, nodes["treatment"], nodes["outcome"], COLORS["truth"], shrinkA=40, shrinkB=36)
    label_c = ax.text(0.3, 0.62, "", ha="right", fontsize=12, color=TREATED)
    ax.text(0.72, 0.62, "−γ = −1", ha="left", fontsize=12, color="0.35")
    label_d = ax.text(0.51, 0.17, "", ha="center", va="center", fontsize=12, color=COLORS["truth"])
    ax.text(0.5, 0.02, "sickness is never measured", ha="center", fontsize=11, color="0.35")
    return to_treat, drug, label_c, label_d


def _set_diagram(diagram, c, effect):
    """Widths, styles and labels of the diagram's arrows at confounding ``c`` and effect ``effect``."""
    to_treat, drug, label_c, label_d = diagram
    to_treat.set_linewidth(0.6 + 2.2 * c)
    to_treat.set_linestyle("--" if c == 0 else "-")
    label_c.set_text(f"c = {c:g}")
    drug.set_linewidth(1.8 + 4.5 * effect)              # dashed but visible at δ = 0
    drug.set_linestyle("--" if effect == 0 else "-")
    label_d.set_text(f"δ = {effect:.2f}")


def causal_diagram_figure(confounding, effect: float = 0.0):
    """Static: the panel's causal diagram at ``confounding`` c and true effect ``effect`` δ; returns ``(fig, ax)``.

    Raises
    ------
    ValueError
        ``confounding`` or ``effect`` negative or not a finite number.
    """
    c, effect = check_nonnegative(confounding, "confounding"), check_nonnegative(effect, "effect")
    with building():
        fig, ax = new_figure(1, 1, figsize=(3.6, 3.0))
        _set_diagram(_diagram(ax), c, effect)
    describe(fig, f"Causal diagram: sickness (never measured) raises the chance of treatment with strength c = {c:g} "
                  f"and worsens the outcome (−γ = −1); the drug's own effect on the outcome is δ = {effect:g}.")
    return fig, ax


def confounding_panel(**initial) -> Panel:
    """Build the lesson-06 panel; keywords override the slider defaults (``confounding``, ``effect``)."""
    est0, se = estimates_at_zero()
    bias = np.array([expected_between_estimate(0.0, c, sickness_effect=GAMMA) for c in C_GRID])   # −γΔ(c)
    base = clinic(0.0, "observational")               # δ = 0: outcomes do not depend on who is treated
    sick = base.sickness
    means0 = base.data.groupby("patient")["y"].mean().to_numpy()
    treated_by_c = np.array([clinic(c, "observational").treated_share for c in C_GRID]) > 0.5
    d_max = SPEC["effect"].max
    lo, hi = (est0 - Z95 * se).min(), (est0 + Z95 * se).max() + d_max
    face = {True: matplotlib.colors.to_rgba(TREATED), False: matplotlib.colors.to_rgba(UNTREATED)}
    faces = [np.array([face[bool(t)] for t in row]) for row in treated_by_c]
    with building():
        fig, (ax_g, ax_e, ax_s) = new_figure(1, 3, figsize=(8.5, 4.5), width_ratios=[1.0, 1.12, 0.9])

        # -- left: the causal diagram ---------------------------------------------------------
        diagram = _diagram(ax_g)

        # -- middle: the three designs' estimates ------------------------------------------------
        ax_e.set(xlim=(lo - 0.1, hi + 0.1), ylim=(-0.45, 2.7), yticks=[], xlabel="estimated drug effect",
                 title="three designs, one drug")
        ax_e.spines["left"].set_visible(False)
        ax_e.axvline(0.0, color="0.6", lw=1, ls=":")
        for y, text in zip(Y_ROWS, ROWS.values()):
            ax_e.text(0.01, y + 0.2, text, transform=ax_e.get_yaxis_transform(), fontsize=11, va="bottom")
        bars = arrows(ax_e, len(ROWS), color=COLORS["alt"], lw=3)
        points = ax_e.scatter(np.zeros(3), Y_ROWS, s=70, color=COLORS["alt"], edgecolor="black", zorder=3,
                              label="estimate, 95% interval")
        (truth,) = ax_e.plot([], [], "|", ms=22, mew=2.5, color=COLORS["truth"], label=r"true effect $\delta$", zorder=4)
        (limit,) = ax_e.plot([], [], "D", ms=9, mfc="none", mew=1.8, color=COLORS["truth"], zorder=5,
                             label=r"large-study limit $\delta - \gamma\Delta(c)$")
        values = [ax_e.text(0.99, y + 0.2, "", transform=ax_e.get_yaxis_transform(), ha="right", va="bottom",
                            fontsize=11, color=COLORS["alt"]) for y in Y_ROWS]
        ax_e.legend(loc="upper center", bbox_to_anchor=(0.5, -0.17), ncols=1, frameon=False, fontsize=11, markerscale=0.6)

        # -- right: outcome against sickness ------------------------------------------------------
        ax_s.set(xlim=(sick.min() - 0.2, sick.max() + 0.2), ylim=(means0.min() - 0.3, means0.max() + d_max + 0.3),
                 xlabel="sickness $s_i$", ylabel="patient's mean outcome", title="who got the drug")
        dots = ax_s.scatter(sick, means0, s=26, facecolors=UNTREATED, edgecolors=TREATED, lw=1.0)
        xs = ax_s.get_xlim()
        (mean_t,) = ax_s.plot([], [], color=TREATED, lw=2.5)
        (mean_u,) = ax_s.plot([], [], color=TREATED, lw=2.5, ls="--")
        keys = [Line2D([], [], ls="none", marker="o", ms=6, color=TREATED, mfc=f, mec=TREATED, label=who)
                for f, who in ((TREATED, "treated"), (UNTREATED, "untreated"))]   # the marker key, not drawn
        ax_s.legend([(keys[0], mean_t), (keys[1], mean_u)], ["treated, their average", "untreated, their average"],
                    handler_map={tuple: HandlerTuple(ndivide=None)}, loc="upper center", bbox_to_anchor=(0.5, -0.17),
                    frameon=False, fontsize=11, handlelength=2.6)

    def draw(confounding, effect):
        j = grid_index(confounding)
        c = C_GRID[j]
        est = est0[:, j] + effect                      # exact: see the module docstring
        half = Z95 * se[:, j]
        truth.set_data(np.full(3, effect), Y_ROWS)
        limit.set_data([effect + bias[j]], [Y_ROWS[0]])
        set_arrows(bars, est - half, Y_ROWS, est + half, Y_ROWS)
        points.set_offsets(np.column_stack([est, Y_ROWS]))
        for text, e in zip(values, est):
            text.set_text(f"{e:+.2f}")
        treated = treated_by_c[j]
        means = means0 + effect * treated
        dots.set_offsets(np.column_stack([sick, means]))
        dots.set_facecolor(faces[j])
        mean_t.set_data(xs, [means[treated].mean()] * 2)
        mean_u.set_data(xs, [means[~treated].mean()] * 2)
        _set_diagram(diagram, c, effect)

    def describe(confounding, effect):
        said = ", ".join(f"{name} {v.get_text()}" for name, v in zip(ROWS.values(), values))
        return (f"Confounding c = {confounding:g}, true drug effect δ = {effect:g}: the causal diagram (sickness → "
                f"treatment and → outcome); estimated drug effects with 95% intervals by design ({said}) against "
                f"the true effect; right, patients' mean outcome against sickness, treated filled, untreated open.")

    moving = [truth, limit, bars, points, *values, dots, mean_t, mean_u, *diagram]
    return Panel(fig, draw, SPEC, moving, name="confounding", describe=describe, initial=initial)
