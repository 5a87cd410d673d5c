"""Every panel shows whole where learners and lecturers open it (issue 12 point 17).

JupyterLab in a 1280 × 800 window with the file browser open (a learner's laptop) and in a
1024 × 768 window (a lecture-hall projector): after Run All on a notebook of every panel,
each figure's canvas must lie inside its cell's output area, not cut on the right.

The notebook runs once (``panels_page``); each window size is then set on the same page and
JupyterLab lays it out again.  The kernel never learns the window's size (a figure's size is
the panel's own), so this is the layout a fresh Run All in that window gets, for half the time.
"""
from __future__ import annotations

import pytest

import labdriver as ld

pytestmark = pytest.mark.browser

JS_BOXES = """() => [...document.querySelectorAll('.jp-OutputArea-output .jupyter-matplotlib-figure')].map(f => {
  const c = f.querySelector('canvas'), out = f.closest('.jp-OutputArea-output');
  const a = c.getBoundingClientRect(), b = out.getBoundingClientRect();
  return {canvas_left: a.left, canvas_right: a.right, out_left: b.left, out_right: b.right, width: a.width};
})"""


@pytest.fixture(scope="module")
def panels_page(playwright_session, chromium, lab_server):
    """JupyterLab with the every-panel notebook run to the end: (page, number of panels)."""
    nb_path, n_panels = ld.all_panels_notebook()
    with ld.open_browser(playwright_session, chromium, viewport=(1280, 800)) as context:
        context.set_default_timeout(60_000)
        lab = ld.LabPage(context, lab_server)
        try:
            lab.open(nb_path)
            lab.run_all()
            lab.wait_figures(n_panels)
            yield lab.page, n_panels
        finally:
            lab.page.close()
            ld.shutdown_kernels(lab_server)


def show_file_browser(page, shown: bool) -> None:
    """Open or close JupyterLab's left sidebar (the file browser)."""
    if page.locator("#filebrowser").is_visible() != shown:
        page.locator('.jp-SideBar.jp-mod-left [data-id="filebrowser"]').first.click()
        page.wait_for_timeout(500)
    assert page.locator("#filebrowser").is_visible() == shown


@pytest.mark.parametrize("viewport, file_browser", [((1280, 800), True), ((1024, 768), False)],
                         ids=["laptop-1280x800-file-browser", "projector-1024x768"])
def test_every_panel_fits_its_output_area(panels_page, viewport, file_browser):
    page, n_panels = panels_page
    page.set_viewport_size({"width": viewport[0], "height": viewport[1]})
    show_file_browser(page, file_browser)
    page.wait_for_timeout(500)                                  # JupyterLab's own layout pass
    assert page.evaluate("() => [innerWidth, innerHeight]") == list(viewport)
    boxes = page.evaluate(JS_BOXES)
    assert len(boxes) >= n_panels
    cut = [(i, round(b["canvas_right"] - b["out_right"])) for i, b in enumerate(boxes)
           if b["canvas_right"] > b["out_right"] + 1 or b["canvas_left"] < b["out_left"] - 1]
    assert not cut, (f"at {viewport[0]}x{viewport[1]} (file browser {'open' if file_browser else 'closed'}) "
                     f"figure(s) stick out of their output area by (index, px): {cut}")
