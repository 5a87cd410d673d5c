r"""Slider specs turned into ipywidgets controls wired to a panel's ``update``.

A panel declares its sliders once, as a dict whose keys are the keywords of its
update function::

    SPEC = {
        "n":        Slider(1, 50, 5, step=1, label="$n$"),
        "sigma_b2": Slider(0.05, 20, 1.0, scale="log", label=r"$\sigma_b^2$"),
        "sigma_e2": Slider(0.05, 20, 4.0, scale="log", label=r"$\sigma_\varepsilon^2$"),
    }

:class:`Panel` builds the controls from that spec, calls ``update(**values)``
when one moves, and shows the figure.  Where widgets cannot render (an HTML
export, a plain viewer) the figure still appears, at the default values.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

import ipywidgets as ipw
import matplotlib.pyplot as plt
from IPython.display import display

from .accessible import aria_bundle, describe, spoken
from .plots import LiveFigure

__all__ = ["Slider", "Choice", "make_controls", "Panel"]


@dataclass(frozen=True)
class Slider:
    r"""One slider: range, default, scale and the symbol it shows.

    Parameters
    ----------
    min, max, default : float
    step : float, optional
        Step of a linear slider (integers when ``scale='int'``).
    scale : {'linear', 'log', 'int'}
        ``'log'`` moves in equal ratios (good for variances), ``'int'`` in whole numbers.
    label : str
        What the learner sees, e.g. ``r"$\sigma_b^2$"`` (rendered by MathJax).
    words : str, optional
        What a screen reader says before the symbol, when the label's own words are too terse:
        ``words="between-patient variance"`` with ``label=r"between $\sigma_b^2$"`` is read
        "between-patient variance sigma b squared" (see :attr:`accessible_name`).
    """

    min: float
    max: float
    default: float
    step: float | None = None
    scale: str = "linear"
    label: str = ""
    words: str = ""

    def __post_init__(self):
        if self.scale not in ("linear", "log", "int"):
            raise ValueError(f"scale must be 'linear', 'log' or 'int'; got {self.scale!r}")
        if not (self.min <= self.default <= self.max):
            raise ValueError(f"default must lie in [min, max] = [{self.min}, {self.max}]; got {self.default}")
        if self.scale == "log" and self.min <= 0:
            raise ValueError(f"a log slider needs min > 0; got {self.min}")

    def accessible_name(self, name: str) -> str:
        """The slider's name in words: ``words`` then the label's symbols spoken (the label alone without ``words``)."""
        said = spoken(self.label or name)
        if not self.words:
            return said
        symbols = spoken(" ".join(re.findall(r"\$[^$]*\$", self.label)))
        return f"{self.words} {symbols}".strip()

    def widget(self, name: str):
        """The ipywidgets slider for this spec (not yet wired), tagged with :func:`aria_class`."""
        return _tagged(self._widget(name), self.accessible_name(name))

    def _widget(self, name: str):
        common = dict(description=self.label or name, continuous_update=True,
                      style={"description_width": "initial"}, layout=ipw.Layout(width="420px"))
        if self.scale == "int":
            return ipw.IntSlider(value=int(self.default), min=int(self.min), max=int(self.max),
                                 step=int(self.step or 1), **common)
        if self.scale == "log":
            lo, hi = math.log10(self.min), math.log10(self.max)
            step = _anchored_step(lo, hi, math.log10(self.default), self.step)
            return ipw.FloatLogSlider(value=self.default, base=10, min=lo, max=hi,
                                      step=step, readout_format=".3g", **common)
        step = _anchored_step(self.min, self.max, self.default, self.step)
        return ipw.FloatSlider(value=self.default, min=self.min, max=self.max,
                               step=step, readout_format=".3g", **common)


@dataclass(frozen=True)
class Choice(Slider):
    """A pick among named options; its value is the option's position (0, 1, ...).

    Shown as a dropdown, or as toggle buttons with ``buttons=True`` (two or three short
    options).  Give ``min=0``, ``max=len(options) - 1``, ``scale="int"`` as for a slider, so
    tests and benchmarks can step through the positions like any other control.
    """

    options: tuple = ()
    buttons: bool = False

    def __post_init__(self):
        super().__post_init__()
        if len(self.options) != int(self.max) - int(self.min) + 1:
            raise ValueError(f"options must name every position {int(self.min)}..{int(self.max)}; "
                             f"got {len(self.options)} options")

    def _widget(self, name: str):
        """A ``Dropdown`` (or ``ToggleButtons``) whose values are the positions."""
        kind = ipw.ToggleButtons if self.buttons else ipw.Dropdown
        return kind(options=[(str(lab), k) for k, lab in enumerate(self.options)], value=int(self.default),
                    description=self.label or name, style={"description_width": "initial"})


def aria_class(accessible_name: str) -> str:
    """The DOM class that carries ``accessible_name`` to the browser (:func:`accessible.aria_bundle`)."""
    return "bt-aria-" + hashlib.sha1(accessible_name.encode()).hexdigest()[:12]


def _tagged(widget, accessible_name: str):
    widget.add_class(aria_class(accessible_name))
    widget.accessible_name = accessible_name
    return widget


def _anchored_step(lo: float, hi: float, default: float, step: float | None) -> float:
    """A step close to ``step`` (default: 1/100 of the range) that puts ``default`` on the grid lo + k·step.

    The browser snaps a slider's value to that grid: with a default off the grid,
    25 became 25.1 the first time the page drew the slider, and the figure with it.
    """
    step = step or (hi - lo) / 100
    k = round((default - lo) / step)
    return (default - lo) / k if k > 0 else step


def make_controls(spec: dict, on_change) -> dict:
    """Return ``{name: slider}`` for ``spec``; each move calls ``on_change(name, value)``."""
    controls = {}
    for name, s in spec.items():
        w = s.widget(name)
        w.observe(lambda change, name=name: on_change(name, change["new"]), names="value")
        controls[name] = w
    return controls


class Panel:
    """A live figure with its sliders.

    Parameters
    ----------
    figure : Figure
        Built once by the panel factory (``plots.new_figure``).
    draw : callable
        ``draw(**values)`` sets the artists' data for the given slider values and
        touches nothing else (no globals, no widgets, no clearing).
    spec : dict
        Slider spec: keys are ``draw``'s keywords.
    moving : list of Artist
        The artists ``draw`` changes (redrawn by blitting).
    name : str
        The factory's name.  Building a panel of the same name again closes the
        previous figure, so re-running a cell does not pile up figures.
    initial : dict, optional
        Starting values (defaults: each slider's default).
    describe : callable
        ``describe(**values)`` returns one or two sentences saying what the figure shows at
        those values, with its numbers (``"w against n for σ_b² = 25, σ_ε² = 100; Alice at
        0.33, Bob at 0.83"``): the static image's text alternative and the live canvas's
        accessible name (:mod:`blupteach.accessible`).

    Attributes
    ----------
    figure, controls (dict name → slider), values (dict of current values),
    output (an ``ipywidgets.Output`` where callback errors are shown).
    """

    _live: dict = {}

    def __init__(self, figure, draw, spec, moving, *, name: str, describe, initial: dict | None = None):
        if not callable(describe):
            raise ValueError(f"describe must be a function of the slider values; got {describe!r}")
        old = Panel._live.pop(name, None)
        if old is not None and old is not figure:
            plt.close(old)
        Panel._live[name] = figure
        self.name = name
        self.figure = figure
        self.spec = dict(spec)
        self._draw = draw
        self._describe = describe
        self.live = LiveFigure(figure, moving)
        self.values = self._defaults()
        self.output = ipw.Output()
        self._syncing = False
        self.controls = make_controls(self.spec, self._on_change)
        self.update(**(initial or {}))

    # -- driving the figure -------------------------------------------------
    def update(self, **params):
        """Set some slider values (the rest keep theirs), redraw in place; returns ``self.values``."""
        unknown = set(params) - set(self.spec)
        if unknown:
            raise ValueError(f"{self.name}.update got unknown parameter(s) {sorted(unknown)}; "
                             f"expected some of {list(self.spec)}")
        self.values.update(params)
        self._draw(**self.values)
        self.live.refresh()
        self._sync_controls(params)
        return dict(self.values)

    def _sync_controls(self, params):
        self._syncing = True
        try:
            for k, v in params.items():
                if self.controls[k].value != v:
                    self.controls[k].value = v
        finally:
            self._syncing = False

    def _on_change(self, name, value):
        if self._syncing:
            return
        with self.output:   # ipympl would swallow a callback's exception: show it here
            try:
                self.update(**{name: value})
            except Exception as exc:
                print(f"{type(exc).__name__}: {exc}")
                raise

    def _defaults(self) -> dict:
        return {k: s.default for k, s in self.spec.items()}

    @property
    def description(self) -> str:
        """What the figure shows at the current values, in words (its text alternative)."""
        return self._describe(**self.values)

    def reset(self):
        """Back to the default values."""
        return self.update(**self._defaults())

    # -- showing it ------------------------------------------------------------
    def _controls_bundle(self):
        box = ipw.HBox(list(self.controls.values()), layout=ipw.Layout(flex_flow="row wrap"))
        summary = ", ".join(f"{k} = {v:.4g}" if isinstance(v, float) else f"{k} = {v}" for k, v in self.values.items())
        text = f"[{self.name}: live sliders in JupyterLab; figure shown at {summary}]"
        return _widget_bundle(box, text, f"<p><em>{text}</em></p>")

    def _aria_names(self) -> dict:
        """DOM class → accessible name, for each control and the live canvas."""
        names = {aria_class(w.accessible_name): w.accessible_name for w in self.controls.values()}
        canvas = self.figure.canvas
        if isinstance(canvas, ipw.DOMWidget):
            canvas._dom_classes = tuple(c for c in canvas._dom_classes if not c.startswith("bt-aria-"))
            text = self.description
            canvas.add_class(aria_class(text))
            names[aria_class(text)] = text
        return names

    def _ipython_display_(self):
        describe(self.figure, self.description)   # the static image's alt, at the values shown
        display(self._controls_bundle(), raw=True)
        canvas = self.figure.canvas
        if isinstance(canvas, ipw.DOMWidget):
            display(aria_bundle(self._aria_names()), raw=True)
            display(canvas)        # ipympl: live canvas, plus a PNG (with its alt) for HTML exports
        else:
            display(self.figure)   # a static backend: the figure at its current values
            print("(Static figure: run `%matplotlib widget` before building the panel for live sliders.)")
        # the error area: live in JupyterLab, nothing at all in a static page (not "Output()")
        display(_widget_bundle(self.output, "", ""), raw=True)


def _widget_bundle(widget, text: str, html: str) -> dict:
    """A raw display bundle: ``widget`` live in JupyterLab, ``text``/``html`` where widgets cannot render."""
    return {
        "text/plain": text,
        "text/html": html,
        "application/vnd.jupyter.widget-view+json": {"version_major": 2, "version_minor": 0,
                                                     "model_id": widget.model_id},
    }
