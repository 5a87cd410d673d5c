"""Every panel shows whole where learners and lecturers open it (issue 12 point 17).

JupyterLab in a 1280 × 800 window with the file browser open (a learner's laptop) and in a
1024 × 768 window (a lecture-hall projector): after Run All on a notebook of every panel,
each figure's canvas must lie inside its cell's output area, not cut on the right.
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


@pytest.mark.parametrize("viewport, file_browser", [((1280, 800), True), ((1024, 768), False)],
                         ids=["laptop-1280x800-file-browser", "projector-1024x768"])
def test_every_panel_fits_its_output_area(playwright_session, chromium, lab_server, viewport, file_browser):
    nb_path, n_panels = ld.all_panels_notebook()
    with ld.open_browser(playwright_session, chromium, viewport=viewport) as context:
        context.set_default_timeout(60_000)
        lab = ld.LabPage(context, lab_server)
        try:
            lab.open(nb_path)
            side = lab.page.locator("#filebrowser")
            if side.is_visible() != file_browser:          # the left sidebar: open it or close it
                lab.page.locator('.jp-SideBar.jp-mod-left [data-id="filebrowser"]').first.click()
                lab.page.wait_for_timeout(500)
            assert lab.page.locator("#filebrowser").is_visible() == file_browser
            lab.run_all()
            lab.wait_figures(n_panels)
            boxes = lab.page.evaluate(JS_BOXES)
        finally:
            lab.page.close()
            ld.shutdown_kernels(lab_server)
    assert len(boxes) >= n_panels
    cut = [(i, round(b["canvas_right"] - b["out_right"])) for i, b in enumerate(boxes)
           if b["canvas_right"] > b["out_right"] + 1 or b["canvas_left"] < b["out_left"] - 1]
    assert not cut, (f"at {viewport[0]}x{viewport[1]} (file browser {'open' if file_browser else 'closed'}) "
                     f"figure(s) stick out of their output area by (index, px): {cut}")
