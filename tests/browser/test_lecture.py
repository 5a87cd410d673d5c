"""Lecture mode in a real browser: Voilà's reveal slides of a lesson keep their panel live, offline.

``make slides LESSON=NN`` serves ``tools/slides.py``'s slide copy; this test serves the same thing
(same arguments, same template), jumps to the slide with the live figure and DRAGS a slider
(arrow keys on a focused slider would also change slides), then checks the readout and the
canvas pixels changed, the page asked nothing of any host but the local server (reveal.js and
jQuery served from build/slides: no CDN), and the console stayed clean.
"""

from __future__ import annotations

import pytest

import labdriver as ld
import slides

pytestmark = pytest.mark.browser

LESSONS = ld.panel_lessons()
# lesson 02 is the reference lecture; any lesson with a panel will do before it lands
LECTURE = next((p for p in LESSONS if p.name.startswith("02_")), LESSONS[0] if LESSONS else None)


@pytest.fixture
def voila_slides():
    if LECTURE is None:
        pytest.fail("no lesson with a panel (bt.panels.…) in lessons/ to present")
    notebook = slides.prepare(LECTURE.stem[:2])
    with ld.Server("voila", root=ld.ROOT, args=slides.voila_args(notebook), env=slides.voila_env(),
                   log=ld.ROOT / "build" / "browser" / "voila.log", timeout=90) as server:
        yield server


def test_lecture_slides_drag_slider(browser_context, voila_slides):
    page = browser_context.new_page()
    errors, foreign = [], []
    page.on("console", lambda m: errors.append(f"console.error: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
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
