"""Every live panel works in a real browser: JupyterLab + Debian's Chromium, driven by playwright.

For each lesson whose code calls ``bt.panels.`` (and for a notebook showing every factory in
``bt.panels``): open it fresh, Run All Cells, wait for the ipympl figures, then press a key on
each slider of each panel and check that

* the slider's readout label (its value as the learner reads it) changed,
* the figure's canvas pixels changed (the kernel redrew and the frontend received it),
* nothing says "Error displaying widget" / "Click to show javascript error",
* the browser console logged no error.

nbval cannot see any of this: a missing ipympl frontend or a broken draw callback passes
nbval and shows a dead or blank figure to a learner.
"""

from __future__ import annotations

import pytest

import labdriver as ld

pytestmark = pytest.mark.browser

LESSONS = ld.panel_lessons()


def _move_and_check(lab, figure, slider, where: str) -> float:
    """Press a key on ``slider``; assert value, readout and pixels changed. Returns ms to new pixels."""
    value0, readout0 = ld.state_of(slider)
    handle = slider.locator(".noUi-handle[role=slider]").first
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    key = "ArrowLeft" if at_max else "ArrowRight"
    try:
        ms = lab.timed_move(figure, slider, key, timeout=15_000)
    except Exception as exc:  # playwright's TimeoutError: say what a learner would see
        pytest.fail(f"{where}: moving the slider ({readout0!r} → {ld.state_of(slider)[1]!r}) "
                    f"did not change the figure's pixels within 15 s ({type(exc).__name__})")
    value1, readout1 = ld.state_of(slider)
    # (aria-valuenow of a log slider is its rounded exponent: one step may not change it)
    assert readout1 != readout0, (f"{where}: the readout label stayed {readout0!r} after {key} "
                                  f"(aria-valuenow {value0} → {value1})")
    return ms


def check_notebook_live(lab, nb_path: str, min_figures: int = 1) -> list[float]:
    """Open, run all, and drive every slider of every panel of one notebook."""
    lab.open(nb_path)
    lab.run_all()
    assert not lab.widget_errors(), f"{nb_path}: the page shows {lab.widget_errors()}"
    lab.wait_figures(min_figures)
    figures = lab.figures()
    n_fig = figures.count()
    assert n_fig >= min_figures, f"{nb_path}: {n_fig} live figure(s) shown, expected at least {min_figures}"
    latencies, with_sliders = [], 0
    for i in range(n_fig):
        fig = figures.nth(i)
        lab.wait_drawn(fig)
        sliders = lab.sliders(fig)
        if sliders.count():
            with_sliders += 1
        for j in range(sliders.count()):
            latencies.append(_move_and_check(lab, fig, sliders.nth(j), f"{nb_path} figure {i} slider {j}"))
    assert with_sliders >= 1, f"{nb_path}: no figure has sliders next to it (expected a live panel)"
    assert not lab.widget_errors(), f"{nb_path}: after moving sliders the page shows {lab.widget_errors()}"
    assert not lab.errors, f"{nb_path}: browser console errors: {lab.errors}"
    return latencies


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_panels_live(lab, lesson):
    check_notebook_live(lab, str(lesson.relative_to(ld.ROOT)))


def test_every_package_panel_live(lab):
    nb_path, n_panels = ld.all_panels_notebook()
    assert n_panels >= 1, "bt.panels exports no factory"
    check_notebook_live(lab, nb_path, min_figures=n_panels)
