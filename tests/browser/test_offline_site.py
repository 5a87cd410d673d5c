"""The static site and the PDF handouts, offline: every lesson's page in Chromium with every request
outside 127.0.0.1 refused.

The pages are ``build/test-site/<lesson>.html``: the nbval part of ``make test`` writes each
lesson's second run there with ``make html``'s settings (``tests/_notebook_runs.py``); a page that is
missing or older than its lesson is built here.  MathJax is copied beside them as ``make html``
does.  Each page must ask nothing of any other host (no CDN: no MathJax, no require.js), typeset
every formula (no ``$`` or ``\\frac`` left as text, no MathJax error) and show every figure.
Then ``make pdf``'s printing (``tools/handout.py``) writes handouts that hold the lesson's title
and a formula as text.
"""

from __future__ import annotations

import json
import re
import unicodedata

import pypdf
import pytest

import build_html
import handout
from _notebook_runs import SITE

pytestmark = pytest.mark.browser

LESSONS = build_html.lessons()
# markdown text left after MathJax, code and formulas removed: TeX that was not typeset
JS_LEFTOVER_TEX = """() => [...document.querySelectorAll('.jp-RenderedMarkdown')].map(el => {
  const c = el.cloneNode(true);
  c.querySelectorAll('code, pre, mjx-container').forEach(x => x.remove());
  return c.textContent; }).join('\\n')"""
JS_FIGURES = """() => [...document.querySelectorAll('.jp-OutputArea-output img')]
  .map(i => i.complete && i.naturalWidth > 0)"""
# the text of the first formula in the prose without scripts or fractions (so a PDF's text reads it
# in order), from MathJax's own MathML of it
JS_PLAIN_FORMULA = """() => {
  for (const c of document.querySelectorAll('.jp-RenderedMarkdown mjx-container')) {
    const mml = c.querySelector('mjx-assistive-mml');
    if (!mml || mml.querySelector('msub, msup, msubsup, mfrac, munder, mover, munderover, msqrt, mroot, mtable'))
      continue;
    const text = mml.textContent.replace(/\\s+/g, '');
    if (text.length >= 3) return text;
  }
  return null; }"""
# each code cell's first line of code and first line of output (assertion cells print "✓ …")
JS_CODE_CELLS = """() => [...document.querySelectorAll('.jp-CodeCell')].map(c => ({
  code: ((c.querySelector('.jp-InputArea-editor') || {}).innerText || '').trim().split('\\n')[0],
  out: ((c.querySelector('.jp-OutputArea-output pre') || {}).innerText || '').trim().split('\\n')[0]}))
  .filter(c => c.code.length > 12)"""
TEX_LEFT = re.compile(r"\$|\\[A-Za-z]+|\\[(\[]")
# how many lessons make test prints (each adds ~2 s); make pdf prints them all with the same code
PRINTED = [p for p in LESSONS if p.name.startswith(("02_", "11_"))] or LESSONS[:1]


