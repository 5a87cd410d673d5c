"""Grade a class of exercise notebooks into one CSV per exercise (``make grade``).

otter-grader builds the exercises (``otter assign``: student versions, autograder tests,
``grader.check`` for students).  Grading does **not** run the tests inside the student's process
(that is what ``otter run`` does, and a student's cell can then patch ``abs``, otter's runner or
the test files).  Instead, per submission:

1. **in a sandbox** (``bwrap``: no network, own PID namespace that dies with the grader,
   read-only system, only a throwaway copy of that one notebook writable, the repository,
   autograders, solutions and other submissions not visible, user ``nobody`` when the grader is
   root, a wall-clock and a memory limit) ``sandbox_run.py`` executes the notebook cell by cell
   and, after each cell, exports the **answer variables only** (the parameter names of otter's
   test functions) as plain JSON;
2. **in this trusted process**, which never runs student code, otter's generated test files
   (``tests/qN.py`` from the autograder zip, its sha256 checked against the ``.sha256`` file
   ``make exercises`` wrote) are evaluated on those plain values, case by case, with otter's
   own point rules.

Each CSV row is written and flushed as soon as its notebook is graded; a notebook that times
out, kills its kernel or is not a notebook still gets its row (with the answers it had exported
before) and a note.

Layout it expects::

    SUBMISSIONS/<student>/<NN>_<name>.ipynb        the student's identity is the folder name
    exercises/dist/<NN>/autograder/<NN>_<name>-autograder_*.zip   (+ .sha256, from ``make exercises``)

and it writes ``SUBMISSIONS/grades_<NN>_<name>.csv`` (or into ``--out``).

Usage::

    python exercises/grade.py SUBMISSIONS [--dist exercises/dist] [--out DIR] [--only 02]
                              [--timeout 120] [--memory-mb 4096] [--sandbox auto|bwrap|none|docker]

Without ``bwrap`` it refuses to grade unless ``UNSAFE=1`` (or ``--sandbox none``) is given.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


@dataclass
class Exercise:
    """One exercise: ``exercises/<NN>_<name>/<NN>_<name>.ipynb`` and its built autograder."""

    folder: str  # "02_shrinkage_weight"
    autograder: Path | None

    @property
    def number(self) -> str:
        return self.folder[:2]

    @property
    def notebook(self) -> str:
        return f"{self.folder}.ipynb"


def exercise_folders(root: Path = HERE) -> list[str]:
    """Names of the exercise folders (``NN_name`` holding ``NN_name.ipynb``), sorted."""
    return sorted(
        p.name for p in root.iterdir()
        if p.is_dir() and p.name[:2].isdigit() and p.name[2:3] == "_" and (p / f"{p.name}.ipynb").is_file()
    )


def find_autograder(dist: Path, number: str) -> Path | None:
    """The newest autograder archive in ``dist/<NN>/autograder/`` (``None`` if not built)."""
    zips = sorted((dist / number / "autograder").glob("*-autograder_*.zip"))
    return zips[-1] if zips else None


DEFAULT_TIMEOUT = 120.0   # seconds of wall clock per notebook
DEFAULT_MEMORY_MB = 4096  # address-space limit per notebook (kernel included)
MAX_ANSWERS_BYTES = 20_000_000
RUNNER = HERE / "sandbox_run.py"
NOBODY = 65534


# ---------------------------------------------------------------------------------------------
# the autograder: otter's test files, read from the checksummed zip (trusted side only)
# ---------------------------------------------------------------------------------------------
def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def checksum_file(autograder: Path) -> Path:
    """Where ``make exercises`` records the zip's sha256 (``<zip>.sha256``, sha256sum format)."""
    return autograder.with_name(autograder.name + ".sha256")


def recorded_sha256(autograder: Path) -> str:
    path = checksum_file(autograder)
    if not path.is_file():
        raise RuntimeError(f"no checksum {path.name} beside {autograder.name}: rebuild it with `make exercises`")
    return path.read_text().split()[0]


