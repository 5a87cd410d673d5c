"""Lecture mode in a real browser: Voilà's reveal slides of a lesson keep their panel live, offline.

``make slides LESSON=NN`` serves ``tools/slides.py``'s slide copy; this test serves the same thing
(same arguments, same template), jumps to the slide with the live figure and DRAGS a slider
(arrow keys on a focused slider would also change slides), then checks the readout and the
canvas pixels changed, the page asked nothing of any host but the local server (reveal.js and
jQuery served from build/slides: no CDN), and the console stayed clean.

Headings keep their case: reveal's white theme sets headings in capitals and MathJax's glyphs
followed it (lesson 02's "w → 1" showed as "W → 1").  Each heading formula is read back glyph by
glyph as the slide shows it (MathJax's character, after the CSS text-transform that applies) and
must be the character MathJax meant: on lesson 02's slides, and on a deck of every heading with a
formula in every lesson (one more Voilà, on a notebook of those headings only: no lesson runs).
"""

from __future__ import annotations

import contextlib
import json
import re

import nbformat
import pytest

import labdriver as ld
import slides

pytestmark = pytest.mark.browser

LESSONS = ld.panel_lessons()
# lesson 02 is the reference lecture; any lesson with a panel will do before it lands
LECTURE = next((p for p in LESSONS if p.name.startswith("02_")), LESSONS[0] if LESSONS else None)


# Every heading formula on the slides, glyph by glyph: [shown, meant].  MathJax 3 (CHTML) draws a
# glyph as its mjx-c element's ::before content, in the case the CSS text-transform gives it; the
# element's class names the character meant (mjx-c1D464: U+1D464, math italic w).
JS_HEADING_MATH = """() => [...document.querySelectorAll(
    ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map(h => '.reveal .slides ' + h).join(', '))]
  .filter(h => h.querySelector('mjx-container'))
  .map(h => [...h.querySelectorAll('mjx-container')].map(c => [...c.querySelectorAll('mjx-c')].map(g => {
      const st = getComputedStyle(g, '::before');
      let ch = st.content.replace(/^"|"$/g, '').replace(/\\\\([0-9A-Fa-f]+) ?/g,
                                                     (_, x) => String.fromCodePoint(parseInt(x, 16)));
      const tt = st.textTransform;
      if (tt === 'uppercase' || tt === 'capitalize') ch = ch.toUpperCase();
      if (tt === 'lowercase') ch = ch.toLowerCase();
      const code = [...g.classList].map(k => k.match(/^mjx-c([0-9A-F]+)$/)).find(m => m);
      return [ch, code ? String.fromCodePoint(parseInt(code[1], 16)).normalize('NFKC') : ch];
  })))"""


# Voilà 0.5's page calls window.voila_heartbeat before its own script defining it has run when the
# machine is busy (seen in CI with the hub test beside it, and on main's own template under load):
# Voilà's race, not the course's; every other page error still fails the test.
VOILA_HEARTBEAT_RACE = "voila_heartbeat is not a function"


def read_heading_math(page) -> list[list[str]]:
    """Each slide heading's formulas as shown, a list per heading; fails on a glyph in another case."""
    headings = page.evaluate(JS_HEADING_MATH)
    wrong = [(shown, meant) for h in headings for f in h for shown, meant in f if shown != meant]
    assert not wrong, f"heading formulas show other symbols than they mean (shown, meant): {wrong[:6]}"
    return [["".join(shown for shown, _ in f) for f in h] for h in headings]


@contextlib.contextmanager
def served(notebook):
    """Voilà serving ``notebook`` as ``make slides`` does, with its log in build/browser/."""
    with ld.Server("voila", root=ld.ROOT, args=slides.voila_args(notebook), env=slides.voila_env(),
                   log=ld.ROOT / "build" / "browser" / f"voila_{notebook.stem}.log", timeout=90) as server:
        yield server


@pytest.fixture
def voila_slides():
    if LECTURE is None:
        pytest.fail("no lesson with a panel (bt.panels.…) in lessons/ to present")
    with served(slides.prepare(LECTURE.stem[:2])) as server:
        yield server


HEADING = re.compile(r"^[ \t]*#{1,6}[ \t][^\n]*\$[^\n]*", re.M)   # a heading line with a formula


def heading_math_deck(path) -> tuple[object, list[str]]:
    """A notebook of every lesson heading that holds a formula, one per slide; returns (path, headings)."""
    lines = [m.group(0).strip() for lesson in sorted(ld.LESSONS.glob("[0-9][0-9]_*.ipynb"))
             for cell in json.loads(lesson.read_text(encoding="utf-8"))["cells"] if cell["cell_type"] == "markdown"
             for m in HEADING.finditer(ld.cell_source(cell))]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## " + line.lstrip("# ")) for line in lines])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    slides.fetch_assets()
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nbformat.from_dict(slides.slides_metadata.lecture_notebook(nb)), path)
    return path, lines


