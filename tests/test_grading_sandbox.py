"""A dishonest and a careless class, graded the way ``make grade`` grades (issue 11).

From the student version of exercises 02 and 05 this builds one submission per attack (each is
the honest solution, then a cell that makes every answer wrong, then the attack: if the attack
worked it would earn marks that its real answers do not deserve), plus an honest notebook, a
blank one and a few careless ones, and grades the folder with ``exercises/grade.py`` in a
subprocess (what ``make grade`` runs; the real bwrap sandbox).  It requires:

- every cheat scores what its real answers deserve (0), honest work full marks, blank 0;
- the notebook that loops forever gets its row with a note, with the answers it had exported;
  so does the honest notebook that ends with ``os._exit(1)`` (full marks);
- the marker files outside the student's folder are never written, the autograder zip and its
  test files are unchanged, no process of a student is left, and the grade CSV is unchanged
  a few seconds after grading ends.

Needs ``bwrap`` (``apt-get install bubblewrap``; ``make test`` installs it under ``CI=true``).
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
sys.path.insert(0, str(EXERCISES))
import build as exbuild  # noqa: E402
import grade as exgrade  # noqa: E402

ANSWER_TAG = "otter_assign_solution_cell"
TAG = "BLUPTEACH_ATTACK_7781"      # in the command line of every process an attack leaves behind
LOOP_TIMEOUT = 45                  # s per notebook here: honest ones took 4-9 s alone, up to 23 s on 2 busy cores

pytestmark = pytest.mark.filterwarnings("ignore:Traits should be given as instances:DeprecationWarning")


def class_test(f):
    """The tests on the graded class: slow, and they need bwrap."""
    for mark in (pytest.mark.slow, pytest.mark.notebooks,
                 pytest.mark.skipif(not exgrade.have_bwrap(), reason="bwrap missing: sudo apt-get install bubblewrap")):
        f = mark(f)
    return f


def _cell(src: str):
    return nbformat.v4.new_code_cell(textwrap.dedent(src).strip())


def _honest(student: Path, solution: Path):
    nb = nbformat.read(student, as_version=4)
    answers = [c for c in nbformat.read(solution, as_version=4).cells if ANSWER_TAG in c.metadata.get("tags", [])]
    slots = [c for c in nb.cells if ANSWER_TAG in c.metadata.get("tags", [])]
    assert len(answers) == len(slots) > 0
    for slot, answer in zip(slots, answers):
        slot.source = answer.source
    return nb


def _make_wrong(names: list[str]):
    """A cell that replaces every answer by a wrong one of the same kind."""
    return _cell(f"""
        import numbers as _numbers, numpy as _np
        for _n in {names!r}:
            _v = globals().get(_n)
            if isinstance(_v, str):
                globals()[_n] = "none of these"
            elif isinstance(_v, _numbers.Integral):
                globals()[_n] = _v + 3
            elif isinstance(_v, _numbers.Real):
                globals()[_n] = _v * 1.1 + 0.7
            elif _v is not None:
                globals()[_n] = _np.asarray(_v, dtype=float) * 1.1 + 0.7
    """)


def _attacks(names, paths) -> dict[str, list]:
    """Cells appended (after the wrong answers) for each cheat."""
    targets = json.dumps({k: str(v) for k, v in paths.items()})
    return {
        "builtins": [_cell("""
            import builtins, numpy, math
            builtins.abs = lambda x: 0
            numpy.allclose = lambda *a, **k: True
            numpy.isclose = lambda *a, **k: True
            math.isclose = lambda *a, **k: True
        """)],
        "magic": [_cell(f"""
            class Magic(float):
                __sub__ = __rsub__ = lambda self, other: 0.0
                __eq__ = lambda self, other: True
                __lt__ = __le__ = __gt__ = __ge__ = lambda self, other: True
                __abs__ = lambda self: 0.0
                __hash__ = float.__hash__
            class Same(str):
                __eq__ = lambda self, other: True
                __hash__ = str.__hash__
                strip = lower = title = lambda self, *a: self
            import numbers
            for _n in {names!r}:
                _v = globals().get(_n)
                if isinstance(_v, str):
                    globals()[_n] = Same(_v)
                elif isinstance(_v, numbers.Real) and not isinstance(_v, numbers.Integral):
                    globals()[_n] = Magic(_v)
        """)],
        "otter_runner": [_cell("""
            import otter.test_files.exception_test as _et
            from otter.test_files.abstract_test import TestFile
            _et.ExceptionTestFile.run = lambda self, env: None
            _et.test_case.call_func = lambda self, env: None
            TestFile.passed_all = property(lambda self: True)
            TestFile.score = property(lambda self: self.possible)
        """)],
        # read the solution and hidden tests where the course keeps them; rewrite every test file
        # and the autograder; write a marker outside the folder
        "files": [_cell(f"""
            import glob, json, os, zipfile, nbformat
            t = json.loads({targets!r})
            own = glob.glob("*.ipynb")[0]
            for path in glob.glob(t["dist"] + "/*/autograder/" + own) + glob.glob(t["repo"] + "/exercises/*/" + own):
                for c in nbformat.read(path, as_version=4).cells:
                    if c.cell_type == "code" and "otter_assign_solution_cell" in c.metadata.get("tags", []):
                        exec(c.source, globals())          # the solutions: copy every answer
            always = "from otter.test_files import test_case\\nOK_FORMAT = False\\nname = 'q1'\\npoints = 99\\n"
            for pattern in (t["dist"] + "/**/tests/*.py", "tests/*.py", "/tmp/**/tests/q*.py"):
                for path in glob.glob(pattern, recursive=True):
                    try:
                        open(path, "w").write(always)
                    except OSError:
                        pass
            os.makedirs("tests", exist_ok=True)
            for q in ("q1", "q2", "q3", "q4", "q5", "q6"):
                open(f"tests/{{q}}.py", "w").write(always.replace("q1", q))
            for path in glob.glob(t["dist"] + "/**/*.zip", recursive=True):
                try:
                    open(path, "wb").write(b"poisoned")
                except OSError:
                    pass
            for marker in (t["marker"], t["marker_home"], t["marker_repo"], "/tmp/" + os.path.basename(t["marker"])):
                try:
                    open(marker, "w").write("escaped")
                except OSError:
                    pass
        """)],
        # a process left behind that rewrites the grade table after grading ends
        "detached": [_cell(f"""
            import subprocess, sys, json
            t = json.loads({targets!r})
            code = ("import time, glob, sys\\n"
                    "time.sleep(4)\\n"
                    "for p in glob.glob(sys.argv[1] + '/grades_*.csv'):\\n"
                    "    open(p, 'a').write('mallory,9,9,9,9,9,9,99,9,\\\\n')\\n"
                    "open(sys.argv[2], 'w').write('escaped')\\n")
            subprocess.Popen([sys.executable, "-c", code, t["out"], t["marker"], "{TAG}"],
                             start_new_session=True, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.Popen(["sh", "-c", "sleep 30; echo {TAG}"], start_new_session=True)
        """)],
        "copied_literals": [_cell("""
            import re, json
            meta = json.load(open(__import__("glob").glob("*.ipynb")[0]))["metadata"]["otter"]["tests"]
            for src in meta.values():
                for name, value in re.findall(r"right = abs\\((\\w+) - ([-0-9.e/ ]+)\\) <", src):
                    globals()[name] = eval(value)
                for name, values in re.findall(r"right = np\\.allclose\\((\\w+), (\\[[^\\]]*\\])", src):
                    globals()[name] = eval(values)
        """)],
    }


@pytest.fixture(scope="module")
def class_graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("class")
    dist, subs = base / "dist", base / "submissions"
    outside = base / "outside"
    outside.mkdir()
    paths = {"dist": dist, "out": subs, "marker": outside / "marker.txt",
             "marker_home": Path.home() / f"{TAG}.txt", "marker_repo": ROOT / f"{TAG}.txt", "repo": ROOT}
    expected, zips = {}, {}
    for name in ("02_shrinkage_weight", "05_uncertainty"):
        nn = name[:2]
        archive = exbuild.build(name, dist, execute=False, run_tests=False)
        zips[name] = archive
        student = dist / nn / "student" / f"{name}.ipynb"
        solution = dist / nn / "autograder" / f"{name}.ipynb"
        names = exgrade.answer_names(exgrade.load_tests(archive))
        kinds: dict[str, object] = {"honest": _honest(student, solution), "blank": nbformat.read(student, as_version=4)}
        for attack, cells in _attacks(names, paths).items():
            if nn == "05" and attack in ("otter_runner", "detached"):
                continue   # 02 carries them; 05 repeats the scoring cheats
            nb = _honest(student, solution)
            nb.cells += [_make_wrong(names), *cells]
            kinds[attack] = nb
        nb = _honest(student, solution)
        nb.cells.append(_cell("import os\nos._exit(1)"))
        kinds["exit_at_end"] = nb
        if nn == "02":
            nb = _honest(student, solution)
            nb.cells.append(_cell("while True:\n    pass"))
            kinds["infinite_loop"] = nb
            kinds["not_a_notebook"] = b"this is not JSON {"
        for kind, nb in kinds.items():
            folder = subs / kind           # one folder per student, holding both exercises
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f"{name}.ipynb"
            if isinstance(nb, bytes):
                target.write_bytes(nb)
            else:
                nbformat.write(nb, target)
        expected[name] = {k: ("full" if k in ("honest", "exit_at_end", "infinite_loop") else 0) for k in kinds}
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in dist.rglob("*") if p.is_file()}
    t0 = time.monotonic()
    proc = subprocess.run([sys.executable, str(EXERCISES / "grade.py"), str(subs), "--dist", str(dist),
                           "--timeout", str(LOOP_TIMEOUT), "--jobs", "2"],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "UNSAFE": ""})
    seconds = time.monotonic() - t0
    csvs = {name: (subs / f"grades_{name}.csv").read_text() for name in expected}
    time.sleep(6)       # the detached process would strike 4 s after its notebook
    return {"proc": proc, "seconds": seconds, "csvs": csvs, "expected": expected, "paths": paths,
            "before": before, "dist": dist, "subs": subs}


def _rows(text: str) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader(text.splitlines())}


@class_test
def test_grading_finished_and_reports_times(class_graded):
    proc = class_graded["proc"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    print(proc.stdout)
    print(f"whole class graded in {class_graded['seconds']:.1f} s")


@class_test
@pytest.mark.parametrize("name", ["02_shrinkage_weight", "05_uncertainty"])
def test_every_submission_scores_what_its_real_answers_deserve(class_graded, name):
    rows = _rows(class_graded["csvs"][name])
    wrong = {}
    for student, want in class_graded["expected"][name].items():
        r = rows[student]
        if student.endswith("not_a_notebook"):
            assert r["total"] in ("", "0") and "not a notebook" in r["note"], r
            continue
        total, possible = float(r["total"]), float(r["possible"])
        goal = possible if want == "full" else 0.0
        if total != goal:
            wrong[student] = f"{total:g}/{possible:g} (should be {goal:g}); note: {r['note']}"
    assert not wrong, f"{name}: {wrong}"


@class_test
def test_timeouts_and_crashes_get_a_row_with_a_note(class_graded):
    rows = _rows(class_graded["csvs"]["02_shrinkage_weight"])
    assert f"timed out after {LOOP_TIMEOUT} s" in rows["infinite_loop"]["note"]
    assert "kernel died" in rows["exit_at_end"]["note"]
    assert "not a notebook" in rows["not_a_notebook"]["note"]


@class_test
def test_nothing_escaped_the_sandbox(class_graded):
    paths = class_graded["paths"]
    for key in ("marker", "marker_home", "marker_repo"):
        assert not Path(paths[key]).exists(), f"a submission wrote {paths[key]}"
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in class_graded["dist"].rglob("*") if p.is_file()}
    assert after == class_graded["before"], "the autograders, solutions or student versions changed during grading"
    left = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    assert TAG not in left, f"processes left behind:\n{left}"
    for name, text in class_graded["csvs"].items():
        now = (class_graded["subs"] / f"grades_{name}.csv").read_text()
        assert now == text, f"grades_{name}.csv changed after grading ended"


# ---------------------------------------------------------------------------------------------
# quick checks of the refusals (no notebook runs)
# ---------------------------------------------------------------------------------------------
def test_grading_refuses_without_bwrap_unless_unsafe(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(exgrade, "have_bwrap", lambda: False)
    (tmp_path / "ada").mkdir()
    monkeypatch.delenv("UNSAFE", raising=False)
    assert exgrade.main([str(tmp_path)]) == 2
    said = capsys.readouterr().err
    assert "bwrap" in said and "apt-get install bubblewrap" in said and "UNSAFE=1" in said
    assert exgrade.choose_sandbox("auto", unsafe=True) == "none"
    assert "WARNING: grading WITHOUT a sandbox" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="Docker .* not implemented"):
        exgrade.choose_sandbox("docker", unsafe=False)


def test_a_changed_autograder_is_refused(tmp_path):
    archive = tmp_path / "x-autograder_1.zip"
    import zipfile
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("tests/q1.py", "from otter.test_files import test_case\nname = 'q1'\npoints = 1\n")
    with pytest.raises(RuntimeError, match="no checksum"):
        exgrade.load_tests(archive)
    exgrade.checksum_file(archive).write_text(f"{exgrade.sha256_of(archive)}  {archive.name}\n")
    assert list(exgrade.load_tests(archive)) == ["q1"]
    archive.write_bytes(archive.read_bytes() + b"poison")
    with pytest.raises(RuntimeError, match="does not match its recorded sha256"):
        exgrade.load_tests(archive)
