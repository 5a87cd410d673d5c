"""Lesson 11 in a real browser: a learner uploads a small CSV, then each dropdown refits (issue 15).

After Run All on ``lessons/11_your_own_data.ipynb`` the test finds the cell with the
``FileUpload`` (the ``bt.panels.own_data()`` panel), clicks its button and answers the file
chooser with a CSV of six plots written here (ipywidgets keeps the ``<input type=file>`` out of
the page, so this is the learner's own path), and checks that the figure's pixels and the summary below it change to
the new table (its name and row count, no "Not loaded").  Then it chooses another column in each
dropdown (response, grouping column, covariate, second covariate, random slope) and checks that
the pixels and the summary change each time, that the choice was fitted (no "Not fitted"), and
that the browser console logged no error.
"""
from __future__ import annotations

import pytest

import labdriver as ld
from test_live_panels import choose_and_check

pytestmark = pytest.mark.browser

LESSON = "lessons/11_your_own_data.ipynb"
NAME = "six_plots.csv"
# dropdowns in the panel's order, and the column each one is switched to (all fit on this table)
SWITCH = {"response": "rain", "grouping column": "dose", "covariate": "rain",
          "second covariate": "dose", "random slope": "rain"}


def small_csv(path):
    """30 rows: 6 plots (text ids) × 5 rows; yield depends on the plot, rain and dose. No randomness."""
    lines = ["plot,yield,rain,dose"]
    for p in range(6):
        for r in range(5):
            rain = 20 + 7 * r + 3 * p + (r * p) % 4
            dose = r % 3
            y = 50 + 4 * (p - 2.5) + 0.3 * rain + 1.5 * dose + ((7 * r + 3 * p) % 5 - 2) * 0.8
            lines.append(f"P{p + 1},{y:.2f},{rain},{dose}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _info(cell) -> str:
    return cell.locator(".widget-html").last.text_content() or ""


def _wait_info(lab, cell, before: str, timeout: float = 15_000) -> str:
    """Wait until the panel's summary HTML differs from ``before``; return it."""
    handle = cell.locator(".widget-html").last.element_handle()
    lab.page.wait_for_function("([el, old]) => el.textContent !== old", arg=[handle, before], timeout=timeout)
    return _info(cell)


def test_lesson11_upload_and_dropdowns(lab, tmp_path):
    lab.open(LESSON)
    lab.run_all()
    assert not lab.widget_errors(), f"{LESSON}: the page shows {lab.widget_errors()}"
    lab.wait_figures(1)
    cell = lab.page.locator(".jp-NotebookPanel .jp-CodeCell").filter(has=lab.page.locator(".widget-upload"))
    assert cell.count() == 1, f"{LESSON}: {cell.count()} cell(s) with a file upload, expected the own_data panel's one"
    fig = cell.locator(".jupyter-matplotlib-figure").first
    lab.wait_drawn(fig)
    info0 = _info(cell)
    assert "Data:" in info0 and "Not fitted" not in info0, f"the panel's summary before the upload: {info0[:300]!r}"

    # -- upload --------------------------------------------------------------------------
    fig.evaluate(ld.JS_ARM)
    with lab.page.expect_file_chooser() as chooser:
        cell.locator(".widget-upload").first.click()
    chooser.value.set_files(str(small_csv(tmp_path / NAME)))
    info1 = _wait_info(lab, cell, info0)
    lab.page.wait_for_function(ld.JS_CHANGED, arg=fig.element_handle(), polling="raf", timeout=15_000)
    assert NAME in info1 and "30 rows" in info1, f"after the upload the summary says: {info1[:300]!r}"
    assert "Not loaded" not in info1 and "Not fitted" not in info1, f"the upload was refused: {info1[:400]!r}"
    lab.wait_drawn(fig)

    # -- each dropdown: another column, then back ------------------------------------------
    selects = lab.dropdowns(fig)
    assert selects.count() == len(SWITCH), f"{selects.count()} dropdown(s) next to the panel, expected {len(SWITCH)}"
    for j, (what, column) in enumerate(SWITCH.items()):
        select = selects.nth(j)
        index0, _, label0 = ld.selected_of(select)
        labels = select.evaluate("s => [...s.options].map(o => o.text)")
        assert column in labels, f"the {what} dropdown offers {labels}, not {column!r}: did the upload reach it?"
        where = f"{LESSON} own_data {what} dropdown ({label0!r} → {column!r})"
        before = _info(cell)
        choose_and_check(lab, fig, select, labels.index(column), where)
        after = _wait_info(lab, cell, before)
        assert "Not fitted" not in after, f"{where}: the summary says {after[:400]!r}"
        lab.wait_drawn(fig)
        choose_and_check(lab, fig, select, index0, where + " and back")
        lab.wait_drawn(fig)
    assert not lab.widget_errors(), f"{LESSON}: after the upload and the dropdowns the page shows {lab.widget_errors()}"
    assert not lab.errors, f"{LESSON}: browser console errors: {lab.errors}"