def test_lecture_slides_drag_slider(browser_context, voila_slides):
    page = browser_context.new_page()
    errors, foreign = [], []
    page.on("console", lambda m: errors.append(f"console.error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: None if VOILA_HEARTBEAT_RACE in str(exc) else errors.append(f"pageerror: {exc}"))
    page.on("request", lambda r: None if r.url.startswith((voila_slides.base, "blob:", "data:"))
            else foreign.append(r.url))
    try:
        page.goto(voila_slides.url(""), timeout=120_000)    # Voilà runs every cell before answering
        page.wait_for_selector(".reveal .slides > section", timeout=60_000)
        page.wait_for_function("() => document.querySelector('.jupyter-matplotlib-figure canvas')",
                               timeout=60_000)
        index = page.evaluate("""() => [...document.querySelectorAll('.reveal .slides > section')]
                                       .findIndex(s => s.querySelector('.jupyter-matplotlib-figure'))""")
        assert index >= 0, "no slide holds the live figure"
        assert page.locator(".reveal .slides > section").count() >= 3, "expected a lecture of several slides"
        page.evaluate(f"() => {{ location.hash = '#/{index}'; }}")
        section = page.locator(".reveal .slides > section").nth(index)
        page.wait_for_function("(s) => s.classList.contains('present')", arg=section.element_handle())
        # set-up code is hidden: no code input on any slide
        assert page.locator(".reveal .jp-InputArea-editor, .reveal .jp-CodeMirrorEditor").count() == 0, \
            "code input is shown on the slides"

        figure = section.locator(".jupyter-matplotlib-figure").first
        lab = ld.LabPage.__new__(ld.LabPage)      # reuse the pixel helpers on this page
        lab.page = page
        lab.wait_drawn(figure)
        slider = section.locator(".widget-slider").first
        handle = slider.locator(".noUi-handle").first
        readout0 = slider.locator(".widget-readout").inner_text()
        box = handle.bounding_box()
        assert box is not None, "the slider handle is not visible on the slide"
        figure.evaluate(ld.JS_ARM)
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 60, y, steps=6)
        page.mouse.up()
        page.wait_for_function(ld.JS_CHANGED, arg=figure.element_handle(), polling="raf", timeout=15_000)
        readout1 = slider.locator(".widget-readout").inner_text()
        assert readout1 != readout0, f"dragging the slider left its readout at {readout0!r}"
        assert page.evaluate("() => location.hash") == f"#/{index}", "the drag changed the slide"
        if LECTURE.name.startswith("02_"):
            assert ["w→1"] in read_heading_math(page), "lesson 02's heading formula w → 1 is not on its slides"
        # the keyboard (issue 18): the slide says how, and an arrow on the focused slider moves it, not the slide
        assert "Tab" in page.locator(".bt-keys").inner_text(), "the slides do not say how to move a slider by keyboard"
        handle.focus()
        figure.evaluate(ld.JS_ARM)
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(ld.JS_CHANGED, arg=figure.element_handle(), polling="raf", timeout=15_000)
        assert slider.locator(".widget-readout").inner_text() != readout1, "ArrowLeft on the slider left its readout"
        assert page.evaluate("() => location.hash") == f"#/{index}", "an arrow key on a focused slider changed the slide"
        assert not foreign, f"the slides fetched from other hosts (a CDN?): {foreign}"
        assert not errors, f"browser console errors on the slides: {errors}"
    except BaseException:
        page.screenshot(path=str(ld.ROOT / "build" / "browser" / "lecture_failure.png"))
        raise
    finally:
        page.close()


def test_every_heading_formula_keeps_its_case(browser_context):
    deck, headings = heading_math_deck(ld.ROOT / "build" / "slides" / "heading_math.ipynb")
    assert headings, "no lesson heading holds a formula: nothing to read back"
    page = browser_context.new_page()
    foreign = []
    try:
        with served(deck) as server:
            page.on("request", lambda r: None if r.url.startswith((server.base, "blob:", "data:"))
                    else foreign.append(r.url))
            page.goto(server.url(""), timeout=120_000)
            page.wait_for_selector(".reveal .slides > section", timeout=60_000)
            page.wait_for_function(f"() => document.querySelectorAll('.reveal h2 mjx-container').length >= {len(headings)}",
                                   timeout=60_000)
            shown = read_heading_math(page)
        assert not foreign, f"the slides fetched from other hosts (MathJax from a CDN?): {foreign}"
        assert len(shown) == len(headings), f"{len(shown)} of {len(headings)} heading formulas typeset: {headings}"
        if any("$w \\to 1$" in h for h in headings):      # lesson 02's, the one the issue names
            assert ["w→1"] in shown, f"lesson 02's heading reads {shown} on the slides"
    finally:
        page.close()
