"""Graded exercises (issue 6): every ``exercises/<NN>_<name>/`` through otter-grader.

For each exercise folder that exists, one module-scoped build (``otter assign`` into a
temporary folder, exactly as ``make exercises`` does) and three notebooks graded with
``exercises/grade.py`` (as ``make grade`` does: in the bwrap sandbox when ``bwrap`` is installed,
else in a plain subprocess; the tests always run apart, on the exported answers):

- the solution notebook                       -> full marks;
- the student notebook as handed out          -> zero, and no cell raises an error;
- the student notebook answered with the solution except one typical mistake
  (``mistake.json`` in the folder)            -> partial marks, and the public test of that
  question names the mistake, both in otter's report and in ``grader.check`` run from the
  student's own copy.

Plus: the source notebook runs top to bottom (each test cell calls its test on the solution),
and static checks that need no kernel: the source has the mandatory raw-cell solution markers,
3-6 questions each with a public and a hidden test (that it is committed cleared:
``tests/test_notebooks.py``);
the student version contains no solution line, no hidden-test line and no number of the hidden
tests or solution lines (beyond trivial ones and those the question gives).  The adversarial
class is ``tests/test_grading_sandbox.py``.
"""

from __future__ import annotations

import ast
import contextlib
import json
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = ROOT / "exercises"
sys.path.insert(0, str(EXERCISES))
import build as exbuild  # noqa: E402  (exercises/build.py, what `make exercises` runs)
import grade as exgrade  # noqa: E402  (exercises/grade.py, what `make grade` runs)

FOLDERS = exgrade.exercise_folders()
ANSWER_TAG = "otter_assign_solution_cell"
# otter's own traitlets use, not ours
pytestmark = pytest.mark.filterwarnings("ignore:Traits should be given as instances:DeprecationWarning")


def _source(name: str) -> nbformat.NotebookNode:
    return nbformat.read(EXERCISES / name / f"{name}.ipynb", as_version=4)


def _mistake(name: str) -> dict:
    return json.loads((EXERCISES / name / "mistake.json").read_text())


def _raw(cell, start: str) -> bool:
    return cell.cell_type == "raw" and cell.source.lstrip().startswith(start)


def _questions(nb) -> list[str]:
    return [re.search(r"name:\s*(\S+)", c.source).group(1) for c in nb.cells if _raw(c, "# BEGIN QUESTION")]


def _test_cells(nb):
    """(question, hidden, source) of every test cell in the source notebook."""
    out, question, in_tests = [], None, False
    for c in nb.cells:
        if _raw(c, "# BEGIN QUESTION"):
            question = re.search(r"name:\s*(\S+)", c.source).group(1)
        elif _raw(c, "# BEGIN TESTS"):
            in_tests = True
        elif _raw(c, "# END TESTS"):
            in_tests = False
        elif in_tests and c.cell_type == "code":
            config = c.source.split("# END TEST CONFIG")[0] if "# END TEST CONFIG" in c.source else ""
            out.append((question, bool(re.search(r"hidden:\s*true", config)), c.source))
    return out


def _body_lines(test_source: str) -> set[str]:
    """The test's lines as written and as otter stores and prints them (``ast.unparse``d)."""
    body = test_source.split("# END TEST CONFIG")[-1]
    lines = body.splitlines() + ast.unparse(ast.parse(body)).splitlines()
    return {ln.strip() for ln in lines if ln.strip()}


def _answer_lines(nb) -> set[str]:
    """Lines of the public tests that hold an expected value (``right = <comparison>``)."""
    return {ln for q, hidden, src in _test_cells(nb) if not hidden for ln in _body_lines(src) if ln.startswith("right =")}


def _solution_lines(nb) -> list[str]:
    """Code lines marked ``# SOLUTION`` or inside ``# BEGIN/END SOLUTION`` comment blocks, marker removed."""
    lines = []
    for c in nb.cells:
        if c.cell_type != "code":
            continue
        block = False
        for ln in c.source.splitlines():
            s = ln.strip()
            if s.endswith("# END SOLUTION"):
                block = False
            elif re.match(r"# BEGIN SOLUTION", s):
                block = True
            elif block or re.search(r"# ?SOLUTION$", s):
                code = re.sub(r"\s*# ?SOLUTION$", "", s).strip()
                if code and code != "...":
                    lines.append(code)
    return lines