def load_tests(autograder: Path) -> dict[str, str]:
    """``{question: source of tests/<question>.py}`` from the autograder zip, after checking its sha256."""
    data = Path(autograder).read_bytes()
    want = recorded_sha256(autograder)
    got = hashlib.sha256(data).hexdigest()
    if got != want:
        raise RuntimeError(f"{autograder.name} does not match its recorded sha256 ({got[:12]} != {want[:12]}): "
                           "it was changed after `make exercises`; rebuild it")
    tests = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.filename.startswith("tests/") and info.filename.endswith(".py"):
                tests[Path(info.filename).stem] = z.read(info).decode()
    if not tests:
        raise RuntimeError(f"{autograder.name} holds no tests/*.py")
    return dict(sorted(tests.items(), key=lambda kv: (len(kv[0]), kv[0])))


def _test_file(question: str, source: str):
    from otter.test_files.exception_test import ExceptionTestFile

    return ExceptionTestFile.from_string(source, path=f"tests/{question}.py")


def answer_names(tests: dict[str, str]) -> list[str]:
    """The variables the tests read: the parameters of every test function (otter passes them by name)."""
    names = []
    for q, src in tests.items():
        for tc in _test_file(q, src).test_cases:
            for p in tc.body._get_func_params():
                if p != "env" and p not in names:
                    names.append(p)
    return names


def plain_values(exported: dict, names: list[str]) -> tuple[dict, list[str]]:
    """Turn the sandbox's JSON into the values the tests see; notes for answers that are not plain data.

    Numbers, strings and lists stay as they are; arrays become float ndarrays and Series float
    Series, rebuilt here from plain lists (nothing of the student's objects survives).
    """
    import numpy as np

    env, notes = {}, []
    for n in names:
        item = exported.get(n)
        if not isinstance(item, dict) or item.get("missing"):
            continue
        if "ndarray" in item:
            try:
                env[n] = np.asarray(item["ndarray"], dtype=float).reshape(item.get("shape", [-1]))
            except (ValueError, TypeError):
                notes.append(f"{n}: an unreadable array (marked wrong)")
        elif "series" in item:
            import pandas as pd

            labels, values = item.get("index"), item["series"]
            ok = (isinstance(labels, list) and isinstance(values, list) and len(labels) == len(values)
                  and all(type(x) in (str, int) for x in labels) and all(type(x) in (int, float) for x in values))
            if ok:
                name = item.get("name") if type(item.get("name")) is str else None
                env[n] = pd.Series([float(x) for x in values], index=labels, name=name, dtype=float)
            else:
                notes.append(f"{n}: an unreadable Series (marked wrong)")
        elif "value" in item and _is_plain(item["value"]):
            env[n] = item["value"]
        else:
            notes.append(f"{n} is {str(item.get('unsupported', 'not plain data'))[:60]}, not a number, string or "
                         "array (marked wrong)")
    return env, notes


def _is_plain(v, depth: int = 0) -> bool:
    if isinstance(v, (bool, int, float, str)):
        return type(v) in (bool, int, float, str)
    return isinstance(v, list) and type(v) is list and depth == 0 and all(_is_plain(x, 1) for x in v)


def score(tests: dict[str, str], env: dict) -> dict:
    """Run every test case of otter's test files on the plain answers ``env`` (here, trusted).

    Points per case as otter resolves them (a question's points shared by its hidden cases,
    public cases worth 0).  Returns scores, possible, otter's summary of all tests and of the
    public ones.
    """
    out = {"scores": {}, "possible": {}, "messages": {}, "public_messages": {}}
    for q, src in tests.items():
        tf = _test_file(q, src)
        tf.run(dict(env))   # a copy: one test cannot change what the next one sees
        out["scores"][q] = float(tf.score)
        out["possible"][q] = float(tf.possible)
        out["messages"][q] = tf.summary()
        out["public_messages"][q] = _public_feedback(tf)
    return out


def _public_feedback(tf) -> str:
    """What ``grader.check`` shows the student (form-only checks: "form OK — marked after you hand in")."""
    from sandbox_run import FORM_OK

    public = [r for r in tf.test_case_results if not r.test_case.hidden]
    if public and all(r.passed for r in public) and any(r.test_case.success_message == FORM_OK for r in public):
        return f"{tf.name}: {FORM_OK}"
    return tf.summary(public_only=True)


