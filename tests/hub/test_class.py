"""A whole class on a real JupyterHub (``make test-hub``): nbgitpuller link in, graded CSV out.

One module-scoped round (``hub_class``) pays for the hub once; each test then checks one claim
about it.  The round, on ``hub/jupyterhub_config.py`` (dummy login, SimpleLocalProcessSpawner,
every student server ``jupyterhub-singleuser`` from the course ``.venv``):

1. ten students at once log in, follow the course's nbgitpuller link (pulling from a local bare
   clone of this repository) and land on lesson 00; each runs lesson 02 to the end in a kernel
   of their own server (REST + kernel websocket), then, with every kernel alive, moves a slider
   three times and gets a new picture of the figure each time;
2. each saves a note in lesson 02 and uploads exercise 02, filled by role: the solution (half the
   class), the typical mistake (``mistake.json``), blank, a file that is not a notebook, and the
   solution followed by a cell that loops forever;
   (one student had handed in early, and their server was killed mid-lesson: they logged in
   again and ran the lesson on a new server);
3. ``exercises/collect.py`` (``make collect``) collects the homes and ``exercises/grade.py``
   (``make grade``) grades them, 45 s per notebook, two at a time, while the lecturer pushes a
   fix to lesson 00 and every student follows the link again.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import hubclass
import hubdriver as hd

ROOT = hd.ROOT
sys.path.insert(0, str(ROOT / "exercises"))
import build as exbuild  # noqa: E402  (make exercises)
import collect as excollect  # noqa: E402  (make collect)
import grade as exgrade  # noqa: E402  (make grade)

pytestmark = [pytest.mark.hub, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

EXERCISE = "02_shrinkage_weight"
ANSWER_TAG = "otter_assign_solution_cell"
FIX = "Fixed by the lecturer after the first lecture."
GRADE_TIMEOUT = 45   # s per notebook: a solution takes 4-9 s alone, up to 23 s on 2 busy cores (as test_grading_sandbox)
# who hands in what: half the class the solution, some the typical mistake, some nothing, two faults
ROLES = {"s01": "forever", "s02": "solution", "s03": "solution", "s04": "solution", "s05": "solution",
         "s06": "solution", "s07": "mistake", "s08": "mistake", "s09": "blank", "s10": "not_a_notebook"}
KILLED = "s08"
MOVES = 3


# ---------------------------------------------------------------------------------------------
# the lecturer's side: the course repository, a fix, the hand-out
# ---------------------------------------------------------------------------------------------
def push_fix(bare: Path, branch: str, work: Path) -> None:
    """The lecturer's clone: one sentence added to lesson 00's first cell, committed and pushed."""
    import nbformat

    clone = work / "lecturer"
    subprocess.run(["git", "clone", "--quiet", "--branch", branch, str(bare), str(clone)], check=True)
    path = clone / hd.LESSON_00
    nb = nbformat.read(path, as_version=4)
    nb.cells[0].source += f"\n\n{FIX}"
    nbformat.write(nb, path)
    git = ["git", "-C", str(clone), "-c", "user.name=Lecturer", "-c", "user.email=lecturer@example.edu"]
    subprocess.run([*git, "commit", "--quiet", "-am", "lesson 00: a fix"], check=True)
    subprocess.run([*git, "push", "--quiet", "origin", branch], check=True)


def handed_in(role: str, student_nb: dict, solution_nb: dict, mistake: dict) -> dict | str:
    """Exercise 02 as a student of ``role`` saves it (a notebook, or text for ``not_a_notebook``)."""
    if role == "not_a_notebook":
        return "my answers: w_alice = 1/3, w_bob = 5/6\n"
    nb = json.loads(json.dumps(student_nb))
    if role == "blank":
        return nb
    answers = [c for c in solution_nb["cells"] if ANSWER_TAG in c["metadata"].get("tags", [])]
    slots = [c for c in nb["cells"] if ANSWER_TAG in c["metadata"].get("tags", [])]
    assert len(answers) == len(slots) > 0, "the hand-out and the solution have different answer cells"
    for slot, answer in zip(slots, answers):
        src = "".join(answer["source"])
        slot["source"] = src.replace(mistake["replace"], mistake["by"]) if role == "mistake" else src
    if role == "forever":
        nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                            "source": "import time\nwhile True:\n    time.sleep(1)"})
    return nb


# ---------------------------------------------------------------------------------------------
# the students' side
# ---------------------------------------------------------------------------------------------
def comms_over_subshells(student: hd.Student):
    """The default of the setting the overrides file changes, as the student's JupyterLab serves it."""
    r = student.http.get(f"{student.base}/lab/api/settings/@jupyterlab/apputils-extension:kernels-settings",
                         timeout=60)
    r.raise_for_status()
    return r.json()["schema"]["properties"].get("commsOverSubshells", {}).get("default")