def _text(nb) -> str:
    """Everything a student can read in a notebook: cell sources and metadata (public tests)."""
    return "\n".join(c.source for c in nb.cells) + "\n" + json.dumps(dict(nb.metadata), ensure_ascii=False)


# ---------------------------------------------------------------------------------------------
# static checks on the committed source (no kernel); that it is committed with outputs cleared
# is checked, with lessons/, by tests/test_notebooks.py::test_committed_notebook_has_no_outputs
# ---------------------------------------------------------------------------------------------
def test_exercises_01_to_05_exist():
    assert {"01", "02", "03", "04", "05"} <= {f[:2] for f in FOLDERS}, f"exercise folders found: {FOLDERS}"


@pytest.mark.parametrize("name", FOLDERS)
def test_source_follows_the_otter_pattern(name):
    nb = _source(name)
    first = nb.cells[0]
    assert _raw(first, "# ASSIGNMENT CONFIG"), "the first cell must be the raw # ASSIGNMENT CONFIG cell"
    assert re.search(rf"^name:\s*{name}\s*$", first.source, re.M), "assignment name must equal the folder name"
    assert re.search(r"strip_solutions_from_all_cells:\s*true", first.source), "keep the solution-stripping fail-safe on"
    questions = _questions(nb)
    assert 3 <= len(questions) <= 6, f"{len(questions)} questions; an exercise has 3-6"
    # the raw-cell markers are mandatory: comments alone leak the answer (TOOLING.md)
    n_begin = sum(_raw(c, "# BEGIN SOLUTION") for c in nb.cells)
    n_end = sum(_raw(c, "# END SOLUTION") for c in nb.cells)
    assert n_begin == n_end == len(questions), f"{n_begin} BEGIN / {n_end} END SOLUTION raw cells for {len(questions)} questions"
    tests = _test_cells(nb)
    for q in questions:
        kinds = {hidden for qq, hidden, _ in tests if qq == q}
        assert kinds == {False, True}, f"{q} needs at least one public and one hidden test; has {kinds}"
    for q, _, src in tests:
        assert "\ndef " in "\n" + src.split("# END TEST CONFIG")[-1], f"{q}: tests are exception-based (one def + its call)"


@pytest.mark.slow
@pytest.mark.notebooks
@pytest.mark.parametrize("name", FOLDERS)
def test_source_runs_top_to_bottom(name, tmp_path):
    """The source notebook, solutions and test calls included, runs without error (as `make exercises` does)."""
    executed = exbuild.execute_source(EXERCISES / name, tmp_path)
    nb = nbformat.read(executed, as_version=4)
    calls = [c for c in nb.cells if c.cell_type == "code" and re.search(r"^test_\w+\(", c.source, re.M)]
    assert calls and all(c.execution_count for c in calls), "every test cell ran its test on the solution"


@pytest.mark.parametrize("name", FOLDERS)
def test_mistake_fixture_matches_the_solution(name):
    m = _mistake(name)
    assert m["question"] in _questions(_source(name))
    hits = sum(c.source.count(m["replace"]) for c in _source(name).cells if c.cell_type == "code")
    assert hits == 1, f"mistake.json 'replace' must occur exactly once in the solution; found {hits}"


# ---------------------------------------------------------------------------------------------
# built and graded with otter (one build per exercise, three notebooks graded)
# ---------------------------------------------------------------------------------------------
def _answered_with_mistake(student_path: Path, solution_path: Path, mistake: dict, dest: Path) -> Path:
    """The student notebook with every answer cell filled from the solution, then one line made wrong."""
    student = nbformat.read(student_path, as_version=4)
    solution = nbformat.read(solution_path, as_version=4)
    answers = [c for c in solution.cells if ANSWER_TAG in c.metadata.get("tags", [])]
    slots = [c for c in student.cells if ANSWER_TAG in c.metadata.get("tags", [])]
    assert len(answers) == len(slots) > 0, "student and solution notebooks have different answer cells"
    for slot, answer in zip(slots, answers):
        slot.source = answer.source.replace(mistake["replace"], mistake["by"])
    assert sum(s.source.count(mistake["by"]) for s in slots) == 1, "the mistake was not applied"
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / student_path.name  # the same file name: grader.check needs it
    nbformat.write(student, path)
    return path


