"""Every live panel works in a real browser: JupyterLab + Debian's Chromium, driven by playwright.

For each lesson whose code calls ``bt.panels.`` (and for a notebook showing every factory in
``bt.panels``): open it fresh, Run All Cells, wait for the ipympl figures, then press a key on
each slider of each panel and check that

* the slider's readout label (its value as the learner reads it) changed,
* the figure's canvas pixels changed (the kernel redrew and the frontend received it),
* nothing says "Error displaying widget" / "Click to show javascript error",
* the browser console logged no error.

Keyboard (issue 18): on the first slider of each lesson, Tab moves the focus onto the slider's
handle and an arrow key changes the figure, with no mouse.  Accessibility: one lesson
(``AXE_LESSON``), once its sliders have moved, is audited with axe-core over its own content
(rendered prose and outputs, ``axe_audit.LAB_CONTENT``): no violation of impact "critical" or
"serious" (every slider named, contrast, images described).

Each dropdown of a panel (an ipywidgets ``Dropdown``: lesson 07's subject, lesson 11's columns)
is driven the same way: choose another option, then the first one again; each choice must
change the canvas pixels and leave no traceback in the panel's cell.  A figure counts as a
live panel when sliders or dropdowns sit next to it.

nbval cannot see any of this: a missing ipympl frontend or a broken draw callback passes
nbval and shows a dead or blank figure to a learner.
"""

from __future__ import annotations

import os
import warnings

import pytest

import axe_audit as ax
import labdriver as ld

pytestmark = pytest.mark.browser

# Lesson 11 runs in test_own_data_upload.py, which drives its dropdowns after an upload:
# running it here too cost a minute of make test for nothing more.
LESSONS = [p for p in ld.panel_lessons() if p.stem != "11_your_own_data"]
AXE_LESSON = "02_shrinkage_weight"    # the lesson audited with axe-core in JupyterLab (two panels, six sliders)


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


def tab_and_arrow(lab, figure, slider, where: str) -> float:
    """Tab onto ``slider``'s handle (from the slider's own box), press an arrow: the figure must change. Returns ms."""
    handle = slider.locator(".noUi-handle[role=slider]").first
    slider.evaluate("el => { el.tabIndex = -1; el.focus(); }")      # a start just before the handle
    lab.page.keyboard.press("Tab")
    slider.evaluate("el => el.removeAttribute('tabindex')")
    assert handle.evaluate("h => h === document.activeElement"), (
        f"{where}: Tab did not move the focus onto the slider's handle (a keyboard user cannot reach it)")
    at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
    figure.evaluate(ld.JS_ARM)
    lab.page.keyboard.press("ArrowLeft" if at_max else "ArrowRight")
    try:
        changed = lab.page.wait_for_function(ld.JS_CHANGED, arg=figure.element_handle(), polling="raf", timeout=15_000)
    except Exception as exc:   # playwright's TimeoutError
        pytest.fail(f"{where}: an arrow key on the Tab-focused slider did not change the figure within 15 s "
                    f"({type(exc).__name__})")
    return float(changed.json_value())


def audit_lab(lab, nb_path: str) -> None:
    """axe-core over the notebook's own content in JupyterLab: no critical or serious violation."""
    why = ax.missing_axe()
    if why and os.environ.get("CI") != "true":     # a laptop without npm: say so, drive the sliders anyway
        warnings.warn(f"the axe-core audit of {nb_path} in JupyterLab was NOT run: {why}")
        return
    assert why is None, why
    found = ax.audit(lab.page, ax.LAB_CONTENT)
    print(f"axe-core in JupyterLab, {nb_path}, elements by impact: {ax.by_impact(found)}")
    assert not ax.blocking(found), f"{nb_path} in JupyterLab:\n" + "\n".join(ax.blocking(found))


def cell_traceback(lab, figure) -> str:
    """The panel cell's output text when it shows a Python traceback (a callback that raised), else ''."""
    text = "\n".join(lab.cell_of(figure).locator(".jp-OutputArea-output").all_text_contents())
    return text[-1500:] if "Traceback" in text else ""