@pytest.fixture
def offline_page(browser_context):
    """A new page whose requests outside 127.0.0.1 are refused: yields (page, bad requests, console errors).

    ``bad requests`` lists each refused request, and each request to 127.0.0.1 that failed, with
    why; except a font still loading when the next page was opened (``net::ERR_ABORTED``: the
    browser cancels what the page it leaves was fetching; the page it reaches loads its own).
    """
    page = browser_context.new_page()
    errors, bad_requests = [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def route(r):
        if r.request.url.startswith("http://127.0.0.1:"):
            r.continue_()
        else:
            bad_requests.append(f"refused {r.request.url}")
            r.abort()

    def failed(request):
        if request.url.startswith("http://127.0.0.1:") and request.failure != "net::ERR_ABORTED":
            bad_requests.append(f"{request.url} failed: {request.failure}")
    page.route("**/*", route)
    page.on("requestfailed", failed)
    yield page, bad_requests, errors
    page.close()


def page_problems(page, name: str) -> list[str]:
    """What keeps the open, typeset page ``name`` from reading right offline (empty when nothing)."""
    problems = []
    formulas = page.evaluate("() => document.querySelectorAll('.jp-RenderedMarkdown mjx-container').length")
    if formulas == 0:
        problems.append(f"{name}: no formula typeset in its prose")
    errors = page.evaluate("() => [...document.querySelectorAll('mjx-merror')].map(e => e.textContent)")
    if errors:
        problems.append(f"{name}: MathJax could not typeset {errors[:3]}")
    left = sorted(set(TEX_LEFT.findall(page.evaluate(JS_LEFTOVER_TEX))))
    if left:
        problems.append(f"{name}: TeX left as text in the prose: {left[:8]}")
    figures = page.evaluate(JS_FIGURES)
    if not all(figures):
        problems.append(f"{name}: {figures.count(False)} of {len(figures)} figures not shown")
    return problems


def test_every_page_typesets_and_shows_figures_offline(site, offline_page):
    assert LESSONS, "no lessons in lessons/"
    page, bad_requests, errors = offline_page
    problems, formulas = [], 0
    for lesson in LESSONS:
        try:
            formulas += handout.open_typeset(page, f"{site}{lesson.stem}.html")
        except RuntimeError as exc:
            problems.append(f"{lesson.name}: {exc}")
            continue
        problems += page_problems(page, lesson.name)
    assert not bad_requests, f"the pages asked for outside resources, or their own failed: {sorted(set(bad_requests))[:5]}"
    assert not errors, f"browser console errors on the pages: {errors[:5]}"
    assert not problems, "\n".join(problems)
    assert formulas > 10 * len(LESSONS), f"only {formulas} formulas typeset on {len(LESSONS)} pages"


def squeeze(text: str) -> str:
    """``text`` without whitespace and with ligatures split (NFKC: "ﬁ" reads "fi"), to compare with a PDF's."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def pdf_text(path) -> str:
    """A PDF's text, squeezed (pypdf's layout mode also reads MathJax's glyphs)."""
    return squeeze("".join(p.extract_text(extraction_mode="layout") for p in pypdf.PdfReader(path).pages))


@pytest.mark.parametrize("lesson", PRINTED, ids=lambda p: p.stem)
def test_handout_pdf_has_title_and_formulas(site, offline_page, lesson, tmp_path):
    page, bad_requests, _ = offline_page
    handout.open_typeset(page, f"{site}{lesson.stem}.html")
    formula = page.evaluate(JS_PLAIN_FORMULA)
    assert formula, f"{lesson.name}: no formula without scripts in its prose to look for in the PDF"
    cells = page.evaluate(JS_CODE_CELLS)
    pdf = handout.print_pdf(page, json.loads(lesson.read_text(encoding="utf-8")), tmp_path / f"{lesson.stem}.pdf")
    text = pdf_text(pdf)
    title = squeeze(build_html.title_of(lesson))
    assert title in text, f"{pdf.name}: the lesson's title {build_html.title_of(lesson)!r} is not in the PDF's text"
    assert squeeze(formula) in text, f"{pdf.name}: the formula {formula!r} is not in the PDF's text (typeset?)"
    shown_code = [c["code"] for c in cells if squeeze(c["code"]) in text]
    assert not shown_code, f"{pdf.name}: the handout shows code input: {shown_code[:2]}"
    checks = [c for c in cells if c["out"].startswith("\u2713")]
    assert checks or not lesson.name.startswith("02_"), f"{lesson.name}: no assertion cell prints a check"
    missing = [c["out"] for c in checks if squeeze(c["out"])[:40] not in text]
    assert not missing, f"{pdf.name}: assertion cells' checks missing: {missing[:2]}"
    assert not bad_requests, f"{lesson.name}: requests refused or failed: {bad_requests[:3]}"
