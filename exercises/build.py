"""Build the student versions and autograders of the exercises (``make exercises``).

For each exercise folder ``exercises/<NN>_<name>/`` this

1. executes the source notebook ``<NN>_<name>.ipynb`` top to bottom (solutions and tests
   included, so a wrong expected value or a broken solution stops the build here), writing
   the executed copy to ``<out>/<NN>/source/``;
2. runs ``otter assign`` on that copy, which writes

   - ``<out>/<NN>/student/<NN>_<name>.ipynb``   the notebook to hand out (no solutions, no
     hidden tests; public tests stored in its metadata for ``grader.check``);
   - ``<out>/<NN>/autograder/<NN>_<name>.ipynb``  the solution notebook;
   - ``<out>/<NN>/autograder/<NN>_<name>-autograder_<time>.zip``  the archive whose test files
     ``make grade`` evaluates, and beside it ``<zip>.sha256`` (its checksum, checked before
     each submission is graded).

otter-grader does the work; this script only loops over the folders.  Nothing it writes is
committed (``exercises/dist/`` is in ``.gitignore``).

Usage::

    python exercises/build.py [NN ...] [--out exercises/dist] [--no-execute] [--no-run-tests]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import shutil
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from grade import checksum_file, exercise_folders, find_autograder, sha256_of  # noqa: E402  (sibling script)
from sandbox_run import FORM_ONLY_CELL  # noqa: E402


def execute_source(folder: Path, dest: Path, *, timeout: int = 300) -> Path:
    """Run ``folder/<folder.name>.ipynb`` in a fresh kernel; write the executed copy into ``dest``.

    Raises ``nbclient.exceptions.CellExecutionError`` (naming the cell) when a solution or one
    of its tests fails.
    """
    from nbclient import NotebookClient

    src = folder / f"{folder.name}.ipynb"
    nb = nbformat.read(src, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    dest.mkdir(parents=True, exist_ok=True)
    out = dest / src.name
    nbformat.write(nb, out)
    return out


def assign(master: Path, result: Path, *, run_tests: bool = True) -> Path:
    """``otter assign master result`` (no PDFs); return the autograder archive it wrote."""
    from otter.assign import main as otter_assign

    log = io.StringIO()
    with contextlib.redirect_stdout(log):
        otter_assign(str(master), str(result), no_pdfs=True, no_run_tests=not run_tests)
    archive = find_autograder(result.parent, result.name)   # what `make grade` will look for
    _add_form_only_cell(result / "student" / master.name)
    if archive is None:
        raise RuntimeError(f"otter assign wrote no autograder archive for {master}:\n{log.getvalue()}")
    # `make grade` checks the archive against this before each submission (sha256sum format)
    checksum_file(archive).write_text(f"{sha256_of(archive)}  {archive.name}\n")
    return archive


def _add_form_only_cell(student: Path) -> None:
    """After otter's init cell, the cell that makes form-only checks say "form OK — marked after you hand in"."""
    nb = nbformat.read(student, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "otter.Notebook(" in c.source)
    cell = nbformat.v4.new_code_cell(FORM_ONLY_CELL, metadata={"deletable": False, "editable": False})
    nb.cells.insert(at + 1, cell)
    nbformat.write(nb, student)


def build(name: str, out: Path, *, execute: bool = True, run_tests: bool = True) -> Path:
    """Build exercise ``name`` (e.g. ``"02_shrinkage_weight"``) into ``out/<NN>/``; return the archive."""
    folder = HERE / name
    target = out / name[:2]
    shutil.rmtree(target, ignore_errors=True)
    if execute:
        master = execute_source(folder, target / "source")
    else:
        (target / "source").mkdir(parents=True)
        master = Path(shutil.copy(folder / f"{name}.ipynb", target / "source"))
    return assign(master, target, run_tests=run_tests)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("numbers", nargs="*", help="exercise numbers to build (default: all), e.g. 02 05")
    ap.add_argument("--out", type=Path, default=HERE / "dist")
    ap.add_argument("--no-execute", action="store_true", help="skip running the source notebook first")
    ap.add_argument("--no-run-tests", action="store_true", help="skip otter's check of the solutions")
    args = ap.parse_args(argv)
    names = [n for n in exercise_folders() if not args.numbers or n[:2] in args.numbers]
    if not names:
        ap.error(f"no exercise folder matches {args.numbers}; there are {exercise_folders()}")
    for name in names:
        print(f"{name}: executing the source notebook and running otter assign ...", flush=True)
        zip_path = build(name, args.out, execute=not args.no_execute, run_tests=not args.no_run_tests)
        nn = name[:2]
        print(f"  student version: {args.out / nn / 'student' / (name + '.ipynb')}\n"
              f"  autograder:      {zip_path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
