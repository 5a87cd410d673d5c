r"""Prognosis (lesson 07): one individual's future predicted from the days observed so far.

``prognosis_panel``: left, the chosen individual's readings (days 0..k revealed, the rest
hollow, the day-9 reading to predict marked), the population line (grey), its own
least-squares line through the revealed days (orange; none with one day) and its BLUP line
with a 95% prediction band for a new reading (blue).  The individual is left out of the
variance fit (:func:`blupteach.leave_one_out_trajectories`, one fit per individual, all
computed when the panel is built); a move only looks the precomputed lines up.  Right, the
score over all individuals: root mean squared day-9 error of each predictor against k, a marker
at the current k.  Sliders: k (the last day observed: days 0..k) and the individual.

``prognosis_score_figure`` (static): the same score curves, alone.
"""

from __future__ import annotations

from functools import cache

import numpy as np
from matplotlib.patches import Polygon, Rectangle

from ..accessible import axes_text, describe
from ..plots import COLORS, building, new_figure, readout
from ..prognosis import leave_one_out_trajectories
from ..widgets import Choice, Panel, Slider

NAMES = {"blup": "BLUP", "population": "population line", "own": "own line"}
KEYS = {"blup": "partial_pooling", "population": "complete_pooling", "own": "no_pooling"}
MARKERS = {"blup": "D", "population": "s", "own": "o"}
LINESTYLES = {"blup": "-", "population": "--", "own": "-."}   # grey and orange are alike in greyscale


@cache
def sleepstudy_prognosis():
    """The panel's default: sleepstudy, each of the 18 subjects left out in turn, k = 0..8, day 9."""
    from .. import datasets
    sleep = datasets.load("sleepstudy")
    return leave_one_out_trajectories(sleep, y="Reaction", t="Days", group="Subject")


def prognosis_score_figure(result, *, kind: str = "rmse", figsize=(8.5, 4.2)):
    """Return ``(fig, ax)``: each predictor's error at the target time against k (``result.score(kind)``)."""
    score = result.score(kind)
    ks = score.index.to_numpy(float)
    fig, ax = new_figure(figsize=figsize)
    with building():
        for p in score.columns:
            ax.plot(ks, score[p], marker=MARKERS[p], ms=7, lw=2, color=COLORS[KEYS[p]], label=NAMES[p])
        ax.set(xlabel="last day observed $k$ (days 0..k)", xticks=ks,
               ylabel=("root mean squared" if kind == "rmse" else "mean absolute") + f"\nerror on day {result.target:g}")
        ax.set_ylim(0, 1.05 * np.nanmax(score.to_numpy()))
        ax.legend(frameon=False)
    last = ", ".join(f"{NAMES[p]} {score[p].iloc[-1]:.0f}" for p in score.columns)
    describe(fig, f"Each predictor's error on day {result.target:g} against the last day observed k = {ks[0]:g} to "
                  f"{ks[-1]:g} ({last} at k = {ks[-1]:g}). {axes_text(fig)}")
    return fig, ax


