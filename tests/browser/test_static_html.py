"""The static site (``make html``) shows every live panel as a picture.

Not browser-marked: it needs no browser, so ``make test`` runs it everywhere.  Marked
``notebooks`` (it executes lessons), so ``make test-notebooks`` runs it and the quick
``make test-unit`` (``-m "not browser and not notebooks"``) does not.  It runs the same
``tools/build_html.py`` as ``make html`` (nbconvert with ``tools/html_config.json``) on every
lesson that builds a panel, into a temporary folder, then reads the HTML: each code cell that
calls ``bt.panels.`` and shows output must hold at least one embedded PNG (a plain
``nbconvert --to html`` would leave only a widget placeholder there).
"""

from __future__ import annotations

import json
import re

import pytest

import build_html
import labdriver as ld
from slides_metadata import cell_source

pytestmark = [pytest.mark.slow, pytest.mark.notebooks]   # executes every panel lesson (nbconvert)

LESSONS = ld.panel_lessons()
IMG = re.compile(r"<img[^>]+src=\"data:image/png;base64,[A-Za-z0-9+/=]{200,}")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    assert build_html.main([str(p) for p in LESSONS] + ["--out", str(out)]) == 0, \
        "make html's build failed on a lesson (see the captured output)"
    return out


def cell_chunks(page: str) -> dict[str, str]:
    """HTML of each cell, keyed by cell id (nbconvert writes ``id="cell-id=<id>"``)."""
    marks = [(m.start(), m.group(1)) for m in re.finditer(r'id="cell-id=([^"]+)"', page)]
    return {cid: page[start:(marks[i + 1][0] if i + 1 < len(marks) else len(page))]
            for i, (start, cid) in enumerate(marks)}


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_html_has_an_image_per_panel(site, lesson):
    page = (site / f"{lesson.stem}.html").read_text(encoding="utf-8")
    chunks = cell_chunks(page)
    shown = 0
    for cell in json.loads(lesson.read_text(encoding="utf-8"))["cells"]:
        src = cell_source(cell)
        if cell["cell_type"] != "code" or not ld.PANEL_CALL.search(src):
            continue
        chunk = chunks.get(cell.get("id", ""))
        assert chunk is not None, f"{lesson.name}: cell {cell.get('id')} ({src.splitlines()[0]!r}) missing from the HTML"
        if "jp-OutputArea-output" not in chunk:
            continue                      # builds a panel without showing it here
        shown += 1
        assert IMG.search(chunk), (f"{lesson.name}: the panel cell {src.splitlines()[0]!r} shows no image in "
                                   f"the static HTML (a reader without a kernel sees no figure)")
    assert shown >= 1, f"{lesson.name} calls bt.panels but no panel output reached the HTML"


def test_index_links_every_lesson(site):
    index = (site / "index.html").read_text(encoding="utf-8")
    for lesson in LESSONS:
        assert f'href="{lesson.stem}.html"' in index, f"index.html does not link {lesson.stem}.html"
