"""``make pdf``: one PDF handout per lesson, printed by Debian's Chromium from the static site.

Each lesson's page of ``make html`` (figures at their default values, MathJax served beside the
pages) is opened in Chromium from a server on 127.0.0.1 with every other request refused, its
formulas typeset, and printed to ``build/pdf/<lesson>.pdf`` with a print style sheet that makes a
handout of it, by the rules that make the lecture slides (``tools/slides_metadata.py``):

* no code input: the slides show none, the handout neither;
* a code cell that prints nothing (set-up, definitions) leaves nothing;
* an assertion cell shows only what it prints, its one-line "✓ C4: …" check;
* a cell hidden from the slides on purpose (tag ``lecture-skip``, or its own
  ``slideshow.slide_type: skip``, markdown included) is left out.

nbconvert's ``webpdf`` exporter does the same print but launches Playwright's own Chromium build,
which cannot be downloaded here; this drives ``/usr/bin/chromium`` through ``tools/labdriver.py``.

Usage::

    python tools/handout.py                      # make html (execute every lesson), print each page
    python tools/handout.py lessons/02_*.ipynb   # some lessons
    python tools/handout.py --html build/html    # print the pages make html left, execute nothing
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import sys
import threading
import time
from pathlib import Path

import build_html  # siblings in tools/
import labdriver as ld
import slides_metadata

ROOT = build_html.ROOT
OUT = ROOT / "build" / "pdf"
# MathJax 3 resolves this once the page's formulas are typeset (or failed: mjx-merror) and the
# fonts they use have loaded (printing earlier, or leaving for the next page, cuts them); -1: no MathJax
JS_TYPESET = """() => (window.MathJax && MathJax.startup && MathJax.startup.promise
  ? MathJax.startup.promise.then(() => document.fonts.ready)
      .then(() => document.querySelectorAll('mjx-container').length) : -1)"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):   # no line per request on stderr
        pass


@contextlib.contextmanager
def serve(folder: Path):
    """Serve ``folder`` on 127.0.0.1 (a free port) in a thread; yields the base URL, ending in ``/``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"folder: {folder} is not a directory")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_QuietHandler, directory=str(folder)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def block_outside(context, base: str) -> list[str]:
    """Refuse every request of ``context`` that is not under ``base``; returns the list of refused URLs."""
    refused = []

    def route(r):
        url = r.request.url
        if url.startswith((base, "data:", "blob:")):
            r.continue_()
        else:
            refused.append(url)
            r.abort()

    context.route("**/*", route)
    return refused


def open_typeset(page, url: str, timeout: float = 60_000) -> int:
    """Open ``url`` in ``page`` and wait until MathJax has typeset it; returns the number of formulas.

    Raises RuntimeError naming the page when MathJax did not load (no ``mathjax/`` beside it?).
    """
    page.goto(url, wait_until="load", timeout=timeout)
    formulas = page.evaluate(JS_TYPESET)
    if formulas < 0:
        raise RuntimeError(f"{url}: MathJax did not load (is mathjax/ beside the page? refused from a CDN?)")
    return formulas


def left_out(lesson: dict) -> list[str]:
    """Ids of the cells of notebook ``lesson`` (a dict) its author hid from the slides on purpose.

    Those are the cells tagged ``lecture-skip`` or given their own ``slideshow.slide_type: skip``;
    the rule that skips every other code cell on the slides is the handout's code rule instead.
    """
    ids = []
    for cell in lesson.get("cells", []):
        meta = cell.get("metadata", {})
        own = meta.get("slideshow", {}).get("slide_type") == "skip"
        if cell.get("id") and (own or "lecture-skip" in meta.get("tags", [])) \
                and slides_metadata.slide_type(cell) == "skip":
            ids.append(cell["id"])
    return ids


def handout_css(lesson: dict) -> str:
    """The print style sheet that turns the static page of notebook ``lesson`` (a dict) into its handout."""
    rules = ["@page { margin: 14mm 12mm; }",
             ".jp-CodeCell .jp-Cell-inputWrapper, .jp-CodeCell.jp-mod-noOutputs { display: none !important; }",
             ".jp-Cell { break-inside: avoid-page; }",
             ".jp-OutputArea-output img { max-width: 100%; height: auto; }"]
    ids = left_out(lesson)
    if ids:
        rules.append(",\n".join(f'[id="cell-id={cid}"]' for cid in ids) + " { display: none !important; }")
    return "\n".join(rules)


def print_pdf(page, lesson: dict, out: Path) -> Path:
    """Print the page open in ``page`` (the static page of notebook ``lesson``) as a handout to ``out``."""
    page.add_style_tag(content=handout_css(lesson))
    page.emulate_media(media="print")
    out.parent.mkdir(parents=True, exist_ok=True)
    page.pdf(path=str(out), format="A4", print_background=True)
    return out


def chromium_or_exit() -> str:
    """Debian's Chromium, or exit with the command that installs it."""
    chromium = ld.find_chromium()
    if chromium is None:
        raise SystemExit("make pdf prints with Chromium, which is not installed "
                         "(Debian/Ubuntu: sudo apt-get install chromium)")
    return chromium


def print_lessons(html_dir: Path, lessons: list[Path], out: Path = OUT) -> list[Path]:
    """Print ``html_dir/<stem>.html`` of each lesson as ``out/<stem>.pdf``, offline; returns the PDFs."""
    from playwright.sync_api import sync_playwright

    chromium = chromium_or_exit()
    build_html.copy_mathjax(html_dir)
    written = []
    with serve(html_dir) as base, sync_playwright() as pw, ld.open_browser(pw, chromium) as context:
        refused = block_outside(context, base)
        for lesson in lessons:
            t0 = time.perf_counter()
            page = context.new_page()
            try:
                formulas = open_typeset(page, f"{base}{lesson.stem}.html")
                pdf = print_pdf(page, json.loads(lesson.read_text(encoding="utf-8")), out / f"{lesson.stem}.pdf")
            finally:
                page.close()
            written.append(pdf)
            print(f"  {pdf.relative_to(ROOT) if pdf.is_relative_to(ROOT) else pdf}  "
                  f"({formulas} formulas, {time.perf_counter() - t0:.1f} s)")
    if refused:
        print(f"note: the pages asked for {len(refused)} outside resources (refused): {refused[:3]}",
              file=sys.stderr)
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Print one PDF handout per lesson with Chromium.")
    ap.add_argument("lessons", nargs="*", type=Path)
    ap.add_argument("--html", type=Path, help="print the pages already in this folder, execute nothing")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    todo = [p.resolve() for p in args.lessons] or build_html.lessons()
    if not todo:
        print("no lessons found in lessons/")
        return 1
    chromium_or_exit()            # before executing anything
    html_dir = args.html
    if html_dir is None:          # make html's pages, built now
        html_dir = build_html.OUT
        if build_html.main([*map(str, todo), "--out", str(html_dir)]) != 0:
            return 1
    missing = [p.stem for p in todo if not (html_dir / f"{p.stem}.html").is_file()]
    if missing:
        raise SystemExit(f"--html {html_dir}: no page {missing[0]}.html (make html builds them)")
    t0 = time.perf_counter()
    written = print_lessons(html_dir, todo, args.out)
    print(f"{len(written)} handouts in {args.out} ({time.perf_counter() - t0:.1f} s to print)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
