"""Figure building blocks: built once, then updated in place.

Every lesson figure follows one pattern (see ``panels/``):

1. :func:`new_figure` creates the figure and its axes once, with the course's
   colour-blind-safe palette and projector-size fonts, and fixes the layout;
2. the panel creates every artist once and fixes axis limits from the whole
   slider range;
3. on a slider move the panel changes the artists' data (``set_data``,
   ``set_offsets``, ``set_height``, ``set_text``, ``set_segments``) and calls
   :meth:`LiveFigure.refresh`, which redraws *only the moving artists* over a
   cached background (blitting) — never ``ax.clear()`` and a rebuild.

With the ipympl backend (``%matplotlib widget``) ``refresh`` sends the browser
only the changed pixels; with a static backend (Agg, inline, an HTML export) the
figure is simply shown at its current values.

For panel authors: list in ``moving`` *every* artist the panel's ``draw`` changes
(an artist left out keeps its old look until the next full redraw), and change
nothing else on a move (no limits, labels or layout).  Moving artists are drawn
above the static ones, in z-order among themselves.  ``tests/test_panels.py``
checks each panel: the blitted picture must equal a full redraw, and a move in
interactive mode must not ask for a full redraw.
"""

from __future__ import annotations

from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

__all__ = ["OKABE_ITO", "COLORS", "SAME_MEANING", "HATCHES", "DIVERGING", "is_neutral", "MAX_WIDTH_IN", "STYLE", "building", "new_figure", "LiveFigure", "arrows", "set_arrows",
           "segments", "readout"]

#: The Okabe–Ito palette (safe for the common colour-vision deficiencies).
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "grey": "#999999",
}

#: One colour per meaning, the same in every lesson, and no colour with two meanings
#: (``tests/test_panels.py`` checks every panel's artists against this palette):
#: prose names the Okabe–Ito colour ("vermillion", "sky blue"), as the keys of OKABE_ITO do.
COLORS = {
    "no_pooling": OKABE_ITO["orange"],       # each group's own mean (and only that)
    "complete_pooling": OKABE_ITO["grey"],    # one number for everyone: the population mean
    "partial_pooling": OKABE_ITO["blue"],     # the BLUP
    "truth": OKABE_ITO["black"],              # what a simulation knows
    "highlight": OKABE_ITO["vermillion"],     # the marked individuals (Alice, Bob, a chosen county)
    "mean_part": OKABE_ITO["grey"],           # variance from estimating mu: the population mean, as complete_pooling
    "deviation_part": OKABE_ITO["sky"],       # variance of the individual's deviation
    "noise_part": OKABE_ITO["yellow"],        # a new reading's noise (filled bars with a dark edge only)
    "alt": OKABE_ITO["green"],                # a second method beside the BLUP
    "alt2": OKABE_ITO["purple"],              # a third (lesson 06: the treated patients)
}

#: Keys of COLORS that share a colour because they mean the same thing.
SAME_MEANING = {("mean_part", "complete_pooling")}

#: Hatches that tell the variance parts apart in greyscale (grey and sky blue are equally light).
HATCHES = {"mean_part": "", "deviation_part": "//", "noise_part": ".."}

#: The one colour scale for mapped values (lesson 08's rates): diverging, colour-blind safe.
DIVERGING = "PuOr_r"

#: Colours with no meaning, allowed everywhere: black, white, and greys (axes, borders, grid, text).
def is_neutral(rgb) -> bool:
    """True for black, white and greys (equal red, green and blue), the colours that carry no meaning."""
    r, g, b = rgb[:3]
    return abs(r - g) < 0.02 and abs(g - b) < 0.02


#: Widest figure that shows whole in JupyterLab at 1280 × 800 with the file browser open
#: (about 910 px of output, less ipympl's margin) and on a 1024 × 768 projector: 8.5 in at 90 dpi.
MAX_WIDTH_IN = 8.5

