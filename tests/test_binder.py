"""Binder and JupyterHub set-up files agree with the course (no browser needed)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_binder_installs_the_course_requirements():
    lines = [ln.strip() for ln in (ROOT / "binder" / "requirements.txt").read_text().splitlines()]
    assert "-r ../requirements.txt" in lines, "binder/requirements.txt must install the top-level requirements.txt"
    top = (ROOT / "requirements.txt").read_text()
    for pkg in ("jupyterlab", "ipywidgets", "ipympl", "matplotlib"):
        assert re.search(rf"^{pkg}\b", top, flags=re.M), f"requirements.txt must list {pkg} (Binder builds from it)"
    assert re.search(r"^-e \.\s*$", top, flags=re.M), "requirements.txt must install blupteach itself (-e .)"


def test_binder_python_meets_requires_python():
    m = re.fullmatch(r"python-(\d+)\.(\d+)\s*", (ROOT / "binder" / "runtime.txt").read_text())
    assert m, "binder/runtime.txt must read like python-3.11"
    need = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    floor = tuple(int(x) for x in re.search(r">=\s*(\d+)\.(\d+)", need).groups())
    assert (int(m.group(1)), int(m.group(2))) >= floor, f"Binder's Python is older than requires-python {need}"


def test_readme_binder_link_opens_lesson_00():
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"https://mybinder\.org/v2/[^)\s]+", readme)
    assert links, "README has no Binder badge link"
    for link in links:
        m = re.search(r"urlpath=lab/tree/(\S+?\.ipynb)", link)
        assert m, f"Binder link does not open a notebook: {link}"
        assert (ROOT / m.group(1)).is_file(), f"Binder link opens {m.group(1)}, which does not exist"
