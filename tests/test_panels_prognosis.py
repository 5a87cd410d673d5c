"""Lesson 07's figures, headless (Agg): the prognosis panel shows the package's numbers; the static figures."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import blupteach as bt
from blupteach.panels.forecast import sleepstudy_prognosis
from blupteach.plots import COLORS


@pytest.fixture(scope="module")
def prog():
    return sleepstudy_prognosis()


@pytest.fixture(scope="module")
def panel(prog):
    p = bt.panels.prognosis(prog)
    p.figure.canvas.draw()
    yield p
    plt.close(p.figure)


def _lines(panel):
    ax = panel.figure.axes[0]
    return {line.get_label(): line for line in ax.get_lines()}


@pytest.mark.parametrize("k, subject", [(0, 0), (1, 4), (3, 8), (8, 17), (5, 12)])
def test_panel_draws_the_prognosis_numbers(panel, prog, k, subject):
    n_before = len(panel.figure.findobj())
    panel.update(k=k, subject=subject)
    s = list(prog.lines.index.levels[0])[subject]
    lines = _lines(panel)
    row = prog.lines.loc[(s, k)]
    blup_x, blup_y = lines["BLUP"].get_data()
    assert np.allclose(blup_y, row[("blup", "intercept")] + row[("blup", "slope")] * np.asarray(blup_x))
    pop_y = lines["population line"].get_data()[1]
    assert np.allclose(pop_y, row[("population", "intercept")] + row[("population", "slope")] * prog.times)
    own_x = lines["own line"].get_data()[0]
    assert (len(own_x) == 0) == (k == 0), "the own line is drawn exactly when it exists (k >= 1)"
    # the band polygon holds the package's lower and upper limits
    band = [p for p in panel.figure.axes[0].patches if p.get_label().startswith("95%")][0]
    xy = band.get_xy()
    _, lower, upper = prog.band[subject, k]
    assert np.allclose(xy[:10, 1], lower) and np.allclose(xy[10:20, 1], upper[::-1])
    # revealed readings: days 0..k
    seen = panel.figure.axes[0].collections[0].get_offsets()
    assert len(seen) == k + 1 and np.allclose(np.asarray(seen)[:, 0], np.arange(k + 1))
    # the readout gives this subject's day-9 errors
    text = [t for t in panel.figure.axes[0].texts if "\n" in t.get_text() and ("+" in t.get_text() or "-" in t.get_text())]
    err = prog.errors.loc[(s, k)]
    assert text and text[-1].get_text().split("\n")[0] == f"{err['blup']:+.0f}"
    assert len(panel.figure.findobj()) == n_before
    # the title names the subject and the last day revealed (a static export shows which case it is)
    assert panel.figure.axes[0].get_title() == f"subject {s}, days 0..{k} seen"


def test_panel_legend_names_the_hollow_dots(panel):
    labels = [t.get_text() for leg in panel.figure.legends for t in leg.get_texts()]
    assert "not yet revealed" in labels and "days observed" in labels


def test_panel_defaults_and_controls(panel):
    assert set(panel.spec) == {"k", "subject"}
    assert panel.controls["subject"].options[0][0] == "308"
    assert panel.figure.get_figwidth() <= 8.5


def test_score_figure_plots_the_score(prog):
    fig, ax = bt.panels.prognosis_score_figure(prog)
    score = prog.score("rmse")
    ys = {line.get_label(): line.get_ydata() for line in ax.get_lines()}
    assert np.allclose(ys["BLUP"], score["blup"]) and np.allclose(ys["population line"], score["population"])
    plt.close(fig)


def test_shrinkage_2d_figure():
    sleep = bt.datasets.load("sleepstudy")
    fit = bt.fit_lmm("Reaction ~ Days + (Days | Subject)", sleep)
    own = bt.own_lines(sleep["Reaction"], sleep["Days"], sleep["Subject"])[["intercept", "slope"]].to_numpy()
    blup = fit.fixef.to_numpy() + fit.ranef["Subject"].to_numpy()
    fig, ax = bt.panels.shrinkage_2d_figure(own, blup, fit.fixef, fit.varcorr["Subject"], labels=list(range(18)),
                                            marked=[0, 1])
    arrows = [a for a in ax.texts if a.get_text() == "" and getattr(a, "arrow_patch", None) is not None]
    assert len(arrows) == 18
    assert np.allclose([a.xy for a in arrows], blup) and np.allclose([a.xyann for a in arrows], own)
    orange = [c for c in ax.collections if matplotlib.colors.same_color(c.get_facecolor()[0], COLORS["no_pooling"])]
    assert np.allclose(orange[0].get_offsets(), own)
    assert fig.get_figwidth() <= 8.5
    plt.close(fig)


def test_subject_lines_figure_has_no_own_line_for_one_reading():
    sleep = bt.datasets.load("sleepstudy")
    fit = bt.fit_lmm("Reaction ~ Days + (Days | Subject)", sleep)
    new = pd.DataFrame({"Reaction": [250.0, 240.0, 290.0], "Days": [0, 0, 1], "Subject": ["new 1", "new 2", "new 2"]})
    everyone = pd.concat([sleep.assign(Subject=sleep["Subject"].astype(str)), new], ignore_index=True)
    fig, axes = bt.panels.subject_lines_figure(fit, everyone, t="Days", group="Subject")
    shown = [ax for ax in axes.flat if ax.get_visible()]
    assert len(shown) == 20
    colours = lambda ax: [line.get_color() for line in ax.get_lines()]
    assert COLORS["no_pooling"] not in colours(shown[18]) and COLORS["no_pooling"] in colours(shown[19])
    # the newcomer's blue line is β̂ + its conditional BLUP
    b = fit.conditional_ranef(new)["Subject"].loc["new 1"].to_numpy() + fit.fixef.to_numpy()
    blue = [line for line in shown[18].get_lines() if line.get_color() == COLORS["partial_pooling"]][0]
    x, y = blue.get_data()
    assert np.allclose(y, b[0] + b[1] * np.asarray(x))
    assert fig.get_figwidth() <= 8.5
    plt.close(fig)


def test_panel_update_is_fast(panel):
    import time
    times = []
    for k in range(9):
        for s in (0, 9, 17):
            t0 = time.perf_counter()
            panel.update(k=k, subject=s)
            times.append(time.perf_counter() - t0)
    assert np.median(times) < 0.1, f"median move {1e3 * np.median(times):.0f} ms (target 25 ms; generous for a busy CI)"
