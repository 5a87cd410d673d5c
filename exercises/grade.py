"""Collect otter-grader results into one CSV per exercise (``make grade``).

otter-grader does the grading: each submission is graded by ``otter run`` (called here
in-process as :func:`otter.run.main`, which is what the ``otter run`` command calls) against
the autograder archive that ``make exercises`` built.  ``otter grade`` would write the CSV
itself but needs Docker; this script only walks the submissions folder and tabulates the
scores ``otter run`` returns.

Layout it expects::

    SUBMISSIONS/<student>/<NN>_<name>.ipynb        the student's identity is the folder name
    exercises/dist/<NN>/autograder/<NN>_<name>-autograder_*.zip   (from ``make exercises``)

and it writes ``SUBMISSIONS/grades_<NN>_<name>.csv`` (or into ``--out``): one row per
student, one column per question, ``total``, ``possible`` and a ``note`` saying what went
wrong when a notebook is missing or could not be graded.

Usage::

    python exercises/grade.py SUBMISSIONS [--dist exercises/dist] [--out DIR] [--only 02]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


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


def grade_notebook(notebook: Path, autograder: Path) -> dict:
    """Grade one notebook with ``otter run`` (no Docker); return scores per question.

    Returns ``{"scores": {q: points}, "possible": {q: points}, "messages": {q: text},
    "public_messages": {q: text}, "errors": [text]}``: ``messages`` is otter's feedback on all
    tests of a question, ``public_messages`` what the student sees with ``grader.check``, and
    ``errors`` the exceptions raised by the notebook's own cells while otter ran it.
    """
    from otter.run import main as otter_run

    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet):
        results = otter_run(str(notebook), autograder=str(autograder), output_dir=None, no_logo=True)
    if results.catastrophic_error is not None:
        raise RuntimeError(f"otter could not grade {notebook}: {results.catastrophic_error}")
    names = sorted(results.test_files)
    return {
        "scores": {q: float(results.get_score(q)) for q in names},
        "possible": {q: float(results.get_result(q).possible) for q in names},
        "messages": {q: results.get_result(q).summary() for q in names},
        "public_messages": {q: results.get_result(q).summary(public_only=True) for q in names},
        "errors": _cell_errors(notebook, results.notebook),
    }


def _cell_errors(submitted: Path, executed) -> list[str]:
    """``"Name: message"`` of each error raised by one of the submission's own cells.

    Cells otter adds around the submission to grade it (they have other cell ids) are not counted.
    """
    import nbformat

    own = {c.get("id") for c in nbformat.read(submitted, as_version=4).cells} - {None}
    return [f"{o.get('ename')}: {o.get('evalue')}"
            for c in (executed or {}).get("cells", []) if not own or c.get("id") in own
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


def grade_folder(submissions: Path, exercise: Exercise) -> list[dict]:
    """One row per student folder in ``submissions`` for ``exercise``."""
    rows = []
    for student in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        row = {"student": student.name, "note": ""}
        nb = student / exercise.notebook
        if not nb.is_file():
            others = sorted(q.name for q in student.glob("*.ipynb"))
            found = f"found: {', '.join(others)}" if others else "the folder has no notebook"
            row["note"] = f"no {exercise.notebook} ({found})"
        else:
            try:
                graded = grade_notebook(nb, exercise.autograder)
                row.update(graded["scores"])
                row["total"] = sum(graded["scores"].values())
                row["possible"] = sum(graded["possible"].values())
                if graded["errors"]:
                    row["note"] = f"{len(graded['errors'])} cell(s) raised an error, first: {graded['errors'][0]}"
            except Exception as exc:  # report, do not stop the round
                row["note"] = f"not graded: {exc}"
        rows.append(row)
    return rows


def write_csv(rows: list[dict], path: Path) -> None:
    """Write rows with columns student, q1..qk (in question order), total, possible, note."""
    questions = sorted({k for r in rows for k in r} - {"student", "total", "possible", "note"},
                       key=lambda q: (len(q), q))
    cols = ["student", *questions, "total", "possible", "note"]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=cols, restval="")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in r.items()})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("submissions", type=Path, help="folder of <student>/<NN>_<name>.ipynb")
    ap.add_argument("--dist", type=Path, default=HERE / "dist", help="where `make exercises` put the autograders")
    ap.add_argument("--out", type=Path, default=None, help="folder for the CSVs (default: SUBMISSIONS)")
    ap.add_argument("--only", default=None, help="grade only exercise NN (e.g. 02)")
    args = ap.parse_args(argv)

    if not args.submissions.is_dir():
        ap.error(f"SUBMISSIONS must be a folder of student folders; {args.submissions} is not a folder")
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
        rows = grade_folder(args.submissions, ex)
        path = out / f"grades_{folder}.csv"
        write_csv(rows, path)
        wrote += 1
        print(f"{folder}: graded {sum(1 for r in rows if 'total' in r)} of {len(rows)} students -> {path}")
        for r in rows:
            if r["note"]:
                print(f"  {r['student']}: {r['note']}")
    if not wrote:
        print(f"no <NN>_<name>.ipynb of any exercise found in {args.submissions}/<student>/", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