# ---------------------------------------------------------------------------------------------
# the sandbox: one bwrap per notebook
# ---------------------------------------------------------------------------------------------
def have_bwrap() -> bool:
    return shutil.which("bwrap") is not None


def _needed_paths() -> list[Path]:
    """What the sandbox must see read-only even when it lies inside a hidden folder."""
    import importlib.util

    paths = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.executable).resolve().parent.parent}
    spec = importlib.util.find_spec("blupteach")
    if spec and spec.submodule_search_locations:
        paths.add(Path(list(spec.submodule_search_locations)[0]))
    return sorted(paths)


def _hidden_paths(extra: list[Path]) -> list[Path]:
    """Folders the student must not see: the repository (solutions), the grader's home, the
    submissions, the output and the autograders (``/tmp`` is a fresh tmpfs anyway)."""
    hidden = {HERE.parent, Path.home(), *extra}
    if os.geteuid() == 0:
        hidden.add(Path("/root"))
    venv_parent = Path(sys.prefix).parent
    if (venv_parent / "exercises").is_dir():
        hidden.add(venv_parent)          # the repository that holds the venv (a fresh clone: the same one)
    return sorted(p.resolve() for p in hidden if p.exists() and p.resolve() != Path("/"))


def bwrap_command(work: Path, hidden: list[Path], argv: list[str], *, memory_mb: int) -> list[str]:
    """The bwrap command line: read-only /, no network, own PID namespace, ``work`` the only writable folder."""
    cmd = ["prlimit", f"--as={memory_mb * 1024 * 1024}", "--core=0", "--"]
    cmd += ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent",
            "--new-session", "--tmpfs", "/tmp"]
    for h in hidden:
        if str(h).startswith("/tmp/") or h == Path("/tmp"):
            continue
        cmd += ["--tmpfs", str(h)]
    made = set()

    def parents(target: Path) -> list[str]:   # bwrap would make missing parents mode 0700: nobody could not enter
        out = []
        for d in reversed(target.parents):
            if d not in made and any(d == h or h in d.parents for h in [*hidden, Path("/tmp")]):
                made.add(d)
                out += ["--dir", str(d)]
        return out

    for p in _needed_paths():
        if any(p == h or h in p.parents for h in hidden):
            cmd += [*parents(p), "--ro-bind", str(p), str(p)]
    cmd += ["--bind", str(work), "/tmp/work", "--dir", "/tmp/grader",
            "--ro-bind", str(RUNNER), "/tmp/grader/sandbox_run.py", "--chdir", "/tmp/work"]
    if os.geteuid() == 0:   # bwrap as root mounts; the student's code runs as nobody
        cmd += ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return cmd + argv


