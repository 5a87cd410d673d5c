"""Every live panel, headless on Agg: built once, updated in place, never cleared.

Generic tests run over every no-argument factory in ``blupteach.panels.__all__``,
so a panel added later is tested without editing this file.  For each panel and
slider values drawn from each slider's range (fixed seed, plus the ends):

- ``update(**p)`` keeps the same figure, the same axes and the same artists
  (identity and count): nothing is cleared or added;
- the controls follow ``update``; the picture changes when the values do;
- the blitted picture equals a full redraw at the same values (the live pattern
  shows exactly what a static export shows);
- in interactive mode (as under ``%matplotlib widget``) a move causes no full
  redraw.

The lesson-02 panel is checked against the package functions (C4, C3).
"""
from __future__ import annotations

import inspect

import matplotlib
import matplotlib.colors
import matplotlib.pyplot as plt
import numpy as np
import pytest

import blupteach as bt
from blupteach.plots import COLORS
from blupteach.widgets import Panel

MOVES = 4   # random moves per panel, besides the slider ends


def _no_required_args(func) -> bool:
    return all(p.default is not inspect.Parameter.empty or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
               for p in inspect.signature(func).parameters.values())


FACTORIES = [name for name in bt.panels.__all__ if _no_required_args(getattr(bt.panels, name))]


def test_panels_export_factories_or_static_figures():
    """The panels package holds no-argument panel factories (and ``*_figure`` static helpers)."""
    assert {"shrinkage_weight", "pooling"} <= set(FACTORIES)
    others = sorted(set(bt.panels.__all__) - set(FACTORIES))
    assert all(name.endswith("_figure") for name in others), (
        f"{others}: a panel factory must be callable with no arguments (defaults = the lesson's)")


def test_no_factory_shadows_a_module():
    """``bt.panels.<name>`` is always a factory: no module of the package bears a factory's name."""
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules(bt.panels.__path__)}
    assert not modules & set(bt.panels.__all__), f"factories hiding their module: {sorted(modules & set(bt.panels.__all__))}"
    assert all(callable(getattr(bt.panels, name)) for name in bt.panels.__all__)


def slider_moves(spec, k: int = MOVES, seed: int = 7) -> list[dict]:
    """All sliders at their minimum, at their maximum, then ``k`` random points of their ranges."""
    rng = np.random.default_rng(seed)

    def draw(s):
        if s.scale == "int":
            return int(rng.integers(int(s.min), int(s.max) + 1))
        if s.scale == "log":
            return float(np.exp(rng.uniform(np.log(s.min), np.log(s.max))))
        return float(rng.uniform(s.min, s.max))

    lo = {k_: (int(s.min) if s.scale == "int" else float(s.min)) for k_, s in spec.items()}
    hi = {k_: (int(s.max) if s.scale == "int" else float(s.max)) for k_, s in spec.items()}
    return [lo, hi] + [{k_: draw(s) for k_, s in spec.items()} for _ in range(k)]


def structure(fig):
    """Identity of the figure's axes and of every axes' and the figure's children."""
    return [id(fig)] + [[id(a) for a in ax.get_children()] for ax in fig.axes] + [[id(a) for a in fig.get_children()]]


def pixels(fig) -> np.ndarray:
    return np.asarray(fig.canvas.buffer_rgba()).copy()


@pytest.fixture(scope="module", params=FACTORIES)
def panel(request):
    """One panel per factory for the whole module (building is the slow part); each test sets its values."""
    p = getattr(bt.panels, request.param)()
    p.opened_at = dict(p.values)
    p.figure.canvas.draw()
    yield p
    plt.close(p.figure)


def test_factory_returns_a_panel(panel):
    assert isinstance(panel, Panel)
    assert isinstance(panel.figure, matplotlib.figure.Figure)
    assert set(panel.controls) == set(panel.spec), "one control per slider of the spec"
    assert panel.opened_at == {k: s.default for k, s in panel.spec.items()}, "a panel opens at its sliders' defaults"
    for name, s in panel.spec.items():
        assert s.label, f"slider {name!r} has no label (show the symbol)"
    for ax in panel.figure.axes:
        if ax.get_visible() and ax.axison and ax.has_data():
            assert ax.get_xlabel() or ax.get_ylabel() or ax.get_title(), "every data axes is labelled"


