"""widgets.Slider / Panel and the plots building blocks, on a tiny panel built here."""
from __future__ import annotations

import ipywidgets as ipw
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from blupteach import plots
from blupteach.widgets import Panel, Slider, make_controls


# ---------------------------------------------------------------------------
# Slider
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(min=0, max=1, default=0.5, scale="logit"), r"^scale must be 'linear', 'log' or 'int'; got 'logit'"),
        (dict(min=0, max=1, default=2), r"^default must lie in \[min, max\] = \[0, 1\]; got 2"),
        (dict(min=5, max=1, default=3), r"^default must lie in \[min, max\]"),
        (dict(min=0, max=10, default=1, scale="log"), r"^a log slider needs min > 0; got 0"),
        (dict(min=-1, max=10, default=1, scale="log"), r"^a log slider needs min > 0; got -1"),
    ],
)
def test_slider_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Slider(**kwargs)


def test_slider_widgets():
    w = Slider(1, 50, 5, scale="int", label="$n$").widget("n")
    assert isinstance(w, ipw.IntSlider) and (w.min, w.max, w.value, w.step) == (1, 50, 5, 1)
    assert w.description == "$n$"
    w = Slider(1.0, 400.0, 25.0, scale="log").widget("sigma_b2")
    assert isinstance(w, ipw.FloatLogSlider)
    assert (w.min, w.max, w.base) == pytest.approx((0.0, np.log10(400.0), 10))
    assert w.value == pytest.approx(25.0)
    assert w.description == "sigma_b2", "without a label the slider shows its name"
    w = Slider(0.5, 0.99, 0.95, step=0.01).widget("level")
    assert isinstance(w, ipw.FloatSlider) and w.step == pytest.approx(0.01) and w.value == pytest.approx(0.95)


def test_make_controls_calls_back_with_name_and_value():
    seen = []
    controls = make_controls({"n": Slider(1, 9, 2, scale="int"), "lam": Slider(0.1, 10, 1, scale="log")},
                             lambda name, value: seen.append((name, value)))
    controls["n"].value = 7
    controls["lam"].value = 2.0
    assert seen == [("n", 7), ("lam", 2.0)]


# ---------------------------------------------------------------------------
# Panel, on a one-line figure
# ---------------------------------------------------------------------------
SPEC = {"a": Slider(0.0, 2.0, 1.0, label="$a$"), "n": Slider(1, 10, 3, scale="int", label="$n$")}
X = np.linspace(0, 1, 20)


def tiny_panel(name="tiny", calls=None, **initial):
    with plots.building():
        fig, ax = plots.new_figure(figsize=(4, 3))
        ax.set(xlim=(0, 1), ylim=(0, 25), xlabel="x", ylabel="y")
        (line,) = ax.plot([], [], color=plots.COLORS["partial_pooling"])
        label = ax.text(0.1, 20, "")

    def draw(a, n):
        if calls is not None:
            calls.append((a, n))
        if a < 0.01:
            raise ValueError("a must be >= 0.01 in this test")
        line.set_data(X, a * n * X)
        label.set_text(f"a·n = {a * n:.2f}")

    return (Panel(fig, draw, SPEC, [line, label], name=name, initial=initial,
                  describe=lambda a, n: f"a line of slope a·n = {a * n:g} for a = {a:g}, n = {n}"), line, label)


def test_panel_starts_at_defaults_or_initial():
    p, line, _ = tiny_panel()
    assert p.values == {"a": 1.0, "n": 3}
    np.testing.assert_allclose(line.get_ydata(), 3 * X)
    p, line, label = tiny_panel(n=5)
    assert p.values == {"a": 1.0, "n": 5} and label.get_text() == "a·n = 5.00"


def test_panel_update_keeps_other_values_and_moves_controls():
    p, line, label = tiny_panel()
    assert p.update(a=2.0) == {"a": 2.0, "n": 3}
    np.testing.assert_allclose(line.get_ydata(), 6 * X)
    assert p.controls["a"].value == 2.0 and p.controls["n"].value == 3
    assert p.reset() == {"a": 1.0, "n": 3}


def test_panel_update_unknown_key_raises():
    p, _, _ = tiny_panel()
    with pytest.raises(ValueError, match=r"^tiny\.update got unknown parameter\(s\) \['b', 'sigma'\]; expected some of \['a', 'n'\]"):
        p.update(b=1, sigma=2)
    assert p.values == {"a": 1.0, "n": 3}, "a rejected update must change nothing"


