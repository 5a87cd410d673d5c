"""Copy a lesson with reveal.js slide metadata set by simple rules, for ``make slides``.

The lessons stay as their authors wrote them; the lecture copy is made at build time:

=====================================================  ==========================================
cell                                                   slide type
=====================================================  ==========================================
already has ``metadata.slideshow.slide_type``          kept (the author decided)
tagged ``lecture-skip`` / ``lecture-show``             ``skip`` / ``-`` (same slide, shown)
markdown starting with ``#`` or ``##``                 ``slide`` (a new slide per section)
markdown starting with ``###`` or deeper               ``subslide``
other markdown (prose, formulas, check-yourself)       ``-`` (continues the current slide)
code that shows a live panel (calls ``bt.panels.``)    ``slide`` (the panel gets the screen)
any other code (set-up, checks, assertions)            ``skip`` (still runs, not shown)
=====================================================  ==========================================

Voilà hides code input, so a panel's slide shows only its sliders and figure.  A panel cell that
also needs text above it can carry its own metadata; the rule never overwrites it.

Usage::

    python tools/slides_metadata.py lessons/02_shrinkage_weight.ipynb build/slides/
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

PANEL_CALL = re.compile(r"\bbt\.panels\.\w+\s*\(")
HEADING = re.compile(r"^\s*(#{1,6})\s")


def cell_source(cell) -> str:
    """A notebook cell's (a dict) source as one string (nbformat stores it as a string or a list of lines)."""
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def slide_type(cell) -> str:
    """The reveal.js slide type the rules above give one notebook cell (a dict)."""
    meta = cell.get("metadata", {})
    if meta.get("slideshow", {}).get("slide_type"):
        return meta["slideshow"]["slide_type"]
    tags = set(meta.get("tags", []))
    if "lecture-skip" in tags:
        return "skip"
    if "lecture-show" in tags:
        return "-"
    src = cell_source(cell)
    if cell.get("cell_type") == "markdown":
        m = HEADING.match(src)
        if m is None:
            return "-"
        return "slide" if len(m.group(1)) <= 2 else "subslide"
    if cell.get("cell_type") == "code" and PANEL_CALL.search(src):
        return "slide"
    return "skip"


def lecture_notebook(nb: dict) -> dict:
    """A copy of notebook ``nb`` (a dict) with every cell's slide type set; ``nb`` is not changed."""
    out = json.loads(json.dumps(nb))
    cells = out.get("cells", [])
    for cell in cells:
        cell.setdefault("metadata", {}).setdefault("slideshow", {})["slide_type"] = slide_type(cell)
    # the first shown cell must open a slide, or reveal.js puts it in no <section>
    for cell in cells:
        kind = cell["metadata"]["slideshow"]["slide_type"]
        if kind != "skip":
            if kind in ("-", "fragment", "notes"):
                cell["metadata"]["slideshow"]["slide_type"] = "slide"
            break
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lesson", type=Path)
    ap.add_argument("outdir", type=Path)
    args = ap.parse_args(argv)
    nb = json.loads(args.lesson.read_text(encoding="utf-8"))
    out = lecture_notebook(nb)
    args.outdir.mkdir(parents=True, exist_ok=True)
    target = args.outdir / args.lesson.name
    target.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    kinds = [c["metadata"]["slideshow"]["slide_type"] for c in out["cells"]]
    print(f"{target}: {kinds.count('slide')} slides, {kinds.count('subslide')} subslides, "
          f"{kinds.count('skip')} cells hidden")
    return 0


if __name__ == "__main__":
    sys.exit(main())
