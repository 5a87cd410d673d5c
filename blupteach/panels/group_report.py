r"""Your own data (lesson 11): a table's groups as raw means, BLUPs and intervals, refitted on a dropdown.

``report_figure(rep)`` (static) and the live ``own_data_panel`` draw the same picture from a
:class:`blupteach.Report`: left, one row per group *ordered by its size n* (bottom: fewest
rows), the interval for the group's mean (blue segment), its prediction (blue dot), its raw
mean (orange) and the population's value at the group's covariates (grey bar: one vertical
line without covariates); right, the group's shrinkage weight w on the same rows.  Without
covariates the blue dot is μ̂ + b̂_i, so the orange-to-blue gap is the pull of lesson 02.

The live panel refits (:func:`blupteach.report`) when a dropdown picks another response,
grouping column, covariates or random slope (each choice is fitted once, then looked up).  A
different choice has a different number of groups and another scale, yet no artist is
replaced and no axis limit moves: the axes run 0–1 and the data are mapped onto them, with
tick labels and grid lines that are themselves moving artists (``set_segments``,
``set_offsets``, ``set_text``), so a change blits like a slider move.  A choice the data cannot
support shows its reason in the figure and in the text below it, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import ipywidgets as ipw
import numpy as np
import pandas as pd
from IPython.display import display
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..accessible import axes_text, describe
from ..plots import COLORS, arrows, building, new_figure, segments, set_arrows
from ..report import report
from ..table_input import read_table
from ..widgets import Choice, Panel, _widget_bundle


NONE = "(none)"
TICKS = 8            # tick labels on each axis, at most
PAD = 0.04           # share of the axes left empty at each end
EXPORT = "own_data_groups.csv"


def _layout(rep):
    """Groups ordered by n (ties by prediction), mapped to axes coordinates; the tick values."""
    t = rep.table
    order = np.lexsort((t["prediction"].to_numpy(), t["n"].to_numpy()))
    t = t.iloc[order]
    lo = min(t["lower"].min(), t["raw_mean"].min(), t["population"].min())
    hi = max(t["upper"].max(), t["raw_mean"].max(), t["population"].max())
    hi = hi if hi > lo else lo + 1.0
    ticks = [v for v in MaxNLocator(6).tick_values(lo, hi) if lo <= v <= hi]

    def u(x):
        return PAD + (1 - 2 * PAD) * (np.asarray(x, float) - lo) / (hi - lo)

    g = len(t)
    ypos = PAD + (1 - 2 * PAD) * (np.arange(g) + 0.5) / g
    even = np.linspace(0, g - 1, min(TICKS, g)).round().astype(int)       # evenly spaced ranks ...
    first = np.flatnonzero(np.r_[True, np.diff(t["n"].to_numpy()) != 0])     # ... moved to where their n starts
    rows = np.unique(first[np.searchsorted(first, even, side="right") - 1])  # so no n is labelled twice
    return t, u, ypos, ticks, rows


def _build(fig_height: float = 6.4):
    """Figure and every artist, empty; returns ``(fig, artists)``."""
    fig, (ax, ax_w) = new_figure(1, 2, figsize=(8.5, fig_height), width_ratios=[4.2, 1.0], sharey=True)
    a = {}
    ax.set(xlim=(0, 1), ylim=(0, 1), xticks=[], yticks=[])
    ax.set_ylabel("groups by rank of size (ticks: n)", labelpad=30)
    ax.set_title("each group's mean: raw, BLUP and interval", fontsize=13)
    a["grid"] = arrows(ax, TICKS, color="0.9", lw=1.0, zorder=0)
    a["xticks"] = [ax.text(0, -0.015, "", transform=ax.transAxes, ha="center", va="top", fontsize=11)
                   for _ in range(TICKS)]
    a["yticks"] = [ax.text(-0.015, 0, "", transform=ax.transAxes, ha="right", va="center", fontsize=11)
                   for _ in range(TICKS)]
    a["xlabel"] = ax.text(0.5, -0.075, "", transform=ax.transAxes, ha="center", va="top", fontsize=13)
    a["segs"] = arrows(ax, 1, color=COLORS["partial_pooling"], lw=1.6, alpha=0.75, zorder=2)
    a["population"] = ax.scatter(np.zeros(1), np.zeros(1), marker="|", s=110, linewidths=2.2,
                                 color=COLORS["complete_pooling"], zorder=1)
    a["raw"] = ax.scatter(np.zeros(1), np.zeros(1), s=16, color=COLORS["no_pooling"], zorder=3)
    a["blup"] = ax.scatter(np.zeros(1), np.zeros(1), s=16, color=COLORS["partial_pooling"], edgecolor="black",
                           linewidth=0.4, zorder=4)
    a["message"] = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", fontsize=13,
                           color=COLORS["highlight"], zorder=6, bbox=dict(fc="white", ec=COLORS["highlight"]))
    fig.suptitle(" ", fontsize=12)                 # the readout's line, kept free by the layout
    a["readout"] = ax.text(-0.1, 1.135, "", transform=ax.transAxes, ha="left", va="top", fontsize=11)  # in an axes: blitted
    ax_w.set(xlim=(0, 1), xticks=[0, 0.5, 1], xticklabels=["0", "½", "1"], xlabel="weight $w$")
    a["w_title"] = ax_w.set_title("own data's share", fontsize=13)     # with a slope: the intercept's
    ax_w.axvline(0.5, color="0.85", lw=1, zorder=0)
    ax_w.tick_params(labelleft=False, left=False)
    a["w"] = ax_w.scatter(np.zeros(1), np.zeros(1), s=16, color=COLORS["partial_pooling"], zorder=3)
    handles = [Line2D([], [], color=COLORS["no_pooling"], marker="o", ls="", label="raw mean (own rows only)"),
               Line2D([], [], color=COLORS["partial_pooling"], marker="o", lw=1.6, label="prediction, with its interval"),
               Line2D([], [], color=COLORS["complete_pooling"], marker="|", ms=13, mew=2.2, ls="", label="population")]
    fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False, fontsize=11)
    fig.get_layout_engine().set(h_pad=0.12)       # room for the moving tick labels and the readout
    return fig, a


def _draw(a, rep, message: str = ""):
    """Set every artist to ``rep`` (a Report), or empty them and show ``message``."""
    empty = np.zeros((0, 2))
    if rep is None:
        for k in ("raw", "blup", "population", "w"):
            a[k].set_offsets(empty)
        a["segs"].set_segments([])
        a["grid"].set_segments([])
        for txt in (*a["xticks"], *a["yticks"], a["xlabel"], a["readout"]):
            txt.set_text("")
        a["message"].set_text(message)
        a["message"].set_visible(True)
        return
    t, u, ypos, ticks, rows = _layout(rep)
    level = rep.level
    set_arrows(a["segs"], u(t["lower"]), ypos, u(t["upper"]), ypos)
    a["raw"].set_offsets(np.column_stack([u(t["raw_mean"]), ypos]))
    a["blup"].set_offsets(np.column_stack([u(t["prediction"]), ypos]))
    a["population"].set_offsets(np.column_stack([u(t["population"]), ypos]))
    a["w"].set_offsets(np.column_stack([t["w"].to_numpy(), ypos]))
    a["grid"].set_segments(segments(u(ticks), np.zeros(len(ticks)), u(ticks), np.ones(len(ticks))))
    for k, txt in enumerate(a["xticks"]):
        txt.set_text(f"{ticks[k]:.4g}" if k < len(ticks) else "")
        txt.set_x(float(u(ticks[k])) if k < len(ticks) else 0.0)
    n = t["n"].to_numpy()
    for k, txt in enumerate(a["yticks"]):
        txt.set_text(str(int(n[rows[k]])) if k < len(rows) else "")
        txt.set_y(float(ypos[rows[k]]) if k < len(rows) else 0.0)
    c = rep.columns
    extra = (" at its covariates" if c["covariates"] else "")
    a["xlabel"].set_text(f"{c['y']}: mean of each {c['group']}{extra}, {level:.0%} interval")
    lam = rep.sigma_e2 / rep.sigma_b2 if rep.sigma_b2 > 0 else np.inf
    a["readout"].set_text(f"{len(t)} groups, {int(n.sum())} rows.   "
                          f"$\\hat\\sigma_b^2$ = {rep.sigma_b2:.3g},  $\\hat\\sigma_\\varepsilon^2$ = {rep.sigma_e2:.3g},  "
                          + (f"w = ½ at n = λ = {lam:.3g}." if c["slope"] is None else "random slope: w is the intercept's.")
                          + f"   Fit: {rep.seconds * 1000:.0f} ms")
    a["w_title"].set_text("own data's share" if c["slope"] is None else f"w at {c['slope']} = 0")
    a["message"].set_text("")
    a["message"].set_visible(False)


def report_figure(rep):
    """Return ``(fig, ax)``: ``rep``'s groups by size n, raw mean, prediction with interval, population, w.

    ``rep`` is a :class:`blupteach.Report` (``bt.report(...)``); ``ax`` is the main axes (its
    coordinates run 0–1, the data mapped onto them; the tick labels are the data's values).
    """
    if not hasattr(rep, "table") or not hasattr(rep, "columns"):
        raise ValueError(f"rep must be a blupteach Report (bt.report(data, y=..., group=...)); got {type(rep).__name__}")
    with building():
        fig, a = _build()
        _draw(a, rep)
    c = rep.columns
    describe(fig, f"{c['y']} by {c['group']}: {len(rep.table)} groups by size, each raw mean beside its prediction "
                  f"with a {rep.level:.0%} interval and the population; right, each group's weight w "
                  f"(σ_b² = {rep.sigma_b2:.4g}, σ_ε² = {rep.sigma_e2:.4g}).")
    return fig, fig.axes[0]


def _default_columns(frame):
    """Positions of a sensible response (the numeric column with most distinct values) and group
    (the first text column, else the column with fewest distinct values above one)."""
    cols = list(frame.columns)
    numeric = [c for c in cols if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])]
    text = [c for c in cols if c not in numeric]
    distinct = frame.nunique()
    group = text[0] if text else min((c for c in cols if distinct[c] > 1), key=lambda c: distinct[c], default=cols[0])
    rest = [c for c in numeric if c != group] or [c for c in cols if c != group]
    y = max(rest, key=lambda c: distinct[c])
    return cols.index(y), cols.index(group)


def _spec(frame, y=None, group=None):
    cols = tuple(str(c) for c in frame.columns)
    yi, gi = _default_columns(frame)
    yi = cols.index(y) if y in cols else yi
    gi = cols.index(group) if group in cols else gi
    k = len(cols)
    return {"y": Choice(0, k - 1, yi, scale="int", label="response $y$", options=cols),
            "group": Choice(0, k - 1, gi, scale="int", label="grouping column", options=cols),
            "covariate": Choice(0, k, 0, scale="int", label="covariate", options=(NONE, *cols)),
            "covariate2": Choice(0, k, 0, scale="int", label="second covariate", options=(NONE, *cols)),
            "slope": Choice(0, k, 0, scale="int", label="random slope", options=(NONE, *cols))}


class OwnDataPanel(Panel):
    """The live panel of lesson 11: :class:`Panel` plus the data, the current report and the text.

    Attributes
    ----------
    data : DataFrame;  report : Report or None (None when the choice cannot be fitted);
    message : str (why not, in plain words);  info : ipywidgets.HTML (summary, warnings, table);
    upload : ipywidgets.FileUpload;  export : ipywidgets.Button (writes ``own_data_groups.csv``).
    """

    def __init__(self, data, source: str, *, y=None, group=None, **initial):
        self.data, self.source = data, source
        self.report, self.message, self._fits = None, "", {}
        self.info = ipw.HTML()
        self.upload = ipw.FileUpload(accept=".csv", multiple=False, description="upload a CSV")
        self.upload.observe(self._on_upload, names="value")
        self.export = ipw.Button(description=f"save the table as {EXPORT}", layout=ipw.Layout(width="auto"))
        self.export.on_click(lambda _: self.save())
        with building():
            fig, self.artists = _build()
        moving = [a for a in self.artists.values() if not isinstance(a, list)]
        moving += self.artists["xticks"] + self.artists["yticks"]
        super().__init__(fig, self._choose, _spec(data, y, group), moving, name="own_data",
                         describe=self._describe_choice, initial=initial)

    # -- one choice -> one report ------------------------------------------------------
    def choice(self, y, group, covariate, covariate2, slope) -> dict:
        """The column names the dropdown positions stand for (a covariate picked twice counts once)."""
        cols = list(self.data.columns)
        picked = [cols[int(c) - 1] for c in (covariate, covariate2) if int(c) > 0]
        pick = {"y": cols[int(y)], "group": cols[int(group)], "covariates": tuple(dict.fromkeys(picked)),
                "slope": None if int(slope) == 0 else cols[int(slope) - 1]}
        return pick

    def _describe_choice(self, y, group, covariate, covariate2, slope) -> str:
        pick = self.choice(y, group, covariate, covariate2, slope)
        what = (f"{pick['y']} by {pick['group']}, covariates: {', '.join(pick['covariates']) or NONE}, "
                f"random slope: {pick['slope'] or NONE}")
        if self.report is None:
            return f"Your data ({self.source}), {what}: not fitted. {self.message}"
        return (f"Your data ({self.source}), {what}: {len(self.report.table)} groups by size, each raw mean beside "
                f"its prediction with interval, and the weight w of each group; σ_b² = {self.report.sigma_b2:.4g}, "
                f"σ_ε² = {self.report.sigma_e2:.4g}.")

    def _fit(self, pick):
        key = (pick["y"], pick["group"], pick["covariates"], pick["slope"])
        if key not in self._fits:
            used = [pick["y"], pick["group"], *pick["covariates"], *([pick["slope"]] if pick["slope"] else [])]
            if pick["y"] == pick["group"]:
                self._fits[key] = f"The response and the grouping column are both {pick['y']!r}: pick two different columns."
            elif pick["group"] in used[2:]:
                self._fits[key] = f"{pick['group']!r} is the grouping column: it cannot be a covariate or a slope too."
            elif pick["y"] in used[2:]:
                self._fits[key] = f"{pick['y']!r} is the response: it cannot be a covariate or a slope too."
            else:
                try:
                    self._fits[key] = report(self.data, y=pick["y"], group=pick["group"],
                                             covariates=pick["covariates"], slope=pick["slope"])
                except ValueError as exc:
                    self._fits[key] = f"This choice cannot be fitted. {exc}"
        return self._fits[key]

    def _choose(self, y, group, covariate, covariate2, slope):
        pick = self.choice(y, group, covariate, covariate2, slope)
        result = self._fit(pick)
        self.report, self.message = (None, result) if isinstance(result, str) else (result, "")
        _draw(self.artists, self.report, _wrap(self.message))
        key = ("html", *pick.values())
        if key not in self._fits:                   # the table's HTML costs more than the drawing
            self._fits[key] = self._html()
        self.info.value = self._fits[key]

    # -- text below the figure -----------------------------------------------------------
    def _html(self) -> str:
        head = f"<p><b>Data:</b> {_esc(self.source)}, {len(self.data):,} rows × {self.data.shape[1]} columns.</p>"
        if self.report is None:
            return head + f"<p style='border-left:4px solid {COLORS['highlight']}; padding-left:6px'><b>Not fitted.</b> {_esc(self.message)}</p>"
        rep = self.report
        text, _, warn = rep.summary().partition("\nWarnings:\n")
        warnings = "".join(f"<li>{_esc(w)}</li>" for w in rep.warnings) or "<li>none</li>"
        table = rep.table.round(3).to_html(classes="own-data", border=0)
        return (head + f"<p>{_esc(text)}</p><p><b>Warnings</b></p><ul>{warnings}</ul>"
                f"<p>The fit took {rep.seconds:.3f} s.</p>"
                f"<div style='max-height:260px; overflow:auto' tabindex='0' role='region' aria-label='table of groups'>{table}</div>")

    def save(self, path=EXPORT):
        """Write the current table to ``path`` (CSV); returns the path, or None with nothing fitted."""
        if self.report is None:
            self.info.value = self._html() + "<p>Nothing to save: the current choice is not fitted.</p>"
            return None
        self.report.to_csv(path)
        self.info.value = self._html() + f"<p>Saved the table to <code>{_esc(str(Path(path).resolve()))}</code>.</p>"
        return path

    # -- new data ------------------------------------------------------------------------
    def load(self, source, *, name=None):
        """Read ``source`` (a DataFrame, a path, or a CSV's bytes) and refit at sensible columns.

        A file that cannot be used leaves the current data and picture as they are and says why.
        """
        try:
            frame = source if isinstance(source, pd.DataFrame) else read_table(source, name=name)
        except ValueError as exc:
            self.info.value = (f"<p style='border-left:4px solid {COLORS['highlight']}; padding-left:6px'><b>Not loaded.</b> {_esc(str(exc))}</p>"
                               + self._html())
            return False
        self.data = frame
        self.source = name or (str(source) if not isinstance(source, (pd.DataFrame, bytes, memoryview)) else "your table")
        self._fits = {}
        self.spec = _spec(frame)
        self._syncing = True
        try:
            for key, s in self.spec.items():
                control = self.controls[key]
                control.options = [(str(lab), k) for k, lab in enumerate(s.options)]
                control.value = int(s.default)
        finally:
            self._syncing = False
        self.reset()
        return True

    def _on_upload(self, change):
        """A FileUpload's file: its size is checked (``read_table``) before it is parsed."""
        files = change["new"]
        if files:
            with self.output:
                self.load(files[0]["content"], name=files[0]["name"])

    # -- showing it ----------------------------------------------------------------------
    def _ipython_display_(self):
        display(_widget_bundle(ipw.HBox([self.upload, self.export]), "", ""), raw=True)
        super()._ipython_display_()
        display(_widget_bundle(self.info, "", self._html()), raw=True)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _wrap(text: str, width: int = 52) -> str:
    import textwrap
    return "\n".join(textwrap.wrap(text, width)[:8])


def own_data_panel(data=None, *, y=None, group=None, **initial) -> OwnDataPanel:
    """Build lesson 11's panel for ``data`` (a DataFrame or a CSV path; default: Minnesota radon).

    Dropdowns pick the response, the grouping column, up to two covariates and a random slope; ``y`` and
    ``group`` (column names) set the starting choice, ``**initial`` the dropdowns' positions.
    """
    from .. import datasets
    if data is None:
        frame, source = datasets.load("radon_mn"), "Minnesota radon (bundled: 919 homes in 85 counties)"
        y, group = y or "log_radon", group or "county"
    elif isinstance(data, pd.DataFrame):
        frame, source = data, "your DataFrame"
    else:
        frame, source = read_table(data), str(data)
    return OwnDataPanel(frame, source, y=y, group=group, **initial)