def test_update_changes_artists_in_place(panel):
    before = structure(panel.figure)
    n_artists = len(panel.figure.findobj())
    previous = pixels(panel.figure)
    changed = 0
    for p in slider_moves(panel.spec):
        values = panel.update(**p)
        assert values == {**values, **p}
        for k, v in p.items():
            assert panel.controls[k].value == pytest.approx(v, rel=1e-9), f"control {k} did not follow update"
        assert structure(panel.figure) == before, "update added, removed or replaced artists (cleared?)"
        now = pixels(panel.figure)
        changed += not np.array_equal(now, previous)
        previous = now
    assert len(panel.figure.findobj()) == n_artists
    assert changed >= MOVES, "moving the sliders did not change the picture"


def test_blit_equals_full_redraw(panel):
    """What a slider move shows (blit) is what a full draw at the same values shows."""
    for p in slider_moves(panel.spec, k=2, seed=11)[1:]:
        panel.update(**p)
        blitted = pixels(panel.figure)
        panel.figure.canvas.draw()
        full = pixels(panel.figure)
        diff = np.any(blitted != full, axis=2)
        assert not diff.any(), (f"the live figure and a full redraw differ in {int(diff.sum())} pixels at {p}: "
                                "an artist that update changes is missing from the panel's moving list")


def test_no_full_redraw_per_move_in_interactive_mode(panel, monkeypatch):
    """Under ``%matplotlib widget`` pyplot is interactive: a move must not trigger draw_idle/draw."""
    canvas = panel.figure.canvas
    panel.update(**slider_moves(panel.spec, k=1)[2])   # background in place
    calls = []
    monkeypatch.setattr(canvas, "draw", lambda *a, **k: calls.append("draw"))
    monkeypatch.setattr(canvas, "draw_idle", lambda *a, **k: calls.append("draw_idle"))
    was = matplotlib.is_interactive()
    matplotlib.interactive(True)
    try:
        for p in slider_moves(panel.spec, k=2, seed=5):
            panel.update(**p)
    finally:
        matplotlib.interactive(was)
    assert calls == [], f"a slider move asked for a full redraw ({calls[:3]}...): it should only blit"


def test_update_rejects_unknown_names(panel):
    with pytest.raises(ValueError, match=r"update got unknown parameter\(s\) \['nope'\]"):
        panel.update(nope=1)


# ---------------------------------------------------------------------------
# lesson 02: the artists show the package's numbers (C4, C3)
# ---------------------------------------------------------------------------
def shrinkage_artists(p):
    import blupteach.panels.shrinkage as mod

    ax_w, ax_p = p.figure.axes[:2]
    moving = set(map(id, p.live.moving))
    curve = [a for a in ax_w.get_lines() if id(a) in moving and len(a.get_xdata()) == len(mod.N_GRID)]
    you = [a for a in ax_w.get_lines() if id(a) in moving and len(a.get_xdata()) == 1]
    named = [c for c in ax_w.collections if id(c) in moving]
    blue = matplotlib.colors.to_rgba(COLORS["partial_pooling"])
    blups = [c for c in ax_p.collections if id(c) in moving and len(c.get_offsets()) == len(mod.ROWS)
             and not hasattr(c, "get_segments") and tuple(c.get_facecolor()[0]) == blue]
    segs = [c for c in ax_p.collections if id(c) in moving and hasattr(c, "get_segments")]
    texts = [t.get_text() for t in ax_w.texts + ax_p.texts if id(t) in moving]
    assert len(curve) == len(you) == len(named) == len(blups) == len(segs) == 1, "the lesson-02 panel changed shape"
    return mod, curve[0], you[0], named[0], blups[0], segs[0], texts


