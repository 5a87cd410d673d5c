"""Two checks per notebook that reuse nbval's run instead of executing the lesson again and again.

nbval executes each collected notebook once, cell by cell (``lesson.ipynb::Cell N``: every cell
runs top to bottom, assertion cells pass).  :func:`add_notebook_checks` appends, after a
notebook's last cell item and on the same xdist worker (``--dist loadfile`` groups by file):

``lesson.ipynb::same numbers twice``
    executes the notebook once more (nbclient) and compares what it printed with what nbval's
    run printed: stream output and ``text/plain`` results, after :func:`sanitize` removes what
    legitimately differs between runs (object addresses, kernel temp-file paths, embedded PNGs,
    widget model ids).  A notebook that draws without a seed fails here, naming the code cell.
``lesson.ipynb::static HTML shows every panel`` (notebooks that call ``bt.panels.``)
    converts that second run to HTML with ``make html``'s exporter settings
    (``tools/html_config.json``) and requires an embedded PNG in every panel cell that shows
    output: a reader without a kernel sees each figure at its default values; and no image
    anywhere with nbconvert's placeholder alt (each figure says what it shows).

The second run of each lesson is also written as its static page to ``build/test-site/`` (the same
page ``make html`` writes): the browser part reads those pages offline, prints them as handouts
(``tests/browser/test_offline_site.py``) and audits them with axe-core
(``tests/browser/test_accessibility.py``) without executing the lessons a third time.

So a lesson is executed twice in ``make test``.  ``tests/conftest.py`` calls
:func:`add_notebook_checks`; ``tests/test_notebooks.py`` proves both checks on throwaway
notebooks (they can fail).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))     # slides_metadata: one rule for "this cell builds a live panel"
from slides_metadata import PANEL_CALL, cell_source  # noqa: E402

from blupteach.accessible import PLACEHOLDER  # nbconvert's alt for an image without one  # noqa: E402

LESSONS = ROOT / "lessons"
SITE = ROOT / "build" / "test-site"   # lessons' pages of their second run, for the browser part
TIMEOUT = 600   # seconds per cell, as nbval's --nbval-cell-timeout in pyproject.toml

SANITIZE = [
    (re.compile(r" at 0x[0-9a-fA-F]+"), " at 0xADDR"),
    (re.compile(r"/tmp/ipykernel_\d+/\d+\.py"), "<kernel cell>"),
    (re.compile(r"ipykernel_\d+/\d+\.py"), "<kernel cell>"),
    (re.compile(r"data:image/png;base64,[A-Za-z0-9+/=]+"), "<png>"),
    (re.compile(r"'model_id': '[0-9a-f]+'|\"model_id\": \"[0-9a-f]+\""), "model_id"),
    (re.compile(r"\b[0-9a-f]{32}\b"), "<id>"),
]


def sanitize(text: str) -> str:
    for pattern, repl in SANITIZE:
        text = pattern.sub(repl, text)
    return text


def printed_text(nb) -> list[tuple[int, str]]:
    """(code cell number, sanitised text) of everything a reader sees as text, images left out.

    Code cells are numbered from 0, as nbval's ``::Cell N``.
    """
    out = []
    code_cells = (c for c in nb.cells if c.cell_type == "code")
    for i, cell in enumerate(code_cells):
        last_stream = None
        for o in cell.get("outputs", []):
            if o.output_type == "stream":
                # the kernel may split one print across messages: join consecutive chunks
                if last_stream == o.name:
                    out[-1] = (i, out[-1][1] + sanitize(o.text))
                else:
                    out.append((i, f"{o.name}: " + sanitize(o.text)))
                last_stream = o.name
                continue
            last_stream = None
            if o.output_type in ("execute_result", "display_data"):
                text = o.get("data", {}).get("text/plain")
                if text is not None:
                    out.append((i, sanitize(text)))
            elif o.output_type == "error":
                out.append((i, f"error: {o.ename}: {sanitize(o.evalue)}"))
    return out


def first_difference(a, b, names=("run 1", "run 2")) -> str:
    for (ia, ta), (ib, tb) in zip(a, b):
        if (ia, ta) != (ib, tb):
            return (f"code cell {ia} (::Cell {ia}):\n--- {names[0]} ---\n{ta[:600]}\n"
                    f"--- {names[1]} (code cell {ib}) ---\n{tb[:600]}")
    return f"{names[0]} printed {len(a)} outputs, {names[1]} printed {len(b)}"


def execute(path: Path):
    """Execute a notebook with nbclient in its own folder; return the executed notebook."""
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", allow_errors=False,
                   store_widget_state=False,    # as make html (tools/html_config.json): pages stay small
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    return nb


# ---------------------------------------------------------------------------
# static HTML, as make html writes it (tools/build_html.py: nbconvert --config tools/html_config.json)
# ---------------------------------------------------------------------------
IMG = re.compile(r"<img[^>]+src=\"data:image/png;base64,[A-Za-z0-9+/=]{200,}")


def static_html(nb) -> str:
    """HTML of an executed notebook with ``make html``'s exporter settings (no execution here)."""
    from build_html import exporter_config
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(config=exporter_config()).from_notebook_node(nb)
    return body


def write_site_page(nb, lesson: Path, site: Path = SITE) -> tuple[Path, str]:
    """Write the static page of ``nb`` (``lesson`` executed) as ``site/<stem>.html``; returns (path, HTML)."""
    page = static_html(nb)
    site.mkdir(parents=True, exist_ok=True)
    out = site / f"{Path(lesson).stem}.html"
    out.write_text(page, encoding="utf-8")
    return out, page


