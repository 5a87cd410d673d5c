r"""League-table figures (lesson 10): which schools are unusual, a funnel plot, rank intervals.

``league_table_panel``: two league tables of the same schools side by side, each sorted by its
own estimate of the school's difference from the average: left the raw mean (the school's own
pupils only, interval ± z·√(σ̂_ε²/n)), right the BLUP (interval ± z·√PEV).  A school whose
interval excludes 0 is flagged (vermillion); the ``level`` slider moves the threshold and the
counts; the ``intake`` toggle swaps in the value-added model (``+ standLRT``).  Both tables are
computed once when the panel is built (:func:`blupteach.league_table`); a move only sets
segments, offsets, colours and texts.  Dot size shows the school's number of pupils; a flagged
school's dot has a thick black edge (told apart by shape, not only by colour), and the schools in
``mark`` carry a label that follows them through both tables.

``funnel_figure`` (static): each school's raw difference from the average against its size,
with the common-effect and random-effects control limits of :func:`blupteach.funnel_limits`.

``rank_interval_figure`` (static): each school's simulated rank interval
(:func:`blupteach.rank_intervals`), schools ordered by their median rank.
"""

from __future__ import annotations

import numpy as np
from matplotlib.colors import to_rgba
from scipy import special

from ..funnel import funnel_limits, outside_funnel
from ..ranking import flag_unusual, league_table
from ..accessible import axes_text, describe
from ..plots import COLORS, arrows, building, new_figure, readout, set_arrows
from ..widgets import Choice, Panel, Slider

SPEC = {
    "level": Slider(0.5, 0.998, 0.95, step=0.002, label="interval level"),
    "intake": Choice(0, 1, 0, scale="int", label="model", options=("raw scores", "adjusted for intake"), buttons=True),
}
SIDES = {"raw": ("raw mean: own pupils only", "raw", "raw_se", COLORS["no_pooling"]),
         "blup": ("BLUP: shrunk by w", "blup", "se", COLORS["partial_pooling"])}
FLAG = to_rgba(COLORS["highlight"])
FAINT = 0.35                     # alpha of a school that is not flagged
EDGE = (0.3, 1.4)                # dot edge width: not flagged, flagged


def exam_fits():
    """The lesson's two fits of the London exam scores: ``{"raw scores": one-way, "adjusted for intake": + standLRT}``."""
    from .. import datasets
    from ..mixed import fit_lmm
    from .interval_figures import exam_schools_fit
    exam = datasets.load("exam_schools")
    return {"raw scores": exam_schools_fit(), "adjusted for intake": fit_lmm("normexam ~ standLRT + (1 | school)", exam)}


def _sizes(n) -> np.ndarray:
    """Marker area from the group's size (2 pupils: a speck; 200: a large dot)."""
    return 6 + np.asarray(n, float) / 3