@pytest.mark.parametrize("n, sigma_b2, sigma_e2", [(5, 25.0, 100.0), (1, 1.0, 400.0), (50, 400.0, 1.0), (13, 7.5, 60.0)])
def test_shrinkage_panel_shows_the_package_numbers(n, sigma_b2, sigma_e2):
    p = bt.panels.shrinkage_weight()
    p.update(n=n, sigma_b2=sigma_b2, sigma_e2=sigma_e2)
    mod, curve, you, named, blups, segs, texts = shrinkage_artists(p)
    np.testing.assert_array_equal(curve.get_xdata(), mod.N_GRID)
    np.testing.assert_allclose(curve.get_ydata(), bt.shrinkage_weight(mod.N_GRID, sigma_b2, sigma_e2), rtol=1e-12)
    w_you = bt.shrinkage_weight(n, sigma_b2, sigma_e2)
    np.testing.assert_allclose(np.c_[you.get_xdata(), you.get_ydata()], [[n, w_you]], rtol=1e-12)
    alice_bob = np.array(list(mod.PATIENTS.values()), dtype=float)
    np.testing.assert_allclose(named.get_offsets(),
                               np.c_[alice_bob, bt.shrinkage_weight(alice_bob, sigma_b2, sigma_e2)], rtol=1e-12)
    rows_n = np.r_[alice_bob, n]
    pooled = bt.partial_pooling(np.full(3, mod.RAW_MEAN), rows_n, mod.MU, sigma_b2, sigma_e2)
    np.testing.assert_allclose(blups.get_offsets()[:, 0], pooled, rtol=1e-12)
    np.testing.assert_allclose([s[-1, 0] for s in segs.get_segments()], pooled, rtol=1e-12)
    np.testing.assert_allclose([s[0, 0] for s in segs.get_segments()], mod.RAW_MEAN)
    assert any(f"w = {w_you:.3f}" in t for t in texts), f"the readout does not show w = {w_you:.3f}: {texts}"


def test_shrinkage_panel_alice_is_pulled_harder_than_bob():
    """C7 in the picture: with the same raw mean, Alice (n = 2) lands nearer μ than Bob (n = 20)."""
    p = bt.panels.shrinkage_weight()
    mod, *_, blups, _segs, _ = shrinkage_artists(p)
    x_alice, x_bob = blups.get_offsets()[:2, 0]
    assert abs(x_alice - mod.MU) < abs(x_bob - mod.MU)


def test_rebuilding_a_panel_closes_the_old_figure():
    first = bt.panels.shrinkage_weight()
    second = bt.panels.shrinkage_weight()
    assert not plt.fignum_exists(first.figure.number), "re-running a panel cell must not pile up figures"
    assert plt.fignum_exists(second.figure.number)


# -- accessibility (issue 18): a text alternative at the defaults, spoken slider names --------
def _mentions(text: str, slider, value) -> bool:
    """Whether ``text`` states ``value`` of ``slider`` (an option's name for a Choice)."""
    if getattr(slider, "options", ()):
        return str(slider.options[int(value)]) in text
    forms = {f"{value:g}", f"{value:.3g}", f"{value:.2f}", f"{value:.0%}", f"{value:.1%}"}
    return any(f in text for f in forms)


def test_panel_describes_what_it_shows_at_its_defaults(panel):
    panel.reset()
    text = panel.description
    assert len(text) > 60 and bt.accessible.PLACEHOLDER not in text, f"{panel.name}: {text!r}"
    missing = [k for k, s in panel.spec.items() if not _mentions(text, s, s.default)]
    assert not missing, f"{panel.name}'s description does not state its default {missing}: {text!r}"
    other = slider_moves(panel.spec, k=1)[-1]
    panel.update(**other)
    assert panel.description != text, f"{panel.name}'s description does not follow the sliders"
    panel.reset()


def test_every_slider_has_a_spoken_name(panel):
    for name, w in panel.controls.items():
        said = w.accessible_name
        assert said and "$" not in said and "\\" not in said, f"{panel.name} slider {name!r}: {said!r}"
        assert bt.widgets.aria_class(said) in w._dom_classes, f"{panel.name} slider {name!r} is not tagged"


# -- colour (issue 18): one palette, and series told apart without colour ---------------------
PALETTE = [matplotlib.colors.to_rgb(c) for c in COLORS.values()]


def _rgba(colours) -> list:
    arr = matplotlib.colors.to_rgba_array(colours) if len(np.shape(colours)) > 1 or not isinstance(colours, str) \
        else matplotlib.colors.to_rgba_array([colours])
    return [tuple(c) for c in arr if c[3] > 0]


def artist_colours(fig) -> list[tuple[str, tuple]]:
    """(what, rgba) for every colour any artist of ``fig`` draws with; a colour-mapped collection gives its map."""
    out = []
    for a in fig.findobj():
        if getattr(getattr(a, "axes", None), "_colorbar", None) is not None:
            continue    # a colour bar's patches (its "over" arrow) belong to its colour map
        what = f"{type(a).__name__} {a.get_label()!r}"
        if isinstance(a, matplotlib.lines.Line2D):
            cols = [a.get_color(), a.get_markerfacecolor(), a.get_markeredgecolor()]
            cols = [c for c in cols if not (isinstance(c, str) and c in ("none", "None", "auto"))]
        elif isinstance(a, matplotlib.collections.Collection):
            if a.get_array() is not None:
                out.append((what, a.get_cmap().name))
                continue
            cols = [*a.get_facecolors(), *a.get_edgecolors()]
        elif isinstance(a, matplotlib.patches.Patch):
            cols = [a.get_facecolor(), a.get_edgecolor()]
        elif isinstance(a, matplotlib.text.Text):
            cols = [a.get_color()] if a.get_text().strip() else []
        else:
            continue
        out += [(what, c) for col in cols for c in _rgba(col if not isinstance(col, tuple) else [col])]
    return out