def cell_chunks(page: str) -> dict[str, str]:
    """HTML of each cell, keyed by cell id (nbconvert writes ``id="cell-id=<id>"``)."""
    marks = [(m.start(), m.group(1)) for m in re.finditer(r'id="cell-id=([^"]+)"', page)]
    return {cid: page[start:(marks[i + 1][0] if i + 1 < len(marks) else len(page))]
            for i, (start, cid) in enumerate(marks)}


def panel_cells_without_image(nb, page: str, name: str) -> tuple[int, list[str]]:
    """(panel cells shown, problems) for the HTML ``page`` of ``nb``: each shown panel cell needs a PNG."""
    chunks, shown, problems = cell_chunks(page), 0, []
    for cell in nb.cells:
        src = cell_source(cell)
        if cell.cell_type != "code" or not PANEL_CALL.search(src):
            continue
        first = src.strip().splitlines()[0]
        chunk = chunks.get(cell.get("id", ""))
        if chunk is None:
            problems.append(f"{name}: panel cell {first!r} is missing from the HTML")
        elif "jp-OutputArea-output" in chunk:      # (a cell may build a panel without showing it)
            shown += 1
            if not IMG.search(chunk):
                problems.append(f"{name}: the panel cell {first!r} shows no image in the static HTML "
                                f"(a reader without a kernel sees no figure)")
    if shown == 0:
        problems.append(f"{name} calls bt.panels but no panel output reached the HTML")
    return shown, problems + images_without_description(nb, page, name)


def images_without_description(nb, page: str, name: str) -> list[str]:
    """One problem per cell whose HTML holds an image without a text alternative (nbconvert's placeholder)."""
    chunks = cell_chunks(page)
    bad = [cell_source(c).strip().splitlines()[0] if cell_source(c).strip() else c.get("id", "?")
           for c in nb.cells if PLACEHOLDER in chunks.get(c.get("id", ""), "")]
    return [f"{name}: cell {first!r} shows an image without a description (alt is nbconvert's placeholder "
            f"{PLACEHOLDER!r}): give the figure one with blupteach.accessible.describe" for first in bad]


# ---------------------------------------------------------------------------
# the two items appended to each nbval notebook
# ---------------------------------------------------------------------------
class _AfterNbval(pytest.Item):
    """An item that runs after nbval's cells of the same notebook and reads their outputs."""

    def nbval_notebook(self):
        """The notebook as nbval ran it (its outputs), or skip when nbval did not run it all."""
        nb = nbformat.from_dict(json.loads(json.dumps(self.parent.nb)))   # a copy; nbval's stays
        code = [c for c in nb.cells if c.cell_type == "code"]
        for item in self.parent._bt_cell_items:   # nbval's items, in order
            if item.test_outputs is None:
                pytest.skip(f"{item.name} was not run by nbval in this session: nothing to compare")
            if any(o.get("output_type") == "error" for o in item.test_outputs):
                pytest.skip(f"nbval's run failed at {item.name} (see that failure); not compared")
            code[item.cell_num].outputs = [nbformat.from_dict(dict(o)) for o in item.test_outputs]
        return nb

    def second_run(self):
        """The notebook executed once more (nbclient), shared by both items of this notebook.

        A lesson's run is written as its static page to ``build/test-site/`` right away.
        """
        if getattr(self.parent, "_bt_second_run", None) is None:
            nb = execute(self.path)
            if self.path.parent == LESSONS:
                self.parent._bt_page = write_site_page(nb, self.path)[1]
            self.parent._bt_second_run = nb
        return self.parent._bt_second_run

    def page(self) -> str:
        """The static HTML of the second run (the one written to ``build/test-site/`` for a lesson)."""
        nb = self.second_run()
        if getattr(self.parent, "_bt_page", None) is None:
            self.parent._bt_page = static_html(nb)
        return self.parent._bt_page

    def reportinfo(self):
        return self.path, 0, self.nodeid

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, AssertionError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)


class SameNumbersTwice(_AfterNbval):
    def runtest(self):
        first = printed_text(self.nbval_notebook())
        second = printed_text(self.second_run())
        name = self.path.name
        assert first, f"{name} printed no text at all: nothing was compared"
        assert first == second, (f"{name} printed different text in nbval's run and in a second run "
                                 f"(seed every draw): {first_difference(first, second, ('nbval', 'run 2'))}")


class StaticHtmlShowsEveryPanel(_AfterNbval):
    def runtest(self):
        _, problems = panel_cells_without_image(self.second_run(), self.page(), self.path.name)
        assert not problems, "\n".join(problems)


SAME_TWICE = "same numbers twice"
STATIC_HTML = "static HTML shows every panel"


def add_notebook_checks(items: list) -> None:
    """Append the two checks after the last nbval cell of each notebook in ``items`` (in place)."""
    from nbval.plugin import IPyNbCell

    out, by_file = [], {}
    for item in items:
        out.append(item)
        if isinstance(item, IPyNbCell):
            by_file.setdefault(item.parent, []).append(item)
    for nbfile, cells in by_file.items():
        nbfile._bt_cell_items = cells
        extra = [SameNumbersTwice.from_parent(nbfile, name=SAME_TWICE)]
        if any(c.cell_type == "code" and PANEL_CALL.search(cell_source(c)) for c in nbfile.nb.cells):
            extra.append(StaticHtmlShowsEveryPanel.from_parent(nbfile, name=STATIC_HTML))
        at = out.index(cells[-1]) + 1
        out[at:at] = extra
    items[:] = out
