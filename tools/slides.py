"""Lecture mode: serve one lesson as live reveal.js slides with Voilà (``make slides LESSON=02``).

Steps, all local (no CDN at lecture time):

1. reveal.js (its CSS and themes) and jQuery (reveal's scroll helper uses it) are fetched from
   the npm registry with ``npm pack`` into ``build/slides/`` once; Voilà serves them from there.
2. ``tools/slides_metadata.py`` writes a copy of the lesson with slide metadata
   (prose and formulas on slides, the live panel on its own slide, set-up code hidden).
3. Voilà runs the copy with the ``blupteach-reveal`` template (``tools/jupyter/voila/templates``:
   Voilà's reveal template minus its icon-font CDN links): the kernel executes every cell, the
   sliders stay live.

Usage::

    python tools/slides.py 02                 # serve, open a browser
    python tools/slides.py 02 --no-browser    # on a server: print the URL
    python tools/slides.py 02 --prepare-only  # fetch assets and write the slide copy
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLIDES = ROOT / "build" / "slides"
TEMPLATES = ROOT / "tools" / "jupyter"
VENV_BIN = ROOT / ".venv" / "bin"
# npm package -> (version, file that proves it is unpacked)
ASSETS = {"reveal.js": ("4.6.0", "dist/reveal.css"), "jquery": ("3.7.1", "dist/jquery.min.js")}

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slides_metadata  # noqa: E402


def find_lesson(lesson: str) -> Path:
    """``'02'`` (or ``'02_shrinkage_weight'``, or a path) → ``lessons/02_shrinkage_weight.ipynb``."""
    p = Path(lesson)
    if p.suffix == ".ipynb" and p.is_file():
        return p.resolve()
    hits = sorted((ROOT / "lessons").glob(f"{lesson}*.ipynb"))
    if not hits:
        raise SystemExit(f"no lesson matches {lesson!r} in lessons/ (try LESSON=02)")
    return hits[0]


def fetch_assets(dest: Path = SLIDES) -> None:
    """Unpack reveal.js and jQuery from the npm registry into ``dest`` (skipped when present)."""
    if not (dest / "favicon.ico").is_file():   # a browser asks for one: avoid a 403 in the console
        dest.mkdir(parents=True, exist_ok=True)
        for ico in (VENV_BIN.parent / "lib").glob("python3*/site-packages/jupyter_server/static/favicon.ico"):
            shutil.copy(ico, dest / "favicon.ico")
            break
    npm_unpack(ASSETS, dest, "make slides")


def npm_unpack(assets: dict, dest: Path, who: str) -> None:
    """Unpack npm packages into ``dest/<name>/`` with ``npm pack`` (each skipped when present).

    Parameters
    ----------
    assets : dict
        ``{name: (version, file that proves it is unpacked)}``, e.g. :data:`ASSETS`.
    dest : Path
        Folder that receives one sub-folder per package.
    who : str
        The command that needs them, named in the message when npm is missing.
    """
    missing = {name: v for name, v in assets.items() if not (dest / name / v[1]).is_file()}
    if not missing:
        return
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(f"{who} fetches {', '.join(missing)} with npm, which is not installed "
                         "(Debian/Ubuntu: sudo apt-get install npm; or install Node.js)")
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        specs = [f"{name}@{version}" for name, (version, _) in missing.items()]
        subprocess.run([npm, "pack", "--silent", *specs], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        for name, (version, marker) in missing.items():
            tgz = Path(tmp) / f"{name}-{version}.tgz"
            out = Path(tmp) / name
            with tarfile.open(tgz) as tar:
                tar.extractall(out, filter="data")
            shutil.rmtree(dest / name, ignore_errors=True)
            shutil.move(str(out / "package"), str(dest / name))
            if not (dest / name / marker).is_file():
                raise SystemExit(f"{name}@{version} from npm has no {marker}")


def prepare(lesson: str) -> Path:
    """Fetch the assets and write the lesson's slide copy; returns the copy's path."""
    fetch_assets()
    nb = find_lesson(lesson)
    slides_metadata.main([str(nb), str(SLIDES)])
    return SLIDES / nb.name


def voila_args(notebook: Path) -> list[str]:
    """Voilà's arguments (after the executable) that serve ``notebook`` as offline live slides."""
    return [
        str(notebook), "--template=blupteach-reveal",
        # serve reveal.js, jQuery and the favicon from build/slides
        "--VoilaConfiguration.file_allowlist=.*\\.(png|jpg|gif|svg|ico|css|js|woff|woff2|ttf|eot)",
        "--HTMLExporter.jquery_url=voila/files/jquery/dist/jquery.min.js",
        "--VoilaConfiguration.resources={'reveal': {'url_prefix': 'voila/files/reveal.js', "
        "'scroll': True, 'theme': 'white', 'transition': 'none'}}",
        # lab extensions installed beside the course that fail outside JupyterLab
        "--VoilaConfiguration.extension_denylist=jupyterlab-jupytext",
        "--VoilaConfiguration.extension_denylist=ipylab",
    ]


def voila_env() -> dict:
    """The environment Voilà needs to find the ``blupteach-reveal`` template."""
    paths = [str(TEMPLATES), *filter(None, os.environ.get("JUPYTER_PATH", "").split(os.pathsep))]
    return {**os.environ, "JUPYTER_PATH": os.pathsep.join(paths)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Serve one lesson as live slides (Voilà + reveal.js).")
    ap.add_argument("lesson", nargs="?", default="02", help="lesson number or name, e.g. 02")
    ap.add_argument("--prepare-only", action="store_true", help="fetch assets, write the copy, stop")
    ap.add_argument("--no-browser", action="store_true", help="print the URL instead of opening a browser")
    ap.add_argument("--port", type=int, default=8866)
    args = ap.parse_args(argv)
    notebook = prepare(args.lesson)
    if args.prepare_only:
        return 0
    cmd = [str(VENV_BIN / "voila"), *voila_args(notebook), f"--port={args.port}"]
    if args.no_browser:
        cmd.append("--no-browser")
    print("Presenting", notebook.name, "— arrows/space change slides; drag sliders with the mouse. Ctrl-C stops.")
    os.execve(cmd[0], cmd, voila_env())


if __name__ == "__main__":
    sys.exit(main())
