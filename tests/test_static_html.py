"""``make html`` (``tools/build_html.py``) writes pages whose panels are pictures, and an index.

Every lesson's own pages are checked by ``lesson.ipynb::static HTML shows every panel`` (added
after nbval's cells by ``tests/conftest.py``): it converts the lesson's second run with the same
exporter settings, so no lesson is executed again here.  This file checks the rest of
``make html`` on a throwaway one-panel notebook (the nbconvert command line with
``tools/html_config.json``: a plain ``nbconvert --to html`` would leave only a widget placeholder)
and the index over the real lessons (built without executing them).
"""

from __future__ import annotations

import re

import nbformat
import pytest

import build_html
import labdriver as ld
from _notebook_runs import PLACEHOLDER, images_without_description, panel_cells_without_image

LESSONS = ld.panel_lessons()


@pytest.mark.notebooks          # executes a (throwaway) notebook
def test_build_html_shows_a_panel_as_a_picture(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# A panel"),
        nbformat.v4.new_code_cell("%matplotlib widget\nimport blupteach as bt"),
        nbformat.v4.new_code_cell("bt.panels.shrinkage_weight()"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "one_panel.ipynb")
    page = build_html.build_one(tmp_path / "one_panel.ipynb", tmp_path / "html").read_text(encoding="utf-8")
    shown, problems = panel_cells_without_image(nb, page, "one_panel.ipynb")
    assert shown == 1 and not problems, problems
    # offline (issue 18): no script from another host; MathJax from the copy beside the page
    assert re.findall(r'<script[^>]*\bsrc="[a-z]+:', page) == [], "the page loads a script from another host"
    assert re.search(r'<script[^>]*\bsrc="mathjax/tex-chtml-full.js"', page), "the page does not load MathJax from mathjax/"


def test_an_image_without_description_is_reported():
    """The lessons' check flags nbconvert's placeholder alt (a figure that says nothing), and only that."""
    cell = nbformat.v4.new_code_cell("fig.canvas")
    cell.id = "c1"
    nb = nbformat.v4.new_notebook(cells=[cell])
    bare = f'<div id="cell-id=c1"><img src="data:image/png;base64,AAAA" alt="{PLACEHOLDER}"></div>'
    described = '<div id="cell-id=c1"><img src="data:image/png;base64,AAAA" alt="w against n"></div>'
    assert images_without_description(nb, bare, "x.ipynb") and "'fig.canvas'" in images_without_description(nb, bare, "x.ipynb")[0]
    assert images_without_description(nb, described, "x.ipynb") == []


def test_index_links_every_lesson(tmp_path):
    assert LESSONS, "no lesson in lessons/ calls bt.panels"
    index = build_html.write_index(build_html.lessons(), tmp_path).read_text(encoding="utf-8")
    for lesson in build_html.lessons():
        assert f'href="{lesson.stem}.html"' in index, f"index.html does not link {lesson.stem}.html"
        assert build_html.title_of(lesson) != lesson.stem, f"{lesson.name} has no title heading for the index"