def hand_in(student: hd.Student, work: dict, *, note: bool = True) -> None:
    """A note in lesson 02 (``note``), and exercise 02 saved in the home folder (as uploaded and edited)."""
    if note:
        lesson = student.read_notebook(hubclass.LESSON_02)
        lesson["cells"].append({"cell_type": "markdown", "metadata": {}, "source": f"My own note, {student.name}."})
        student.save_notebook(hubclass.LESSON_02, lesson)
    content = work[student.name]
    if isinstance(content, str):
        student.save_file(f"{EXERCISE}.ipynb", content)
    else:
        student.save_notebook(f"{EXERCISE}.ipynb", content)


def pull_again(student: hd.Student, link: str) -> dict:
    """Follow the link again; return lesson 00 and lesson 02 as they are in the home folder now."""
    student.follow(link)
    return {"lesson_00": student.read_notebook(f"{hd.TARGET}/{hd.LESSON_00}"),
            "lesson_02": student.read_notebook(hubclass.LESSON_02)}


def attend_after_a_kill(hub: hd.Hub, student: hd.Student, link: str, work: dict) -> hubclass.Attendance:
    """Hand in the exercise, start lesson 02, get the server killed mid-lesson; log in again and attend.

    What the student finds after the new login goes into ``.killed`` of the attendance.
    """
    student.login()
    student.follow(link)
    hand_in(student, work, note=False)
    with student.kernel(hubclass.LESSON_02) as kernel:
        kernel.run_cells(hubclass.code_cells(student.read_notebook(hubclass.LESSON_02))[:3])
        old_pid = hub.server_pid(student.name)
        os.kill(old_pid, signal.SIGKILL)
    hub.wait_stopped(student.name)
    att = hubclass.attend(student, link)        # the next login: a new server, the whole lesson
    att.killed = {"old_pid": old_pid, "new_pid": hub.server_pid(student.name),
                  "exercise": (student.home / f"{EXERCISE}.ipynb").read_text()}
    return att


def grade_round(homes: Path, work: Path) -> dict:
    """``make collect`` then ``make grade`` (two notebooks at a time, GRADE_TIMEOUT each)."""
    submissions = work / "submissions"
    out = {"collected": excollect.collect(homes, submissions, only=EXERCISE[:2])}
    sandbox = "bwrap" if exgrade.have_bwrap() else "none"
    args = [str(submissions), "--dist", str(work / "dist"), "--only", EXERCISE[:2],
            "--timeout", str(GRADE_TIMEOUT), "--jobs", "2", "--sandbox", sandbox]
    out["grade_rc"] = exgrade.main(args)
    with open(submissions / f"grades_{EXERCISE}.csv", newline="") as f:
        out["grades"] = {row["student"]: row for row in csv.DictReader(f)}
    return out


def run_round(work: Path) -> dict:
    bare, branch = hd.bare_clone(work), hd.COURSE_BRANCH
    exbuild.build(EXERCISE, work / "dist", execute=False, run_tests=False)
    nn = work / "dist" / EXERCISE[:2]
    student_nb = json.loads((nn / "student" / f"{EXERCISE}.ipynb").read_text())
    solution_nb = json.loads((nn / "autograder" / f"{EXERCISE}.ipynb").read_text())
    mistake = json.loads((ROOT / "exercises" / EXERCISE / "mistake.json").read_text())
    work_of = {name: handed_in(role, student_nb, solution_nb, mistake) for name, role in ROLES.items()}
    out = {"mistake": mistake}
    with hd.Hub(work) as hub, ThreadPoolExecutor(len(ROLES)) as pool:
        link = hd.pull_link(hub.url, f"file://{bare}", branch)
        students = [hd.Student(hub, name) for name in ROLES]

        def lesson(s):
            return attend_after_a_kill(hub, s, link, work_of) if s.name == KILLED else hubclass.attend(s, link)
        attended = list(pool.map(lesson, students))
        try:
            out["attended"] = attended
            live = [a for a in attended if not a.error]
            out["moves"] = dict(zip([a.student.name for a in live],
                                    pool.map(lambda a: hubclass.move_sliders(a, MOVES), live)))
            out["images_after"] = {a.student.name: a.kernel.images for a in live}
            out["overrides"] = dict(zip(ROLES, pool.map(comms_over_subshells, students)))
            list(pool.map(lambda s: hand_in(s, work_of), students))
        finally:
            for a in attended:
                a.close()
        grading = pool.submit(grade_round, hub.homes, work)   # while the class goes on
        push_fix(bare, branch, work)
        out["again"] = dict(zip(ROLES, pool.map(lambda s: pull_again(s, link), students)))
        out["hub_log"] = hub.trouble(40) + "\n--- its last lines:\n" + hub.tail(30)
        out.update(grading.result())
    return out


@pytest.fixture(scope="module")
def hub_class(hub_tools, tmp_path_factory):
    out = run_round(tmp_path_factory.mktemp("hub"))
    for a in out["attended"]:       # JupyterLab reconnects too; not a failure, but worth seeing in the log
        for r in (a.kernel.reconnects if a.kernel else []):
            warnings.warn(f"{a.student.name}'s kernel websocket dropped and was opened again ({r})", stacklevel=1)
    return out