def _sandbox_env(home: str) -> dict:
    env = {
        "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin",
        "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
        "JUPYTER_RUNTIME_DIR": f"{home}/.jupyter-runtime", "JUPYTER_DATA_DIR": f"{home}/.jupyter-data",
        "IPYTHONDIR": f"{home}/.ipython", "MPLCONFIGDIR": f"{home}/.mpl", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    return env


def run_sandboxed(notebook: Path, names: list[str], *, sandbox: str = "bwrap", timeout: float = DEFAULT_TIMEOUT,
                  memory_mb: int = DEFAULT_MEMORY_MB, hidden: list[Path] = ()) -> dict:
    """Execute ``notebook`` away from the grader and return what it exported.

    Returns ``{"answers": {...}, "errors": [...], "status": text, "timed_out": bool, "seconds": s}``.
    ``sandbox="none"`` runs the same runner in a plain subprocess (``UNSAFE=1``).
    """
    base = Path(tempfile.mkdtemp(prefix="blupteach-grade-"))
    try:
        base.chmod(0o711)
        work = base / "work"
        work.mkdir()
        shutil.copyfile(notebook, work / notebook.name)
        if sandbox == "bwrap":
            if os.geteuid() == 0:
                os.chown(work, NOBODY, NOBODY)
                os.chown(work / notebook.name, NOBODY, NOBODY)
            home = "/tmp/work"
            argv = [sys.executable, "/tmp/grader/sandbox_run.py", notebook.name, "answers.json", *names]
            cmd = bwrap_command(work, _hidden_paths(list(hidden)), argv, memory_mb=memory_mb)
        elif sandbox == "none":
            home = str(work)
            cmd = ["prlimit", f"--as={memory_mb * 1024 * 1024}", "--",
                   sys.executable, str(RUNNER), notebook.name, "answers.json", *names]
        else:
            raise ValueError(f"sandbox {sandbox!r} is not implemented (use bwrap, or none with UNSAFE=1)")
        t0 = time.monotonic()
        proc = subprocess.Popen(cmd, cwd=work, env=_sandbox_env(home), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        timed_out = False
        try:
            _, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            _, stderr = proc.communicate()
        if sandbox == "none":   # no PID namespace: kill whatever is left in its session
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        seconds = time.monotonic() - t0
        state = _read_state(work / "answers.json")
        state.update(timed_out=timed_out, seconds=seconds, returncode=proc.returncode,
                     stderr=stderr.decode(errors="replace")[-2000:])
        return state
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _read_state(path: Path) -> dict:
    empty = {"answers": {}, "errors": [], "status": "exported nothing"}
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_ANSWERS_BYTES:
            return empty
        state = json.loads(path.read_text())
    except (OSError, ValueError):
        return empty
    if not isinstance(state, dict):
        return empty
    return {"answers": state.get("answers") if isinstance(state.get("answers"), dict) else {},
            "errors": [str(e)[:300] for e in state.get("errors", [])][:50] if isinstance(state.get("errors"), list) else [],
            "status": str(state.get("status", ""))[:300]}


# ---------------------------------------------------------------------------------------------
# one notebook, one class
# ---------------------------------------------------------------------------------------------
def _not_a_notebook(path: Path) -> str | None:
    import nbformat

    try:
        nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 (any parse failure is the student's file, not ours)
        return f"not a notebook ({type(exc).__name__})"
    return None


def grade_notebook(notebook: Path, autograder: Path, *, tests: dict[str, str] | None = None,
                   sandbox: str | None = None, timeout: float = DEFAULT_TIMEOUT,
                   memory_mb: int = DEFAULT_MEMORY_MB, hidden: list[Path] = ()) -> dict:
    """Grade one notebook: run it in the sandbox, then otter's tests on its exported answers, here.

    Returns ``{"scores": {q: points}, "possible": {q: points}, "messages": {q: text},
    "public_messages": {q: text}, "errors": [text], "notes": [text], "seconds": s}``:
    ``messages`` is otter's feedback on all tests of a question, ``public_messages`` what the
    student sees with ``grader.check``, ``errors`` the exceptions the notebook's own cells raised,
    ``notes`` what went wrong (timed out, kernel died, an answer that is not plain data).
    """
    notebook = Path(notebook)
    tests = tests if tests is not None else load_tests(autograder)
    sandbox = sandbox or ("bwrap" if have_bwrap() else "none")
    names = answer_names(tests)
    notes = []
    bad = _not_a_notebook(notebook)
    if bad:
        state = {"answers": {}, "errors": [], "status": bad, "timed_out": False, "seconds": 0.0}
        notes.append(bad)
    else:
        hidden = [*hidden, notebook.parent.resolve(), Path(autograder).resolve().parent]
        state = run_sandboxed(notebook, names, sandbox=sandbox, timeout=timeout, memory_mb=memory_mb, hidden=hidden)
        if state["timed_out"]:
            notes.append(f"timed out after {timeout:g} s (answers exported before that are graded)")
        elif state["status"] != "finished":
            why = state["status"] or "stopped"
            if state["status"] in ("exported nothing", "starting") and state.get("stderr"):
                why += f": {state['stderr'].strip().splitlines()[-1][:150]}"
            notes.append(f"{why} (answers exported before that are graded)")
    env, value_notes = plain_values(state["answers"], names)
    result = score(tests, env)
    result.update(errors=state["errors"], notes=notes + value_notes, seconds=state["seconds"])
    return result


def grade_folder(submissions: Path, exercise: Exercise, *, on_row=None, sandbox: str | None = None,
                 timeout: float = DEFAULT_TIMEOUT, memory_mb: int = DEFAULT_MEMORY_MB,
                 hidden: list[Path] = (), jobs: int = 1) -> list[dict]:
    """One row per student folder in ``submissions`` for ``exercise``, sorted by student.

    ``on_row(row)`` is called as soon as each notebook is graded (``jobs`` notebooks at a time,
    each in its own sandbox).
    """
    from concurrent.futures import ThreadPoolExecutor, as_completed

    tests = load_tests(exercise.autograder)          # verified once, kept in memory ...
    want = recorded_sha256(exercise.autograder)
    students = sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith("."))

    def one(student: Path) -> dict:
        row = {"student": student.name, "note": ""}
        nb = student / exercise.notebook
        if not nb.is_file() or nb.is_symlink():
            others = sorted(q.name for q in student.glob("*.ipynb"))
            found = f"found: {', '.join(others)}" if others else "the folder has no notebook"
            row["note"] = f"no {exercise.notebook} ({found})"
            return row
        notes = []
        if sha256_of(exercise.autograder) != want:   # ... and checked again before each submission
            notes.append("the autograder zip changed on disk during grading (graded with the copy verified at start)")
        try:
            graded = grade_notebook(nb, exercise.autograder, tests=tests, sandbox=sandbox, timeout=timeout,
                                    memory_mb=memory_mb, hidden=[submissions.resolve(), *hidden])
            row.update(graded["scores"])
            row["total"] = sum(graded["scores"].values())
            row["possible"] = sum(graded["possible"].values())
            row["seconds"] = round(graded["seconds"], 1)
            notes += graded["notes"]
            if graded["errors"]:
                notes.append(f"{len(graded['errors'])} cell(s) raised an error, first: {graded['errors'][0]}")
        except Exception as exc:  # report, do not stop the round
            notes.append(f"not graded: {exc}")
        row["note"] = "; ".join(notes)
        return row

    rows = []
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        for fut in as_completed([pool.submit(one, s) for s in students]):
            row = fut.result()
            rows.append(row)
            if on_row:
                on_row(row)
    return sorted(rows, key=lambda r: r["student"])


class CsvWriter:
    """Columns student, q1..qk, total, possible, note; each row flushed as soon as it is written."""

    def __init__(self, path: Path, questions: list[str]):
        self.file = open(path, "w", newline="")
        self.writer = csv.DictWriter(self.file, fieldnames=["student", *questions, "total", "possible", "note"],
                                     restval="", extrasaction="ignore")
        self.writer.writeheader()
        self.file.flush()

    def __call__(self, row: dict) -> None:
        self.writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in row.items()})
        self.file.flush()
        os.fsync(self.file.fileno())

    def close(self) -> None:
        self.file.close()


