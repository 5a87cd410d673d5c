"""Slide rules for lecture mode (``tools/slides_metadata.py``); no browser needed."""

from __future__ import annotations

import json

import pytest

import labdriver as ld
from slides_metadata import cell_source, lecture_notebook, slide_type


def md(text, **meta):
    return {"cell_type": "markdown", "metadata": meta, "source": text}


def code(text, **meta):
    return {"cell_type": "code", "metadata": meta, "source": text, "outputs": [], "execution_count": None}


@pytest.mark.parametrize("cell, expected", [
    (md("# Lesson title\nGoal."), "slide"),
    (md("## The idea"), "slide"),
    (md("### A detail"), "subslide"),
    (md("Plain prose with $w = n\\sigma_b^2/(n\\sigma_b^2+\\sigma_\\varepsilon^2)$."), "-"),
    (code("%matplotlib widget\nimport blupteach as bt"), "skip"),
    (code("panel = bt.panels.shrinkage_weight()\npanel"), "slide"),
    (code("assert w > 0, 'C4: ...'"), "skip"),
    (code("print(w)", tags=["lecture-show"]), "-"),
    (md("## Hidden heading", tags=["lecture-skip"]), "skip"),
    (code("bt.panels.pooling()", slideshow={"slide_type": "fragment"}), "fragment"),   # the author's choice wins
])
def test_rules(cell, expected):
    assert slide_type(cell) == expected


def test_first_shown_cell_opens_a_slide_and_input_is_not_changed():
    nb = {"cells": [code("import x"), md("Intro prose."), md("## Next")], "metadata": {}, "nbformat": 4,
          "nbformat_minor": 5}
    before = json.dumps(nb, sort_keys=True)
    out = lecture_notebook(nb)
    assert json.dumps(nb, sort_keys=True) == before, "lecture_notebook mutated its input"
    assert [c["metadata"]["slideshow"]["slide_type"] for c in out["cells"]] == ["skip", "slide", "slide"]


@pytest.mark.parametrize("lesson", ld.panel_lessons(), ids=[p.stem for p in ld.panel_lessons()])
def test_lesson_lecture_shows_its_panels_and_hides_setup(lesson):
    out = lecture_notebook(json.loads(lesson.read_text(encoding="utf-8")))
    kinds = [(c["cell_type"], cell_source(c), c["metadata"]["slideshow"]["slide_type"]) for c in out["cells"]]
    panels = [k for t, s, k in kinds if t == "code" and ld.PANEL_CALL.search(s)]
    assert panels and all(k != "skip" for k in panels), f"{lesson.name}: a panel cell is hidden from the lecture"
    setup = [k for t, s, k in kinds if t == "code" and "%matplotlib widget" in s]
    assert setup and all(k == "skip" for k in setup), f"{lesson.name}: set-up code would show on the slides"
    assert sum(k == "slide" for *_, k in kinds) >= 3, f"{lesson.name}: fewer than 3 slides"
