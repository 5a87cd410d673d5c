"""``make pdf``'s pieces that need no browser (``tools/handout.py``); the printing itself is checked in
``tests/browser/test_offline_site.py``."""

from __future__ import annotations

import urllib.request

import nbformat
import pytest

import handout


def lesson_with(*cells) -> dict:
    nb = nbformat.v4.new_notebook(cells=list(cells))
    for i, cell in enumerate(nb.cells):
        cell.id = f"c{i}"
    return nb


def test_handout_leaves_out_what_the_slides_skip_on_purpose():
    nb = lesson_with(nbformat.v4.new_markdown_cell("# Title"),
                     nbformat.v4.new_markdown_cell("aside", metadata={"tags": ["lecture-skip"]}),
                     nbformat.v4.new_code_cell("x = 1"),
                     nbformat.v4.new_code_cell("shown", metadata={"tags": ["lecture-skip"],
                                                                  "slideshow": {"slide_type": "slide"}}),
                     nbformat.v4.new_markdown_cell("own", metadata={"slideshow": {"slide_type": "skip"}}))
    assert handout.left_out(nb) == ["c1", "c4"]
    css = handout.handout_css(nb)
    assert '[id="cell-id=c1"]' in css and '[id="cell-id=c4"]' in css and "cell-id=c0" not in css
    assert ".jp-CodeCell .jp-Cell-inputWrapper" in css, "the handout must hide code input"


def test_serve_answers_on_localhost_only(tmp_path):
    (tmp_path / "a.html").write_text("<p>hi</p>", encoding="utf-8")
    with handout.serve(tmp_path) as base:
        assert base.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(base + "a.html", timeout=10) as r:
            assert r.read() == b"<p>hi</p>"
    with pytest.raises(ValueError, match="folder"):
        with handout.serve(tmp_path / "missing"):
            pass