def choose_and_check(lab, figure, select, index: int, where: str) -> float:
    """Choose option ``index`` of dropdown ``select``; assert it took and the pixels changed. Returns ms."""
    before = ld.selected_of(select)
    try:
        ms = lab.timed_select(figure, select, index, timeout=15_000)
    except Exception as exc:  # playwright's TimeoutError
        pytest.fail(f"{where}: choosing option {index} ({before[2]!r} → {ld.selected_of(select)[2]!r}) "
                    f"did not change the figure's pixels within 15 s ({type(exc).__name__})")
    after = ld.selected_of(select)
    assert after[0] == index, f"{where}: the dropdown shows option {after[0]} ({after[2]!r}), not {index}"
    assert not lab.widget_errors(), f"{where}: after choosing {after[2]!r} the page shows {lab.widget_errors()}"
    assert not cell_traceback(lab, figure), f"{where}: choosing {after[2]!r} raised:\n{cell_traceback(lab, figure)}"
    return ms


def _drive_dropdown(lab, figure, select, where: str) -> list[float]:
    """Choose another option of ``select`` (the next one, else the previous), then the first again."""
    index0, n_options, label0 = ld.selected_of(select)
    assert n_options >= 2, f"{where}: the dropdown offers {n_options} option(s) ({label0!r}): nothing to choose"
    other = index0 + 1 if index0 + 1 < n_options else index0 - 1
    return [choose_and_check(lab, figure, select, other, where),
            choose_and_check(lab, figure, select, index0, where + " (back)")]


def check_notebook_live(lab, nb_path: str, min_figures: int = 1, *, keyboard: bool = False,
                        audit: bool = False) -> list[float]:
    """Open, run all, and drive every slider and dropdown of every panel of one notebook.

    ``keyboard``: the first slider is also reached with Tab and moved by an arrow key;
    ``audit``: axe-core checks the notebook's content at the end (:func:`audit_lab`).
    """
    lab.open(nb_path)
    lab.run_all()
    assert not lab.widget_errors(), f"{nb_path}: the page shows {lab.widget_errors()}"
    lab.wait_figures(min_figures)
    figures = lab.figures()
    n_fig = figures.count()
    assert n_fig >= min_figures, f"{nb_path}: {n_fig} live figure(s) shown, expected at least {min_figures}"
    latencies, with_controls = [], 0
    for i in range(n_fig):
        fig = figures.nth(i)
        lab.wait_drawn(fig)
        sliders, dropdowns = lab.sliders(fig), lab.dropdowns(fig)
        if sliders.count() or dropdowns.count():
            with_controls += 1
        if keyboard and sliders.count():
            latencies.append(tab_and_arrow(lab, fig, sliders.first, f"{nb_path} figure {i} slider 0 (keyboard)"))
            keyboard = False
        for j in range(sliders.count()):
            latencies.append(_move_and_check(lab, fig, sliders.nth(j), f"{nb_path} figure {i} slider {j}"))
        for j in range(dropdowns.count()):
            latencies += _drive_dropdown(lab, fig, dropdowns.nth(j), f"{nb_path} figure {i} dropdown {j}")
    assert with_controls >= 1, f"{nb_path}: no figure has sliders or dropdowns next to it (expected a live panel)"
    assert not lab.widget_errors(), f"{nb_path}: after moving sliders and dropdowns the page shows {lab.widget_errors()}"
    assert not lab.errors, f"{nb_path}: browser console errors: {lab.errors}"
    assert not keyboard, f"{nb_path}: no slider to reach with the keyboard"
    if audit:
        audit_lab(lab, nb_path)
    return latencies


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_panels_live(lab, lesson):
    check_notebook_live(lab, str(lesson.relative_to(ld.ROOT)), keyboard=True, audit=lesson.stem == AXE_LESSON)


def test_every_package_panel_live(lab):
    """Every live factory must be driven in a browser: in a lesson above, or here if no lesson shows it."""
    nb_path, n_panels = ld.all_panels_notebook(unshown_only=True)
    if n_panels == 0:
        shown = ld.panels_shown_in_lessons()
        assert shown, "no lesson shows a panel: the lesson tests above drove nothing"
        return
    check_notebook_live(lab, nb_path, min_figures=n_panels)