def _problems(hub_class) -> str:
    """Each student's failure, every dropped websocket, and the hub log's warnings and last lines."""
    errors = [a.error for a in hub_class["attended"] if a.error]
    dropped = [f"{a.student.name} reconnected: {r}" for a in hub_class["attended"] if a.kernel for r in a.kernel.reconnects]
    return "\n".join(errors + dropped) + "\n--- hub log, warnings and errors:\n" + hub_class["hub_log"][-5000:]


# ---------------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------------
def test_every_student_lands_on_lesson_00_of_the_pulled_course(hub_class):
    landed = {a.student.name: a.landing for a in hub_class["attended"]}
    assert set(landed) == set(ROLES)
    wrong = {n: p for n, p in landed.items() if p != f"lab/tree/{hd.TARGET}/{hd.LESSON_00}"}
    assert not wrong, f"the nbgitpuller link did not land on lesson 00 for {wrong}:\n{_problems(hub_class)}"
    for a in hub_class["attended"]:
        pulled = a.student.home / hd.TARGET / "lessons" / "02_shrinkage_weight.ipynb"
        assert pulled.is_file(), f"{a.student.name}: the course was not pulled into ~/{hd.TARGET}"


def test_every_student_server_has_the_overrides_file(hub_class):
    for name, value in hub_class["overrides"].items():
        assert value == "disabled", (
            f"{name}'s JupyterLab defaults commsOverSubshells to {value!r}: the overrides "
            "file (jupyter-config/blupteach-overrides.json, installed by binder/postBuild) is not in the course .venv")


def test_lesson_02_runs_to_the_end_in_every_students_kernel(hub_class):
    assert not any(a.error for a in hub_class["attended"]), _problems(hub_class)
    for a in hub_class["attended"]:
        assert a.images > 0, f"{a.student.name}: lesson 02 ran but its live figures sent no picture"


def test_a_slider_move_gets_each_student_an_updated_figure(hub_class):
    assert set(hub_class["moves"]) == set(ROLES), _problems(hub_class)
    for a in hub_class["attended"]:
        moves = hub_class["moves"][a.student.name]
        assert len(moves) == MOVES and all(ms > 0 for ms in moves)
        assert hub_class["images_after"][a.student.name] >= a.images + MOVES, (
            f"{a.student.name}: {MOVES} slider moves brought {hub_class['images_after'][a.student.name] - a.images} "
            "new pictures")


def test_pulling_after_the_lecturers_fix_keeps_the_students_edits(hub_class):
    assert len(hub_class["again"]) == len(ROLES)
    for name, files in hub_class["again"].items():
        first = "".join(files["lesson_00"]["cells"][0]["source"])
        assert FIX in first, f"{name}: the lecturer's fix to lesson 00 did not arrive on pulling again"
        last = "".join(files["lesson_02"]["cells"][-1]["source"])
        assert last == f"My own note, {name}.", f"{name}: the own note in lesson 02 is gone after pulling again"


def test_a_server_killed_mid_lesson_comes_back_with_the_students_files(hub_class):
    att = next(a for a in hub_class["attended"] if a.student.name == KILLED)
    assert not att.error, f"after the kill, the next login did not get the lesson running: {att.error}"
    k = att.killed
    assert k["new_pid"] and k["new_pid"] != k["old_pid"], "the next login did not start a new server"
    assert att.landing == f"lab/tree/{hd.TARGET}/{hd.LESSON_00}" and att.images > 0
    assert hub_class["mistake"]["by"] in k["exercise"], "the exercise saved before the kill is not as it was saved"


def test_the_grade_csv_has_every_student_with_the_expected_marks(hub_class):
    grades = hub_class["grades"]
    assert hub_class["grade_rc"] == 0
    assert set(grades) == set(ROLES), f"students in the CSV: {sorted(grades)}"
    q = hub_class["mistake"]["question"]
    full = next(r for n, r in grades.items() if ROLES[n] == "solution")
    possible = float(full["possible"])
    assert possible > 0
    for name, row in grades.items():
        role = ROLES[name]
        if role == "solution":
            assert float(row["total"]) == possible and not row["note"], f"{name} (solution): {row}"
        elif role == "mistake":   # the swapped weight costs q1, and what is computed from it
            assert float(row[q]) == 0 and 0 < float(row["total"]) < possible and not row["note"], f"{name}: {row}"
        elif role == "blank":
            assert float(row["total"]) == 0, f"{name} (blank): {row}"
    for role in ("solution", "mistake"):    # the same answers, the same marks
        marks = {tuple(v for k, v in r.items() if k != "student") for n, r in grades.items() if ROLES[n] == role}
        assert len(marks) == 1, f"students who handed in the same {role} got different rows: {marks}"


def test_a_file_that_is_not_a_notebook_and_an_endless_loop_get_a_note(hub_class):
    grades = hub_class["grades"]
    bad = next(n for n, r in ROLES.items() if r == "not_a_notebook")
    forever = next(n for n, r in ROLES.items() if r == "forever")
    assert grades[bad]["note"].startswith("not a notebook"), grades[bad]
    assert f"timed out after {GRADE_TIMEOUT} s" in grades[forever]["note"], grades[forever]
    # the answers exported before the endless cell still count
    assert float(grades[forever]["total"]) == float(grades[forever]["possible"]) > 0, grades[forever]