def test_moving_a_control_updates_once():
    calls = []
    p, line, _ = tiny_panel(calls=calls)
    calls.clear()
    p.controls["n"].value = 8
    assert calls == [(1.0, 8)], "one slider move = one draw, and update's own control sync must not echo"
    np.testing.assert_allclose(line.get_ydata(), 8 * X)


def test_callback_errors_are_reported_not_swallowed(capsys):
    p, _, _ = tiny_panel()
    with pytest.raises(ValueError, match="a must be >= 0.01"):
        p.controls["a"].value = 0.0
    assert "ValueError: a must be >= 0.01 in this test" in capsys.readouterr().out


def test_rebuilding_a_panel_of_the_same_name_closes_the_old_figure():
    first, _, _ = tiny_panel(name="same")
    other, _, _ = tiny_panel(name="other")
    second, _, _ = tiny_panel(name="same")
    assert not plt.fignum_exists(first.figure.number)
    assert plt.fignum_exists(second.figure.number) and plt.fignum_exists(other.figure.number)


def test_static_display_bundle_names_the_values():
    p, _, _ = tiny_panel(n=4)
    bundle = p._controls_bundle()
    assert "tiny" in bundle["text/plain"] and "n = 4" in bundle["text/plain"] and "a = 1" in bundle["text/plain"]
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"]


# ---------------------------------------------------------------------------
# plots: LiveFigure and the building blocks
# ---------------------------------------------------------------------------
def test_live_figure_blits_and_keeps_layout_frozen():
    p, line, label = tiny_panel()
    assert p.figure.get_layout_engine() is None or type(p.figure.get_layout_engine()).__name__ == "PlaceHolderLayoutEngine"
    assert line.get_animated() and label.get_animated(), "moving artists are animated (no stale → draw_idle)"
    p.figure.canvas.draw()
    full = np.asarray(p.figure.canvas.buffer_rgba()).copy()
    p.update(a=0.5)
    p.update(a=1.0)   # back to the drawn state, by blitting only
    np.testing.assert_array_equal(np.asarray(p.figure.canvas.buffer_rgba()), full)


def test_live_figure_refresh_after_a_resize_redraws_fully():
    p, line, _ = tiny_panel()
    p.figure.set_size_inches(5, 3)   # new renderer size: the old background must not be reused
    p.update(a=1.5)
    blitted = np.asarray(p.figure.canvas.buffer_rgba()).copy()
    assert blitted.shape[:2] == (270, 450)
    p.figure.canvas.draw()
    np.testing.assert_array_equal(np.asarray(p.figure.canvas.buffer_rgba()), blitted)


def test_live_figure_survives_a_cleared_figure():
    p, _, _ = tiny_panel()
    p.figure.clear()
    p.figure.canvas.draw()   # the old artists are gone: nothing to draw, no error
    assert p.live.moving == []


def test_savefig_shows_the_moving_artists(tmp_path):
    p, line, _ = tiny_panel()
    p.update(a=2.0, n=10)
    p.figure.canvas.draw()
    shown = np.asarray(p.figure.canvas.buffer_rgba()).copy()
    path = tmp_path / "panel.png"
    p.figure.savefig(path, dpi=p.figure.dpi)
    saved = (plt.imread(path) * 255).round().astype(np.uint8)
    assert saved.shape == shown.shape
    # savefig draws animated artists in z-order among the others (a spine may cover a
    # line's first pixel); on screen they sit on top: allow those few edge pixels
    differ = np.any(saved != shown, axis=2).mean()
    assert differ < 1e-4, f"savefig differs from the live figure in {differ:.3%} of pixels"
    line.set_visible(False)
    p.figure.canvas.draw()
    without_line = np.asarray(p.figure.canvas.buffer_rgba())
    assert np.any(saved != without_line, axis=2).sum() > 100, "the saved figure lacks the moving line"


def test_building_restores_rc_params():
    before = dict(matplotlib.rcParams)
    with plots.building():
        assert matplotlib.rcParams["font.size"] == plots.STYLE["font.size"]
        assert not matplotlib.is_interactive()
    assert dict(matplotlib.rcParams) == before


def test_palette_is_okabe_ito():
    assert set(plots.COLORS.values()) <= set(plots.OKABE_ITO.values())
    assert plots.OKABE_ITO["orange"] == "#E69F00" and plots.OKABE_ITO["blue"] == "#0072B2"


