r"""Text alternatives for figures and spoken names for sliders: one mechanism for every panel.

A figure carries a sentence saying what it shows (written by its panel, which knows its data:
"w against n for σ_b² = 25, σ_ε² = 100; Alice at 0.33, Bob at 0.83").  :func:`describe` attaches
it; from then on the figure's display bundle (ipympl's canvas, as ``fig.canvas`` or a panel
shows it) puts it in the static image's ``alt``, which is what a reader of ``make html``'s pages
or of a notebook opened without a kernel gets, instead of nbconvert's placeholder "No
description has been provided for this image".

ipywidgets gives a slider's handle (``role="slider"``) no accessible name: its label is a
``<label>`` tied to nothing.  :func:`aria_bundle` is a small script, shown after a panel's
controls, that names each handle (and the live canvas) once the widgets render in JupyterLab:
:func:`spoken` turns the label's symbol into words, so a screen reader says "between-patient
variance sigma b squared", not "between" and silence.
"""

from __future__ import annotations

import html
import json
import re

__all__ = ["describe", "description_of", "spoken", "axes_text", "aria_bundle", "PLACEHOLDER"]

#: What nbconvert writes when an image has no alt: a description must never be this.
PLACEHOLDER = "No description has been provided for this image"

_ATTR = "_blupteach_description"

# LaTeX in a slider label -> words; order matters (longer commands first)
_GREEK = ("varepsilon", "epsilon", "sigma", "lambda", "delta", "gamma", "alpha", "beta", "theta", "tau",
          "mu", "rho", "kappa", "eta", "nu", "pi", "omega", "phi", "psi", "chi", "xi", "zeta", "iota")
_WORDS = [(r"\\hat\s*\{?\s*(\w+)\}?", r" \1 hat"), (r"\\bar\s*\{?\s*(\w+)\}?", r" \1 bar"),
          (r"\s*\^\{?2\}?", " squared"), (r"\^\{?(\w+)\}?", r" to the power \1"),
          (r"_\s*\{?\s*(\w+)\}?", r" \1"), (r"'", " prime"), (r"=", " equals "), (r"/", " over "),
          (r"\\cdot|\\times", " times "), (r"\+", " plus "), (r"-|−", " minus ")]


def spoken(label: str) -> str:
    r"""The words a screen reader should say for a label with LaTeX symbols.

    >>> spoken(r"between $\sigma_b^2$")
    'between sigma b squared'
    >>> spoken(r"heritability $h^2 = \sigma_a^2/\sigma_p^2$")
    'heritability h squared equals sigma a squared over sigma p squared'
    >>> spoken("your weight $w'$")
    'your weight w prime'
    """
    if not isinstance(label, str):
        raise ValueError(f"label must be a string; got {type(label).__name__}")

    def words(m):
        tex = m.group(1)
        for name in _GREEK:
            tex = re.sub(rf"\\{name}(?![a-zA-Z])", f" {'epsilon' if name == 'varepsilon' else name} ", tex)
        for pattern, repl in _WORDS:
            tex = re.sub(pattern, repl, tex)
        return re.sub(r"[\\{}]", " ", tex)

    text = re.sub(r"\$([^$]*)\$", words, label)
    return re.sub(r"\s+", " ", text).strip()


def describe(figure, text: str):
    """Attach ``text`` to ``figure`` as its text alternative; returns ``figure``.

    The figure's ipympl canvas then shows the text as the ``alt`` of its static image (the one
    an HTML export or a kernel-less viewer shows); other canvases keep the text for
    :func:`description_of`.

    Raises
    ------
    ValueError
        If ``text`` is empty or nbconvert's placeholder.
    """
    if not isinstance(text, str) or not text.strip() or PLACEHOLDER.lower() in text.lower():
        raise ValueError(f"text must say what the figure shows; got {text!r}")
    setattr(figure, _ATTR, " ".join(text.split()))
    canvas = figure.canvas
    original = getattr(type(canvas), "_repr_mimebundle_", None)
    if original is not None and hasattr(canvas, "model_id"):   # ipympl: a widget with a static fallback
        canvas._repr_mimebundle_ = lambda **kw: _with_alt(original(canvas, **kw), getattr(figure, _ATTR))
    return figure


def description_of(figure) -> str | None:
    """The text alternative attached by :func:`describe`, or None."""
    return getattr(figure, _ATTR, None)


def _with_alt(bundle, text: str):
    """ipympl's display bundle with ``alt`` on the ``<img>`` of its ``text/html``."""
    data, meta = bundle if isinstance(bundle, tuple) else (bundle, None)
    data = dict(data)
    if "text/html" in data:
        data["text/html"] = data["text/html"].replace("<img ", f'<img alt="{html.escape(text)}" ', 1)
    if "image/png" in data:
        meta = {**(meta or {}), "image/png": {**(meta or {}).get("image/png", {}), "alt": text}}
    return (data, meta) if meta else data


# A script shown after a panel's controls: names each slider handle and dropdown by the DOM class
# its widget carries, and the live canvas of the figure, as soon as they render (they render after
# the script runs, and again when JupyterLab re-renders an output: a MutationObserver follows).
_JS = """(function () {
  const names = %s;
  const w = window.__blupteachAria || (window.__blupteachAria = {names: {}, observer: null});
  Object.assign(w.names, names);
  function apply() {
    for (const [cls, label] of Object.entries(w.names)) {
      for (const el of document.getElementsByClassName(cls)) {
        const targets = el.querySelectorAll('.noUi-handle[role=slider], select, canvas');
        for (const t of targets) {
          if (t.tagName === 'CANVAS') { if (t.getAttribute('role') !== 'img') t.setAttribute('role', 'img'); }
          if (t.getAttribute('aria-label') !== label) t.setAttribute('aria-label', label);
        }
      }
    }
  }
  apply();
  if (!w.observer) {
    w.observer = new MutationObserver(() => { clearTimeout(w.timer); w.timer = setTimeout(apply, 50); });
    w.observer.observe(document.body, {childList: true, subtree: true});
  }
})();"""


def aria_bundle(names: dict[str, str]) -> dict:
    """A display bundle whose script gives each widget with DOM class ``cls`` the name ``names[cls]``.

    JupyterLab runs it (the output of a cell the learner ran is trusted); a static page shows
    nothing for it (its ``text/html`` is empty and comes first in ``make html``'s priority).
    """
    return {"application/javascript": _JS % json.dumps(names), "text/html": "", "text/plain": ""}


def axes_text(figure) -> str:
    """What each axes of ``figure`` plots, in words: its title, "y against x" and its legend's entries.

    The part of a static figure's description that the figure itself knows; the panel adds
    the numbers (ranges, estimates) it drew.
    """
    parts = []
    for ax in figure.axes:
        if not ax.get_visible() or not ax.axison and not ax.get_title(loc="left") + ax.get_title():
            continue
        title = spoken(" ".join(t for t in (ax.get_title(loc="left"), ax.get_title()) if t))
        x, y = spoken(ax.get_xlabel()), spoken(ax.get_ylabel())
        what = f"{y} against {x}" if x and y else (x or y)
        legend = ax.get_legend()
        keys = ", ".join(spoken(t.get_text()) for t in legend.get_texts()) if legend is not None else ""
        text = "; ".join(p for p in (title, what, keys and f"showing {keys}") if p)
        if text:
            parts.append(text)
    for legend in figure.legends:
        parts.append("key: " + ", ".join(spoken(t.get_text()) for t in legend.get_texts()))
    return ". ".join(parts) + ("." if parts else "")
