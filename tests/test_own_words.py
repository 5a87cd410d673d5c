"""The course teaches the source's content in its own words (the brief): no run of 10 or more
consecutive words of the source text appears in any lesson, exercise or README.

The source lives in the team's shared folder beside the repository (``../shared/seed``); where
it is absent (someone's own clone) the test says so instead of passing silently.
"""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEED_DIR = ROOT.parent / "shared" / "seed"
RUN = 10
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def words(text: str) -> list[str]:
    """Lower-case words of the prose: markup stripped (so formatting hides nothing), formulas
    dropped (a formula is the same in every text that states it: it is not a sentence)."""
    text = re.sub(r"\(@[^)]*\)", " ", text)           # the source's link targets
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)   # display and inline math
    return WORD.findall(text.lower())


def runs(ws: list[str], k: int = RUN) -> set[tuple]:
    return {tuple(ws[i:i + k]) for i in range(len(ws) - k + 1)}


def course_texts():
    for path in sorted((ROOT / "lessons").glob("*.ipynb")) + sorted((ROOT / "exercises").glob("*/*.ipynb")):
        nb = json.loads(path.read_text())
        yield path, " ".join("".join(c["source"]) for c in nb["cells"])
    for path in [ROOT / "README.md", ROOT / "exercises" / "README.md"]:
        yield path, path.read_text()


@pytest.fixture(scope="module")
def seed_runs():
    files = sorted(SEED_DIR.glob("*.txt")) if SEED_DIR.is_dir() else []
    if not files:
        pytest.skip(f"the source text is not here ({SEED_DIR}): run from the team's checkout with shared/ beside it")
    return runs(words(" ".join(p.read_text() for p in files)))


def test_the_check_finds_a_copied_sentence(seed_runs):
    """It can fail: a sentence of the source, re-formatted as a lesson would, is found."""
    sample = next(iter(seed_runs))
    lesson_like = "**" + " ".join(sample).capitalize() + "**, as $w$ shows."
    assert runs(words(lesson_like)) & seed_runs


@pytest.mark.parametrize("path, text", list(course_texts()), ids=lambda v: v.name if isinstance(v, Path) else "")
def test_no_run_of_ten_source_words(seed_runs, path, text):
    shared = runs(words(text)) & seed_runs
    examples = [" ".join(r) for r in sorted(shared)[:3]]
    assert not shared, f"{path.relative_to(ROOT)} repeats {len(shared)} runs of {RUN} source words, e.g. {examples}"