#: Font sizes readable on a projector; applied only while a figure is built.
STYLE = {
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 14,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.facecolor": "white",   # opaque: ipympl can then send pixel diffs
    "axes.facecolor": "white",
}


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize=(8.5, 4.2), dpi: float = 90, **subplot_kw):
    """Return ``(fig, axes)`` built with the course style, not shown yet.

    The figure is created with ``plt.ioff()`` so that ipympl does not display it
    on creation: the panel decides where it appears.  Lay out the artists, then
    call :meth:`LiveFigure.freeze_layout` (the panel's ``LiveFigure`` does it) so
    no layout engine runs on a slider move.

    Raises ``ValueError`` for a figure wider than :data:`MAX_WIDTH_IN` inches at 90 dpi:
    it would be cut on the right in a learner's JupyterLab.
    """
    if figsize[0] * dpi > MAX_WIDTH_IN * 90 + 1e-9:
        raise ValueError(f"figsize must be at most {MAX_WIDTH_IN} in wide at 90 dpi ({MAX_WIDTH_IN * 90:.0f} px) so the "
                         f"figure shows whole in JupyterLab at 1280 x 800; got {figsize[0]} in at {dpi} dpi")
    with building():
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize, dpi=dpi, layout="constrained", **subplot_kw)
    canvas = fig.canvas
    # ipympl's Canvas widget: a clean figure without the toolbar's pan/zoom (which
    # would move the axes under a cached background) and without the header.
    for attr, value in (("header_visible", False), ("toolbar_visible", False), ("resizable", False)):
        if hasattr(canvas, attr):
            setattr(canvas, attr, value)
    return fig, axes


@contextmanager
def building():
    """Context for building a panel: the course style (fonts are fixed when an
    artist is created) and pyplot's interactive mode off (ipympl must not show
    the figure on creation; the panel decides where it appears)."""
    with plt.ioff(), plt.rc_context(STYLE):
        yield


class LiveFigure:
    """A figure whose *moving* artists are redrawn in place by blitting.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    moving : list of Artist
        The artists a slider move changes; everything else is background.

    Notes
    -----
    The moving artists (those inside an axes) are flagged ``animated``: a change
    to them then does not mark the figure stale, so an interactive session
    (``%matplotlib widget`` turns pyplot's interactive mode on) does not ask the
    browser for a full redraw on every move — without the flag each
    ``set_data`` triggered ``draw_idle`` and ipympl redrew the whole figure
    behind the blit.

    Every full draw (the first one, a resize, a DPI change, a redraw requested
    by the browser) ends with a ``draw_event``; this object then copies the
    freshly drawn figure as the background (animated artists are left out of a
    full draw) and draws the moving artists on top, so a full draw still shows
    everything and the background is never stale.  ``refresh()`` restores that
    background, draws only the moving artists (in z-order) and calls
    ``canvas.blit``; with ipympl that sends one PNG of the changed pixels.
    ``savefig`` (and the static PNG that ipympl embeds for an HTML export) draws
    animated axes artists itself, so saved figures show them too.
    """

    def __init__(self, figure, moving):
        self.figure = figure
        self.moving = sorted(moving, key=lambda a: a.get_zorder())
        for a in self.moving:
            if getattr(a, "axes", None) is not None:   # a figure-level artist would vanish from savefig
                a.set_animated(True)
        self._background = None
        self._renderer = None
        canvas = figure.canvas
        if hasattr(canvas, "syncing_data_url"):
            # ipympl, before the browser has connected, copies every frame into the widget's
            # `_data_url` as bare base64 (no "data:" prefix): the browser then starts from a
            # broken image and the figure can stay blank after Run All.  The static PNG of an
            # HTML export does not come from there (ipympl makes it with savefig on display).
            canvas.syncing_data_url = False
        self.freeze_layout()
        self._cid = figure.canvas.mpl_connect("draw_event", self._on_draw)

    def freeze_layout(self) -> None:
        """Run the layout engine once, then switch it off (no layout on a slider move)."""
        engine = self.figure.get_layout_engine()
        if engine is not None:
            engine.execute(self.figure)
            self.figure.set_layout_engine("none")

    def _draw_moving(self) -> None:
        for a in self.moving:
            if a.get_visible():
                self.figure.draw_artist(a)

    def _on_draw(self, event) -> None:
        """After a full draw: keep it as the background, then add the moving artists."""
        canvas = event.canvas
        self._background = None
        if any(getattr(a, "figure", None) is None for a in self.moving):
            # the figure was cleared under us: these artists are gone, stop following it
            canvas.mpl_disconnect(self._cid)
            self.moving = []
            return
        if canvas is not self.figure.canvas or canvas.is_saving() or not hasattr(canvas, "copy_from_bbox"):
            return   # savefig (maybe at another dpi) draws the animated artists itself
        self._renderer = canvas.get_renderer()
        self._background = canvas.copy_from_bbox(self.figure.bbox)
        self._draw_moving()

    def refresh(self) -> None:
        """Redraw the moving artists over the cached background and push the pixels."""
        canvas = self.figure.canvas
        if not hasattr(canvas, "copy_from_bbox"):   # a backend without blitting: plain draw
            canvas.draw_idle()
            return
        if self._background is None or canvas.get_renderer() is not self._renderer:
            canvas.draw()   # full draw: _on_draw captures the background and adds the moving artists
            return
        canvas.restore_region(self._background)
        self._draw_moving()
        canvas.blit(self.figure.bbox)