def _in_palette(rgba) -> bool:
    return bt.plots.is_neutral(rgba) or any(np.allclose(rgba[:3], p, atol=0.01) for p in PALETTE)


def test_panel_uses_only_palette_colours(panel):
    panel.reset()
    bad = set()
    for what, c in artist_colours(panel.figure):
        if isinstance(c, str):
            if not c.startswith(bt.plots.DIVERGING):
                bad.add((what, c))
        elif not _in_palette(c):
            bad.add((what, matplotlib.colors.to_hex(c)))
    assert not bad, f"{panel.name} draws with colours outside plots.COLORS (and greys): {sorted(bad)[:8]}"


def _luma(rgb) -> float:
    return 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]


def _series(ax) -> list[tuple[tuple, tuple, str]]:
    """(look apart from colour, rgb, label) of each line and scatter with data in ``ax``."""
    out = []
    for line in ax.get_lines():
        if line.get_visible() and len(line.get_xdata()):
            out.append(((line.get_linestyle(), str(line.get_marker())), matplotlib.colors.to_rgb(line.get_color()),
                        line.get_label()))
    for coll in ax.collections:
        if isinstance(coll, matplotlib.collections.PathCollection) and coll.get_visible() and len(coll.get_offsets()):
            face = coll.get_facecolors()
            if len(face) and coll.get_array() is None:
                shape = tuple(np.round(coll.get_paths()[0].vertices, 2).ravel()) if coll.get_paths() else ()
                out.append((("scatter", shape), tuple(face[0][:3]), coll.get_label()))
    return out


def test_series_that_differ_by_colour_also_differ_in_greyscale_or_shape(panel):
    panel.reset()
    clash = []
    for ax in panel.figure.axes:
        series = _series(ax)
        for i, (look_a, rgb_a, lab_a) in enumerate(series):
            for look_b, rgb_b, lab_b in series[i + 1:]:
                if look_a == look_b and not np.allclose(rgb_a, rgb_b, atol=0.01) and abs(_luma(rgb_a) - _luma(rgb_b)) < 0.15:
                    clash.append(f"{lab_a!r} ({matplotlib.colors.to_hex(rgb_a)}) and {lab_b!r} "
                                 f"({matplotlib.colors.to_hex(rgb_b)}): same {look_a[0]} style")
    assert not clash, f"{panel.name}: in greyscale these look alike (add a marker or line style): {clash}"


def test_palette_gives_each_colour_one_meaning():
    by_colour = {}
    for key, c in COLORS.items():
        by_colour.setdefault(matplotlib.colors.to_hex(c), []).append(key)
    shared = [keys for keys in by_colour.values() if len(keys) > 1 and tuple(sorted(keys)) not in
              {tuple(sorted(p)) for p in bt.plots.SAME_MEANING}]
    assert not shared, f"one colour, several meanings in plots.COLORS: {shared}"


def test_static_figures_name_colours_only_from_the_palette():
    """Every ``*_figure`` (and live panel) names its colours from plots.COLORS: a literal is a neutral grey."""
    import pathlib
    import re

    literal = re.compile(r"\b(?:color|colors|facecolors?|edgecolors?|mec|mfc|ecolor|fc|ec|c)=(\"[^\"]*\"|'[^']*')")
    odd = []
    for path in sorted(pathlib.Path(bt.panels.__file__).parent.glob("*.py")):
        text = path.read_text(encoding="utf-8")
        odd += [f"{path.name}: #{h}" for h in re.findall(r"#([0-9a-fA-F]{6})\b", text)]
        for value in literal.findall(text):
            v = value.strip("'\"")
            if v != "none" and not bt.plots.is_neutral(matplotlib.colors.to_rgb(v)):
                odd.append(f"{path.name}: {v}")
    assert not odd, f"colours named outside plots.COLORS: {odd}"