def _grader_check(nb_path: Path, question: str) -> str:
    """What ``grader.check(question)`` prints in the student's own copy (tests from its metadata)."""
    import otter

    nb = nbformat.read(nb_path, as_version=4)
    env: dict = {}
    with contextlib.chdir(nb_path.parent):
        for c in nb.cells:
            if c.cell_type == "code" and "otter" not in c.source and "grader." not in c.source:
                exec(compile(c.source, str(nb_path), "exec"), env)
        result = otter.Notebook(nb_path.name).check(question, global_env=env)
    return repr(result)


@pytest.fixture(scope="module", params=FOLDERS)
def graded(request, tmp_path_factory):
    name = request.param
    out = tmp_path_factory.mktemp(f"ex{name[:2]}")
    archive = exbuild.build(name, out / "dist", execute=False, run_tests=False)
    nn = out / "dist" / name[:2]
    paths = {
        "solution": nn / "autograder" / f"{name}.ipynb",
        "student": nn / "student" / f"{name}.ipynb",
    }
    paths["mistake"] = _answered_with_mistake(paths["student"], paths["solution"], _mistake(name), out / "mistake")
    results = {kind: exgrade.grade_notebook(p, archive) for kind, p in paths.items()}
    return {"name": name, "paths": paths, "results": results}


@pytest.mark.slow
@pytest.mark.notebooks
def test_solution_gets_full_marks(graded):
    r = graded["results"]["solution"]
    assert 3 <= len(r["scores"]) <= 6
    assert sum(r["possible"].values()) > 0
    lost = {q: r["messages"][q] for q in r["scores"] if r["scores"][q] != r["possible"][q]}
    assert not lost, f"{graded['name']}: the solution loses marks on {list(lost)}:\n" + "\n".join(lost.values())
    assert r["errors"] == [], f"the solution notebook raised {r['errors']}"


@pytest.mark.slow
@pytest.mark.notebooks
def test_unanswered_student_version_gets_zero_without_errors(graded):
    r = graded["results"]["student"]
    scored = {q: s for q, s in r["scores"].items() if s != 0}
    assert not scored, f"{graded['name']}: the unanswered notebook scores {scored}"
    assert r["errors"] == [], f"{graded['name']}: cells of the unanswered notebook raised {r['errors']}"
    # every question fails a *public* test too, so the student sees it before grading
    passing = [q for q, msg in r["public_messages"].items() if "All test cases passed" in msg]
    assert not passing, f"public tests pass on an unanswered notebook for {passing}"


@pytest.mark.slow
@pytest.mark.notebooks
def test_typical_mistake_gets_partial_marks_and_is_named(graded):
    m = _mistake(graded["name"])
    r = graded["results"]["mistake"]
    total, possible = sum(r["scores"].values()), sum(r["possible"].values())
    assert 0 < total < possible, f"{graded['name']}: the typical mistake scores {total} of {possible}"
    q = m["question"]
    assert r["scores"][q] < r["possible"][q], f"{q} keeps full marks despite the mistake"
    assert m["message"] in r["public_messages"][q], (
        f"otter's public feedback on {q} does not name the mistake ({m['message']!r}):\n{r['public_messages'][q]}")
    assert r["errors"] == []
    shown = _grader_check(graded["paths"]["mistake"], q)
    assert m["message"] in shown, f"grader.check({q!r}) in the student's copy does not say {m['message']!r}:\n{shown}"


@pytest.mark.slow
@pytest.mark.notebooks
def test_feedback_never_prints_the_expected_value(graded):
    """otter prints the failing line of a test: the expected value must sit on another line."""
    lines = _answer_lines(_source(graded["name"]))
    assert lines, "public tests of computations keep their expected value on a `right = ...` line"
    stored = "\n".join(nbformat.read(graded["paths"]["student"], as_version=4).metadata["otter"]["tests"].values())
    assert any(ln in stored for ln in lines), "the lines are not in the form otter stores and prints"
    for kind in ("student", "mistake"):
        for q, msg in graded["results"][kind]["public_messages"].items():
            shown = [ln for ln in lines if ln in msg]
            assert not shown, f"{kind} notebook, {q}: the feedback shows the expected value: {shown}"