def league_table_panel(fits: dict | None = None, *, mark=("48", "54"), **initial) -> Panel:
    """Build the lesson-10 league-table panel; ``fits`` maps the toggle's two labels to random-intercept fits.

    Default: :func:`exam_fits` (the London schools without and with the intake score).  ``mark``:
    group labels to annotate in both tables ("school 54"; labels not among the groups are
    ignored).  Keywords override the slider defaults (``level``, ``intake``).
    """
    fits = exam_fits() if fits is None else dict(fits)
    if len(fits) != 2:
        raise ValueError(f"fits must map 2 labels (without, with adjustment) to fits; got {len(fits)}")
    tables = [league_table(f) for f in fits.values()]
    g = len(tables[0])
    if len(tables[1]) != g:
        raise ValueError(f"fits must have the same groups; got {g} and {len(tables[1])}")
    labels = [[str(i) for i in t.index] for t in tables]               # the two fits may order the groups differently
    mark = [m for m in map(str, mark) if m in labels[0] and m in labels[1]]
    z_max = special.ndtri(0.5 + SPEC["level"].max / 2)
    rows = np.arange(1, g + 1, dtype=float)
    with building():
        fig, axes = new_figure(1, 2, figsize=(8.5, 6.6), sharey=True)
        art = {}
        for ax, (key, (title, est, se, colour)) in zip(axes, SIDES.items()):
            lo = min((t[est] - z_max * t[se]).min() for t in tables)
            hi = max((t[est] + z_max * t[se]).max() for t in tables)
            pad = 0.03 * (hi - lo)
            ax.set(xlim=(lo - pad, hi + pad), ylim=(g + 1, -4.5), title=title,
                   xlabel="school's difference from the average")
            ax.axvline(0, color=COLORS["complete_pooling"], lw=2)
            segs = arrows(ax, g, color=colour, lw=1.6)
            dots = ax.scatter(np.zeros(g), rows, s=_sizes(tables[0]["n"]), color=colour, edgecolor="black",
                              linewidth=0.3, zorder=3)
            count = readout(ax, 0.03, 0.925, ["flagged:"], [f"{g} of {g}"], fontsize=12)
            names = [ax.text(0, 0, f"school {m}", fontsize=11, va="center", gid="school label",
                             bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8)) for m in mark]
            art[key] = (segs, dots, count, est, se, colour, names, pad)
        axes[0].set_ylabel("rank in its own table (1 = highest)")
        axes[0].set_yticks([1, 10, 20, 30, 40, 50, 60, g])
        handles = [axes[0].scatter([], [], s=40, color=FLAG, edgecolor="black", linewidth=EDGE[1],
                                   label="flagged: interval misses 0"),
                   axes[0].scatter([], [], s=40, color=to_rgba(COLORS["no_pooling"], FAINT), edgecolor="black",
                                   linewidth=EDGE[0], label="raw mean, not flagged"),
                   axes[0].scatter([], [], s=40, color=to_rgba(COLORS["partial_pooling"], FAINT), edgecolor="black",
                                   linewidth=EDGE[0], label="BLUP, not flagged"),
                   axes[0].scatter([], [], s=_sizes(2), color="0.5", label="2 pupils"),
                   axes[0].scatter([], [], s=_sizes(198), color="0.5", label="198 pupils")]
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=11)

    orders = {(key, k): np.argsort(-t[a[3]].to_numpy(), kind="stable") for key, a in art.items() for k, t in enumerate(tables)}
    where = [[lab.index(m) for m in mark] for lab in labels]            # position of each marked group in each table

    def draw(level, intake):
        t = tables[int(intake)]
        z = special.ndtri(0.5 + level / 2)
        for key, (segs, dots, count, est, se, colour, names, pad) in art.items():
            order = orders[(key, int(intake))]
            e, s = t[est].to_numpy()[order], t[se].to_numpy()[order]
            flagged = flag_unusual(e, s, level=level)
            set_arrows(segs, e - z * s, rows, e + z * s, rows)
            base = np.array(to_rgba(colour, FAINT))
            colours = np.where(flagged[:, None], FLAG, base)
            segs.set_colors(colours)
            dots.set_offsets(np.column_stack([e, rows]))
            dots.set_facecolor(colours)
            dots.set_sizes(_sizes(t["n"].to_numpy()[order]))
            dots.set_linewidths(np.where(flagged, EDGE[1], EDGE[0]))
            count.set_text(f"{int(flagged.sum())} of {g}")
            rank = np.argsort(order)                                     # group -> its row in this table
            left, right = segs.axes.get_xlim()
            for name, i in zip(names, where[int(intake)]):
                r = rank[i]
                low, top = e[r] - z * s[r], e[r] + z * s[r]
                if top + 12 * pad < right:                                # past the bar's right end
                    x, ha = top + pad, "left"
                elif low - 12 * pad > left:                               # before its left end
                    x, ha = low - pad, "right"
                else:                                                     # on the bar, beside the dot
                    x, ha = e[r] + pad, "left"
                name.set_position((x, rows[r]))
                name.set_horizontalalignment(ha)

    def describe(level, intake):
        flagged = "; ".join(f"{SIDES[key][0]}: {art[key][2].get_text()} flagged" for key in art)
        return (f"League tables of {g} schools, {SPEC['intake'].options[int(intake)]}, with {level:.1%} intervals "
                f"(level {level:g}): raw means beside BLUPs, schools whose interval excludes the average flagged "
                f"({flagged}).")

    moving = [a for key in art for a in (*art[key][:3], *art[key][6])]
    return Panel(fig, draw, SPEC, moving, name="league_table", describe=describe, initial=initial)