def test_readout_moves_only_the_values_inside_its_box():
    """plots.readout: labels and box are background; the values text (the one artist to move) fits the box."""
    fig, ax = plots.new_figure(figsize=(4, 3))
    before = len(ax.texts)
    values = plots.readout(ax, 0.05, 0.05, ["$w$ =", "mean error:"], ["0.00", "+00.00"], fontsize=12)
    assert len(ax.texts) == before + 3, "box text, labels and values"
    values.set_text("0.50\n+12.34")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    frame = next(t for t in ax.texts if t.get_bbox_patch() is not None)
    box, inside = frame.get_bbox_patch().get_window_extent(renderer), values.get_window_extent(renderer)
    assert box.x0 < inside.x0 and inside.x1 < box.x1 and box.y0 < inside.y0 and inside.y1 < box.y1
    labels = next(t for t in ax.texts if t.get_text() == "$w$ =\nmean error:")
    assert inside.x0 > labels.get_window_extent(renderer).x1, "the values sit right of the labels"
    plt.close(fig)


def test_arrows_move_to_the_given_segments():
    fig, ax = plots.new_figure(figsize=(3, 3))
    coll = plots.arrows(ax, 3, color=plots.COLORS["partial_pooling"])
    assert len(coll.get_segments()) == 3
    plots.set_arrows(coll, [1, 2, 3], [0, 0, 0], [4, 5, 6], [1, 1, 1])
    np.testing.assert_array_equal(coll.get_segments()[1], [[2, 0], [5, 1]])


@pytest.mark.parametrize("spec", [
    Slider(1.0, 400.0, 25.0, scale="log"),
    Slider(0.5, 50.0, 4.0, scale="log", step=0.02),
    Slider(1.0, 200.0, 100.0, scale="log"),
    Slider(0.5, 0.99, 0.95, step=0.013),
    Slider(0.0, 3.0, 1.7),
])
def test_default_lies_on_the_slider_grid(spec):
    """The browser snaps a value to min + k·step: the default must be a grid point,
    or the figure first shown at 25 is redrawn at 25.1 as soon as the page draws the slider."""
    w = spec.widget("x")
    if spec.scale == "log":
        k = (np.log10(spec.default) - w.min) / w.step
    else:
        k = (spec.default - w.min) / w.step
    assert abs(k - round(k)) < 1e-9, f"default {spec.default} is {k:.4f} steps from min"
    assert w.value == pytest.approx(spec.default)
    requested = spec.step or ((w.max - w.min) / 100)
    assert w.step == pytest.approx(requested, rel=0.1), "the step stays close to the one asked for"



def test_choice_is_a_dropdown_or_buttons_over_positions():
    import ipywidgets as ipw
    from blupteach.widgets import Choice
    drop = Choice(0, 2, 1, scale="int", label="column", options=("a", "b", "c")).widget("col")
    assert isinstance(drop, ipw.Dropdown) and drop.value == 1 and [v for _, v in drop.options] == [0, 1, 2]
    buttons = Choice(0, 1, 0, scale="int", label="model", options=("raw", "adjusted"), buttons=True).widget("m")
    assert isinstance(buttons, ipw.ToggleButtons) and buttons.value == 0
    with pytest.raises(ValueError, match="options must name every position 0..2; got 2 options"):
        Choice(0, 2, 0, scale="int", options=("a", "b"))


# -- accessibility (issue 18) ------------------------------------------------------------
def test_spoken_names_say_the_symbols_in_words():
    from blupteach.accessible import spoken
    assert spoken(r"noise $\sigma_\varepsilon^2$") == "noise sigma epsilon squared"
    assert spoken(r"$\hat\beta_0$") == "beta hat 0"
    s = Slider(1, 100, 25, scale="log", label=r"between $\sigma_b^2$", words="between-patient variance")
    assert s.accessible_name("sigma_b2") == "between-patient variance sigma b squared"
    assert Slider(1, 9, 5, label="readings $n$").accessible_name("n") == "readings n"


def test_describe_puts_the_text_in_the_static_images_alt():
    from blupteach.accessible import PLACEHOLDER, _with_alt, describe, description_of
    fig, _ = plots.new_figure(figsize=(4, 3))
    with pytest.raises(ValueError, match="text must say"):
        describe(fig, PLACEHOLDER)
    with pytest.raises(ValueError, match="text must say"):
        describe(fig, "  ")
    assert description_of(describe(fig, "a line  of slope 2")) == "a line of slope 2"
    data, meta = _with_alt({"text/html": "<div><img src='data:x' width=4/></div>", "image/png": "AAAA"}, 'a "line"')
    assert '<img alt="a &quot;line&quot;" src=' in data["text/html"] and meta["image/png"]["alt"] == 'a "line"'


def test_panel_rejects_a_missing_description():
    with plots.building():
        fig, ax = plots.new_figure(figsize=(4, 3))
    with pytest.raises(ValueError, match="describe must be a function"):
        Panel(fig, lambda a, n: None, SPEC, [], name="no_text", describe="a figure")