def write_csv(rows: list[dict], path: Path) -> None:
    """Write rows with columns student, q1..qk (in question order), total, possible, note."""
    questions = sorted({k for r in rows for k in r} - {"student", "total", "possible", "note", "seconds"},
                       key=lambda q: (len(q), q))
    w = CsvWriter(path, questions)
    for r in rows:
        w(r)
    w.close()


def choose_sandbox(requested: str, unsafe: bool) -> str:
    """``bwrap`` when available; ``none`` only when the instructor says UNSAFE=1; otherwise refuse."""
    if requested == "docker":
        raise SystemExit("grading in Docker (otter grade's route) is not implemented yet: use bwrap "
                         "(apt-get install bubblewrap)")
    if requested == "none" or (requested == "auto" and unsafe and not have_bwrap()):
        print("\n*** WARNING: grading WITHOUT a sandbox (UNSAFE=1). Each student's code runs as you, can read\n"
              "*** the solutions and hidden tests, write anywhere you can and leave processes behind.\n"
              "*** Grade only notebooks you trust this way.\n", file=sys.stderr)
        return "none"
    if have_bwrap():
        return "bwrap"
    raise SystemExit("make grade runs every student's notebook in a bubblewrap sandbox, and `bwrap` is not "
                     "installed.\n  Install it:  sudo apt-get install bubblewrap   (Debian/Ubuntu; dnf install "
                     "bubblewrap on Fedora)\n  or, for notebooks you trust, grade without a sandbox:  make grade "
                     "SUBMISSIONS=... UNSAFE=1")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("submissions", type=Path, help="folder of <student>/<NN>_<name>.ipynb")
    ap.add_argument("--dist", type=Path, default=HERE / "dist", help="where `make exercises` put the autograders")
    ap.add_argument("--out", type=Path, default=None, help="folder for the CSVs (default: SUBMISSIONS)")
    ap.add_argument("--only", default=None, help="grade only exercise NN (e.g. 02)")
    ap.add_argument("--timeout", type=float, default=float(os.environ.get("GRADE_TIMEOUT", DEFAULT_TIMEOUT)),
                    help="wall-clock seconds per notebook (default %(default)s)")
    ap.add_argument("--memory-mb", type=int, default=int(os.environ.get("GRADE_MEMORY_MB", DEFAULT_MEMORY_MB)),
                    help="address-space limit per notebook in MiB (default %(default)s)")
    ap.add_argument("--jobs", type=int, default=int(os.environ.get("GRADE_JOBS", 1)),
                    help="notebooks graded at once, each in its own sandbox (default %(default)s)")
    ap.add_argument("--sandbox", choices=["auto", "bwrap", "none", "docker"], default="auto",
                    help="auto = bwrap, refusing without it unless UNSAFE=1")
    args = ap.parse_args(argv)

    if not args.submissions.is_dir():
        ap.error(f"SUBMISSIONS must be a folder of student folders; {args.submissions} is not a folder")
    unsafe = os.environ.get("UNSAFE", "") not in ("", "0")
    try:
        sandbox = choose_sandbox(args.sandbox, unsafe)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    out = args.out or args.submissions
    out.mkdir(parents=True, exist_ok=True)
    present = {nb.name for nb in args.submissions.glob("*/*.ipynb")}
    wrote = 0
    for folder in exercise_folders():
        ex = Exercise(folder, find_autograder(args.dist, folder[:2]))
        if args.only and ex.number != args.only:
            continue
        if ex.notebook not in present and not args.only:
            continue
        if ex.autograder is None:
            print(f"{folder}: no autograder in {args.dist / ex.number / 'autograder'}; run `make exercises` first",
                  file=sys.stderr)
            return 1
        try:
            questions = list(load_tests(ex.autograder))
        except RuntimeError as exc:
            print(f"{folder}: {exc}", file=sys.stderr)
            return 1
        path = out / f"grades_{folder}.csv"
        writer = CsvWriter(path, questions)

        def report(row, writer=writer):
            writer(row)
            took = f" in {row['seconds']:.1f} s" if "seconds" in row else ""
            mark = f"{row['total']:g}/{row['possible']:g}" if "total" in row else "-"
            print(f"  {row['student']}: {mark}{took}{'  (' + row['note'] + ')' if row['note'] else ''}", flush=True)

        print(f"{folder}: grading in sandbox={sandbox}, {args.timeout:g} s and {args.memory_mb} MiB per notebook",
              flush=True)
        try:
            rows = grade_folder(args.submissions, ex, on_row=report, sandbox=sandbox, timeout=args.timeout,
                                memory_mb=args.memory_mb, hidden=[out.resolve(), args.dist.resolve()],
                                jobs=args.jobs)
        finally:
            writer.close()
        wrote += 1
        print(f"{folder}: graded {sum(1 for r in rows if 'total' in r)} of {len(rows)} students -> {path}")
    if not wrote:
        print(f"no <NN>_<name>.ipynb of any exercise found in {args.submissions}/<student>/", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