def funnel_figure(fits: dict, *, levels=(0.95, 0.998)):
    """Static funnel plots, one per fit: raw difference from the average against n, with control limits.

    Grey dashed: the common-effect limits 0 ± z√(σ̂_ε²/n); green: the random-effects limits
    0 ± z√(σ̂_b² + σ̂_ε²/n) (thin: ``levels[0]``, thick: ``levels[1]``).  Schools outside the
    random-effects limits at ``levels[1]`` are vermillion.  ``fits`` maps a title to a
    random-intercept fit (1 or 2 of them, e.g. :func:`exam_fits`).  Returns ``(fig, axes)``.
    """
    fits = dict(fits)
    if not 1 <= len(fits) <= 2:
        raise ValueError(f"fits must map 1 or 2 labels to fits; got {len(fits)}")
    if len(levels) != 2:
        raise ValueError(f"levels must be two interval levels (inner, outer), e.g. (0.95, 0.998); got {levels!r}")
    with building():
        fig, axes = new_figure(1, len(fits), figsize=(8.5, 4.6), sharey=True, squeeze=False)
        axes = axes[0]
        for ax, (label, fit) in zip(axes, fits.items()):
            t = league_table(fit)
            sigma_b2 = float(next(iter(fit.varcorr.values())).iloc[0, 0])
            n_grid = np.geomspace(t["n"].min(), t["n"].max(), 200)
            for level, lw in zip(levels, (1.0, 2.2)):
                common = funnel_limits(n_grid, 0.0, fit.sigma2, level=level)
                spread = funnel_limits(n_grid, 0.0, fit.sigma2, sigma_b2=sigma_b2, level=level)
                for side in ("lower", "upper"):
                    ax.plot(n_grid, common[side], color=COLORS["complete_pooling"], ls="--", lw=lw,
                            label=f"common effect, {level:.1%}" if side == "upper" else None)
                    ax.plot(n_grid, spread[side], color=COLORS["alt"], lw=lw,
                            label=f"random effects, {level:.1%}" if side == "upper" else None)
            out = outside_funnel(t["n"], t["raw"], 0.0, fit.sigma2, sigma_b2=sigma_b2, level=levels[1])
            ax.scatter(t["n"], t["raw"], s=22, color=np.where(out[:, None], FLAG, to_rgba(COLORS["no_pooling"])),
                       edgecolor="black", linewidth=0.3, zorder=3)
            ax.axhline(0, color=COLORS["complete_pooling"], lw=1)
            ax.set(xscale="log", xlabel="pupils in the school, n (log scale)", title=label)
        axes[0].set_ylabel("raw difference from the average")
        axes[0].set_ylim(-2.6, 2.6)
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=2, frameon=False, fontsize=11)
    sizes = ", ".join(f"{label}: {len(league_table(fit))} schools" for label, fit in fits.items())
    describe(fig, f"Funnel plots of each school's raw difference from the average against its pupils ({sizes}), with "
                  f"common-effect and random-effects limits at {levels[0]:.1%} and {levels[1]:.1%}; schools outside "
                  f"the random-effects {levels[1]:.1%} limits marked. {axes_text(fig)}")
    return fig, axes


def rank_interval_figure(intervals: dict, *, mark=()):
    """Static: each school's rank interval (lower–upper) and median rank, schools ordered by median.

    ``intervals`` maps a title to a :func:`blupteach.rank_intervals` table (1 or 2 of them);
    schools in ``mark`` (labels) are drawn in vermillion.  Returns ``(fig, axes)``.
    """
    if not 1 <= len(intervals) <= 2:
        raise ValueError(f"intervals must map 1 or 2 titles to rank-interval tables; got {len(intervals)}")
    mark = {str(m) for m in mark}
    with building():
        fig, axes = new_figure(1, len(intervals), figsize=(8.5, 4.6), sharey=True, squeeze=False)
        axes = axes[0]
        for ax, (title, ri) in zip(axes, intervals.items()):
            ri = ri.sort_values(["median", "lower"])
            x = np.arange(1, len(ri) + 1)
            hot = np.array([str(i) in mark for i in ri.index])
            colours = np.where(hot[:, None], FLAG, to_rgba(COLORS["partial_pooling"]))
            ax.vlines(x, ri["lower"], ri["upper"], colors=colours, lw=1.8)
            ax.scatter(x, ri["median"], s=16, color=colours, edgecolor="black", linewidth=0.3, zorder=3)
            ax.plot([1, len(ri)], [1, len(ri)], color=COLORS["complete_pooling"], lw=1, ls=":")
            ax.set(xlabel="schools, ordered by median rank", title=title, ylim=(len(ri) + 1, 0))
        axes[0].set_ylabel("rank: interval and median\n(1 = highest)")
    widths = ", ".join(f"{title}: median width {float((ri['upper'] - ri['lower']).median()):.0f} ranks"
                       for title, ri in intervals.items())
    describe(fig, f"Simulated rank intervals of {len(next(iter(intervals.values())))} schools ordered by median rank "
                  f"({widths}); marked: {', '.join(sorted(mark)) or 'none'}. {axes_text(fig)}")
    return fig, axes
