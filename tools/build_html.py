"""``make html``: execute every lesson and write a static site with its figures to ``build/html/``.

A plain ``nbconvert --to html --execute`` writes no image for ipympl figures (only a widget
placeholder).  ``tools/html_config.json`` (given with ``--config``; a config file in the working
directory is ignored) puts ``text/html`` and ``image/png`` ahead of the widget mime type, so
each live panel appears as a picture at its default slider values.  ``index.html`` lists the
lessons with their titles.

The pages need no network: the ``blupteach-lab`` template (``tools/jupyter/nbconvert/templates``)
is nbconvert's lab page without its require.js from a CDN and with MathJax 3, the renderer
JupyterLab and the Voilà slides use, from npm's ``mathjax`` package (fetched once into
``build/npm/``, like reveal.js for the slides) copied beside the pages into ``build/html/mathjax/``.

Usage::

    python tools/build_html.py                      # every lesson → build/html/
    python tools/build_html.py lessons/02_*.ipynb   # some lessons
"""

from __future__ import annotations

import argparse
import html
import json
import re
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import slides  # siblings in tools/
from slides_metadata import cell_source

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tools" / "html_config.json"
OUT = ROOT / "build" / "html"
JUPYTER = ROOT / ".venv" / "bin" / "jupyter"
TEMPLATES = ROOT / "tools" / "jupyter" / "nbconvert" / "templates"   # blupteach-lab
NPM = ROOT / "build" / "npm"
MATHJAX = {"mathjax": ("3.2.2", "es5/tex-chtml-full.js")}   # npm package -> (version, marker), as slides.ASSETS
# what the pages load of MathJax's es5/ build (the rest: other bundles, speech rules)
MATHJAX_PARTS = ("tex-chtml-full.js", "input", "output/chtml", "ui", "a11y", "adaptors")


def mathjax_source() -> Path:
    """MathJax's ``es5/`` build from npm, fetched into ``build/npm/mathjax`` the first time."""
    slides.npm_unpack(MATHJAX, NPM, "make html / make pdf (MathJax for formulas offline)")
    return NPM / "mathjax" / "es5"


def copy_mathjax(outdir: Path) -> Path:
    """Copy MathJax beside the pages (``outdir/mathjax/``, where ``mathjax_url`` points) unless present."""
    dest = Path(outdir) / "mathjax"
    if not (dest / MATHJAX_PARTS[0]).is_file():
        src = mathjax_source()
        for part in MATHJAX_PARTS:
            (dest / part).parent.mkdir(parents=True, exist_ok=True)
            if (src / part).is_dir():
                shutil.copytree(src / part, dest / part, dirs_exist_ok=True)
            else:
                shutil.copy2(src / part, dest / part)
    return dest


def exporter_config(**html_exporter):
    """``tools/html_config.json`` as a traitlets Config, the template folder made absolute.

    Keyword arguments set more ``HTMLExporter`` traits (``exclude_input=True`` for the handouts).
    """
    from traitlets.config import Config

    config = Config(json.loads(CONFIG.read_text(encoding="utf-8")))
    config.TemplateExporter.extra_template_basedirs = [str(TEMPLATES)]
    for name, value in html_exporter.items():
        config.HTMLExporter[name] = value
    return config


def lessons() -> list[Path]:
    return sorted((ROOT / "lessons").glob("[0-9][0-9]_*.ipynb"))


def build_one(lesson: Path, outdir: Path = OUT) -> Path:
    """Execute ``lesson`` and write ``outdir/<name>.html``; raises CalledProcessError with nbconvert's log."""
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [str(JUPYTER), "nbconvert", "--to", "html", "--execute", "--config", str(CONFIG),
           f"--TemplateExporter.extra_template_basedirs={TEMPLATES}", "--output-dir", str(outdir), str(lesson)]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        raise subprocess.CalledProcessError(done.returncode, cmd, done.stdout, done.stderr[-4000:])
    return outdir / f"{lesson.stem}.html"


def title_of(lesson: Path) -> str:
    """The lesson's first markdown heading (its title), or its file name."""
    for cell in json.loads(lesson.read_text(encoding="utf-8")).get("cells", []):
        if cell.get("cell_type") == "markdown":
            m = re.search(r"^#+\s+(.+)$", cell_source(cell), flags=re.M)
            if m:
                return m.group(1).strip()
    return lesson.stem


def write_index(pages: list[Path], outdir: Path = OUT) -> Path:
    items = "\n".join(f'  <li><a href="{html.escape(p.stem)}.html">{html.escape(title_of(p))}</a>'
                      f' <code>{html.escape(p.name)}</code></li>' for p in pages)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>blupteach: BLUP and partial pooling</title>
<style>body {{ font: 18px/1.5 system-ui, sans-serif; max-width: 48em; margin: 2em auto; padding: 0 1em; }}
li {{ margin: .4em 0; }} code {{ color: #555; font-size: 85%; }}</style></head>
<body><main>
<h1>blupteach: an interactive course on BLUP and partial pooling</h1>
<p>These pages are the lessons run once, for reading without a kernel: every figure is shown at
its default slider values. To move the sliders, open the course in JupyterLab
(<code>make lab</code>) or on Binder (see the README).</p>
<ol>
{items}
</ol>
</main></body></html>
"""
    index = outdir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Execute the lessons and write static HTML.")
    ap.add_argument("lessons", nargs="*", type=Path)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--jobs", type=int, default=2, help="lessons executed at once (default 2)")
    args = ap.parse_args(argv)
    todo = [p.resolve() for p in args.lessons] or lessons()
    if not todo:
        print("no lessons found in lessons/")
        return 1
    t0 = time.perf_counter()
    copy_mathjax(args.out)   # first: without npm this stops before executing anything
    failed = []

    def one(p: Path):
        t = time.perf_counter()
        try:
            out = build_one(p, args.out)
            print(f"  {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}  ({time.perf_counter() - t:.1f} s)")
        except subprocess.CalledProcessError as exc:
            failed.append(p.name)
            print(f"  FAILED {p.name}:\n{exc.stderr}", file=sys.stderr)

    with ThreadPoolExecutor(max(1, args.jobs)) as pool:
        list(pool.map(one, todo))
    index = write_index([p for p in todo if p.name not in failed], args.out)
    print(f"{index.relative_to(ROOT) if index.is_relative_to(ROOT) else index}: {len(todo) - len(failed)} lessons "
          f"in {time.perf_counter() - t0:.1f} s")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