def arrows(ax, n: int, *, color, lw: float = 2.0, **kwargs) -> LineCollection:
    """Add ``n`` straight segments (raw value → shrunken value), updated with :func:`set_arrows`."""
    coll = LineCollection(np.zeros((n, 2, 2)), colors=color, linewidths=lw, **kwargs)
    ax.add_collection(coll)
    return coll


def segments(x0, y0, x1, y1) -> np.ndarray:
    """Segments from (x0, y0) to (x1, y1) as the (n, 2, 2) array a LineCollection takes."""
    return np.stack([np.column_stack([x0, y0]), np.column_stack([x1, y1])], axis=1)


def set_arrows(coll: LineCollection, x0, y0, x1, y1) -> None:
    """Move the segments of ``coll`` to run from (x0, y0) to (x1, y1) (arrays of one length)."""
    coll.set_segments(segments(x0, y0, x1, y1))


def readout(ax, x: float, y: float, labels, widest, *, ha: str = "left", **text_kw):
    r"""A boxed readout: one label per line, static, beside a column of values that moves.

    Text is the costly part of a slider move (matplotlib lays out and renders every glyph
    of a moving text, and parses a changed mathtext line again), so only the values are
    redrawn: the labels (mathtext allowed) and the box are background.

    Parameters
    ----------
    ax : Axes
    x, y : float
        Where the box's text sits, in axes coordinates (bottom edge; left or right edge by ``ha``).
    labels : list of str
        One per line, e.g. ``["$w$ =", "mean error, all:"]``.
    widest : list of str
        Per line, the widest value it can show (e.g. ``"+0.00"``): sizes the box and the column.
    ha : {'left', 'right'}
    **text_kw
        Passed to every text (``fontsize`` …).

    Returns
    -------
    Text
        The values, right-aligned in their column: list it among the panel's moving
        artists and set it with ``set_text("\\n".join(values))``.
    """
    labels, widest = list(labels), list(widest)
    # the box: labels with their widest values, drawn in no colour; it fixes the box and the column
    frame = ax.text(x, y, "\n".join(f"{lab} {w}" for lab, w in zip(labels, widest)), transform=ax.transAxes,
                    va="bottom", ha=ha, color="none", bbox=dict(fc="white", ec="0.7"), **text_kw)
    ax.annotate("\n".join(labels), xy=(0, 0), xycoords=frame, va="bottom", ha="left", **text_kw)
    return ax.annotate("\n".join(widest), xy=(1, 0), xycoords=frame, va="bottom", ha="right",
                       multialignment="right", **text_kw)
