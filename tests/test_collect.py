"""exercises/collect.py (make collect): the students' home folders into make grade's layout."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "exercises"))
import collect as excollect  # noqa: E402

NB = "02_shrinkage_weight.ipynb"


def test_collects_each_home_and_never_the_pulled_course(tmp_path):
    homes = tmp_path / "homes"
    (homes / "ada").mkdir(parents=True)
    (homes / "ada" / NB).write_text('{"cells": []}')
    (homes / "bob" / "blupteach" / "exercises" / "02_shrinkage_weight").mkdir(parents=True)
    (homes / "bob" / "blupteach" / "exercises" / "02_shrinkage_weight" / NB).write_text("the source: solutions")
    (homes / "bob" / "exercise2 final.ipynb").write_text("{}")
    (homes / ".hidden").mkdir()
    copied = excollect.collect(homes, tmp_path / "subs", only="02")
    assert copied == {"ada": [NB], "bob": []}
    assert (tmp_path / "subs" / "ada" / NB).read_text() == '{"cells": []}'
    assert not (tmp_path / "subs" / "bob" / NB).exists(), "the pulled course's source notebook was collected"
    assert (tmp_path / "subs" / "bob" / "exercise2 final.ipynb").is_file(), "a renamed hand-out is kept for the note"


def test_homes_must_be_a_folder(tmp_path):
    with pytest.raises(ValueError, match="homes must be the folder"):
        excollect.collect(tmp_path / "nowhere", tmp_path / "subs")