@pytest.mark.slow
@pytest.mark.notebooks
def test_student_version_has_no_solutions_or_hidden_tests(graded):
    name = graded["name"]
    student = nbformat.read(graded["paths"]["student"], as_version=4)
    text = _text(student)
    source = _source(name)
    assert "grader.check(" in text and student.metadata["otter"]["tests"], "the student version lost its public tests"
    leaked = [ln for ln in _solution_lines(source) if ln in text]
    assert not leaked, f"solution lines appear in the student version of {name}: {leaked}"
    tests = _test_cells(source)
    public = set().union(*(_body_lines(s) for _, h, s in tests if not h))
    hidden_only = {ln for _, h, s in tests if h for ln in _body_lines(s)} - public
    leaked = sorted(ln for ln in hidden_only if len(ln) > 12 and ln in text)
    assert not leaked, f"hidden-test lines appear in the student version of {name}: {leaked}"
    assert "hidden=True" not in text and "_hidden(" not in text


# ---------------------------------------------------------------------------------------------
# no answer value anywhere in the student version (issue 11): every number the hidden tests or
# the solution lines hold, as written or as evaluated (1 / 3), must not appear in its sources,
# outputs or metadata, except trivial ones and those the question itself gives
# ---------------------------------------------------------------------------------------------
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.])")


def _literals(code: str) -> set[float]:
    """Numbers in ``code``: constants and constant expressions such as ``1 / 3`` or ``-1.5``."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Constant)):
            if not all(isinstance(n, (ast.BinOp, ast.UnaryOp, ast.Constant, ast.operator, ast.unaryop))
                       for n in ast.walk(node)):
                continue
            try:
                v = eval(compile(ast.Expression(node), "<literal>", "eval"))  # constants only
            except Exception:  # noqa: BLE001
                continue
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                found.add(float(v))
    return found


def _trivial(v: float) -> bool:
    """Small whole numbers and powers of ten (indices, counts, tolerances) say nothing about an answer."""
    return (v == int(v) and abs(v) <= 10) or (v > 0 and abs(__import__("math").log10(v) % 1) < 1e-12)


def _numbers_in(text: str) -> set[str]:
    return set(_NUMBER.findall(text))


def _shows(token: str, value: float) -> bool:
    """``token`` writes ``value`` (rounded to the token's precision, with 3+ significant digits if not whole)."""
    t = float(token)
    if value == int(value):
        return t == value
    mantissa = token.lstrip("-").split("e")[0].split("E")[0].replace(".", "").lstrip("0")
    if len(mantissa) < 3:
        return False
    decimals = len(token.split(".")[1].split("e")[0]) if "." in token else 0
    return abs(t - value) <= 0.5 * 10 ** -decimals + 1e-12


def _student_readable(nb) -> str:
    """Sources, text outputs and metadata of every cell, and the notebook's metadata (public tests)."""
    parts = [json.dumps(dict(nb.metadata), ensure_ascii=False)]
    for c in nb.cells:
        parts.append(c.source)
        parts.append(json.dumps({k: v for k, v in c.metadata.items() if k != "execution"}, ensure_ascii=False))
        for o in c.get("outputs", []):
            parts.append(o.get("text", "") if isinstance(o.get("text", ""), str) else "")
            parts += [str(v) for k, v in o.get("data", {}).items() if k.startswith("text/")]
            parts.append(str(o.get("evalue", "")))
    return "\n".join(parts)


def _given(source) -> str:
    """What the question gives anyway: markdown and the code cells that are neither answers nor tests."""
    test_sources = {s for _, _, s in _test_cells(source)}
    return "\n".join(c.source for c in source.cells if c.cell_type == "markdown"
                     or (c.cell_type == "code" and c.source not in test_sources and "# SOLUTION" not in c.source))


@pytest.mark.slow
@pytest.mark.notebooks
def test_student_version_holds_no_answer_value(graded):
    name = graded["name"]
    source = _source(name)
    hidden = [s.split("# END TEST CONFIG")[-1] for _, h, s in _test_cells(source) if h]
    values = set().union(*(_literals(s) for s in hidden), *(_literals(ln) for ln in _solution_lines(source)))
    given = _numbers_in(_given(source))
    values = {v for v in values if not _trivial(v) and not any(_shows(t, v) for t in given)}
    assert values, f"{name}: no answer values found in the hidden tests (the test would prove nothing)"
    shown = _numbers_in(_student_readable(nbformat.read(graded["paths"]["student"], as_version=4)))
    leaked = sorted({f"{v:g} as {t}" for v in values for t in shown if _shows(t, v)})
    assert not leaked, f"answer values appear in the student version of {name}: {leaked}"