def prognosis_panel(result=None, **initial) -> Panel:
    """Build the lesson-07 prognosis panel from ``result``, a :class:`blupteach.Prognosis` (default:
    sleepstudy, computed once per session); keywords set ``k`` and ``subject`` (a position)."""
    result = sleepstudy_prognosis() if result is None else result
    data = result.data
    y_name, t, group = result.columns
    subjects = list(result.lines.index.levels[0])
    ks = list(result.lines.index.levels[1])
    spec = {"k": Slider(min(ks), max(ks), ks[len(ks) // 3], scale="int", label="last day observed $k$ (days 0..k)"),
            "subject": Choice(0, len(subjects) - 1, 0, scale="int", label="subject", options=tuple(subjects))}
    readings = {s: data[data[group] == s].sort_values(t) for s in subjects}
    times, target = result.times, result.target
    lo = min(np.nanmin(result.band[:, :, 1]), data[y_name].min())
    hi = max(np.nanmax(result.band[:, :, 2]), data[y_name].max())
    score = result.score("rmse")
    with building():
        fig, (ax, ax_s) = new_figure(1, 2, figsize=(8.5, 5.2), width_ratios=[1.45, 1.0])
        ax.set(xlim=(times[0] - 0.5, times[-1] + 0.5), ylim=(lo - 0.03 * (hi - lo), hi + 0.03 * (hi - lo)),
               xlabel=t, ylabel=y_name)
        title = ax.set_title(" ")
        future = ax.add_patch(Rectangle((0, ax.get_ylim()[0]), 1, hi - lo + 1e3, color="0.93", zorder=0))
        band = ax.add_patch(Polygon(np.zeros((2 * times.size, 2)), closed=True, color=COLORS["partial_pooling"],
                                    alpha=0.18, lw=0, label="95% band, new reading"))
        lines = {p: ax.plot([], [], color=COLORS[KEYS[p]], lw=2.4, ls=LINESTYLES[p], label=NAMES[p])[0] for p in NAMES}
        seen = ax.scatter(np.zeros(1), np.zeros(1), s=40, color="black", zorder=4, label="days observed")
        hidden = ax.scatter(np.zeros(1), np.zeros(1), s=40, facecolor="white", edgecolor="black", zorder=4,
                            label="not yet revealed")
        (goal,) = ax.plot([], [], "*", ms=16, color=COLORS["highlight"], mec="black", zorder=5,
                          label=f"day {target:g}: to predict")
        fig.legend(loc="outside lower center", fontsize=11, frameon=False, ncols=4)
        values = readout(ax, 0.02, 0.79, [f"day-{target:g} error, {NAMES[p]}:" for p in NAMES],
                         ["−000"] * len(NAMES), ha="left", fontsize=10)

        for p in score.columns:
            ax_s.plot(ks, score[p], marker=MARKERS[p], ms=6, lw=2, color=COLORS[KEYS[p]])
        ax_s.set(xlabel="last day observed $k$", ylabel=f"RMS error on day {target:g}\n(all subjects, each left out)",
                 title="the score", xticks=ks[::2], ylim=(0, 1.05 * np.nanmax(score.to_numpy())))
        (now,) = ax_s.plot([], [], color=COLORS["highlight"], lw=1.5, ls="--")

    def draw(k, subject):
        s = subjects[int(subject)]
        j = ks.index(k)
        r = readings[s]
        tt, yy = r[t].to_numpy(float), r[y_name].to_numpy(float)
        shown = tt <= k
        seen.set_offsets(np.column_stack([tt[shown], yy[shown]]))
        rest = ~shown & (tt != target)
        hidden.set_offsets(np.column_stack([tt[rest], yy[rest]]))
        goal.set_data(tt[tt == target], yy[tt == target])
        future.set_x(k + 0.5)
        future.set_width(times[-1] - k + 1)
        pred, lower, upper = result.band[subjects.index(s), j]
        band.set_xy(np.column_stack([np.r_[times, times[::-1]], np.r_[lower, upper[::-1]]]))
        row = result.lines.loc[(s, k)]
        for p, line in lines.items():
            a, b = row[(p, "intercept")], row[(p, "slope")]
            line.set_data(times, a + b * times) if np.isfinite(a) else line.set_data([], [])
        err = result.errors.loc[(s, k)]
        values.set_text("\n".join("none" if not np.isfinite(err[p]) else f"{err[p]:+.0f}" for p in NAMES))
        now.set_data([k, k], ax_s.get_ylim())
        title.set_text(f"subject {s}, days 0..{k:g} seen")

    def describe(k, subject):
        errors = ", ".join(f"{name} {v}" for name, v in zip(NAMES.values(), values.get_text().split("\n")))
        return (f"Subject {subjects[int(subject)]}, days 0..{k:g} seen (k = {k:g}): the readings, the BLUP line with "
                f"its band, the population line and the subject's own line, scored at day {target:g} "
                f"(errors {errors}); right, each method's day-{target:g} error against k.")

    moving = [future, band, *lines.values(), seen, hidden, goal, values, now, title]
    return Panel(fig, draw, spec, moving, name="prognosis", describe=describe, initial=initial)
